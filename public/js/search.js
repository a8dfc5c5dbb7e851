// The header's directory search box: "/" focuses it, Escape closes the suggestions, ArrowDown
// moves into them, and the number of results is announced. htmx fetches the suggestions (see
// src/views/partials/ui/header.hbs); this file only handles the keyboard and the panel, whose
// placement is in public/css/app.css (no style set from here: htmx would copy it as a style
// attribute, which the CSP refuses). A static file; without it the box is a plain GET form.
(function () {
  'use strict';

  var INPUT_ID = 'header-search-input';
  var PANEL_ID = 'search-suggestions';
  var STATUS_ID = 'search-suggestions-status';

  function byId(id) { return document.getElementById(id); }

  function isEditable(element) {
    if (!element || !(element instanceof HTMLElement)) return false;
    return element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName);
  }

  function setStatus(text) {
    var status = byId(STATUS_ID);
    if (status && status.textContent !== text) status.textContent = text;
  }

  function isOpen() {
    var panel = byId(PANEL_ID);
    return Boolean(panel && !panel.hidden);
  }

  function close() {
    var panel = byId(PANEL_ID);
    var input = byId(INPUT_ID);
    if (panel) {
      panel.hidden = true;
      panel.innerHTML = '';
    }
    if (input) input.setAttribute('aria-expanded', 'false');
  }

  function focusBox() {
    var input = byId(INPUT_ID);
    if (!input) return;
    // On small screens the box lives in the DSFR search modal: open it first.
    if (!input.offsetParent) {
      var button = byId('button-search');
      if (button) button.click();
      window.setTimeout(function () { input.focus(); input.select(); }, 100);
      return;
    }
    input.focus();
    input.select();
  }

  document.addEventListener('keydown', function (event) {
    if (event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !isEditable(event.target)) {
      if (!byId(INPUT_ID)) return;
      event.preventDefault();
      focusBox();
      return;
    }
    if (event.key === 'Escape' && isOpen()) {
      var form = byId('header-search');
      var panel = byId(PANEL_ID);
      var inside = (form && form.contains(event.target)) || (panel && panel.contains(event.target));
      if (!inside) return;
      event.preventDefault();
      close();
      var input = byId(INPUT_ID);
      if (input) input.focus();
      return;
    }
    if (event.key === 'ArrowDown' && event.target instanceof HTMLElement && event.target.id === INPUT_ID && isOpen()) {
      var first = byId(PANEL_ID).querySelector('a[href]');
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });

  // A new fragment arrived: show or hide the panel, keep aria-expanded true to what is visible, announce the count.
  document.addEventListener('htmx:afterSwap', function (event) {
    var panel = event.detail && event.detail.target;
    if (!panel || panel.id !== PANEL_ID) return;
    var input = byId(INPUT_ID);
    var content = panel.querySelector('[data-search-summary]');
    var hasContent = Boolean(content) && Boolean(input) && input.value.trim() !== '';
    panel.hidden = !hasContent;
    if (!hasContent) panel.innerHTML = '';
    if (input) input.setAttribute('aria-expanded', hasContent ? 'true' : 'false');
    setStatus(hasContent ? content.getAttribute('data-search-summary') : '');
  });

  // A click elsewhere closes the panel.
  document.addEventListener('click', function (event) {
    if (!isOpen()) return;
    var form = byId('header-search');
    var panel = byId(PANEL_ID);
    if ((form && form.contains(event.target)) || (panel && panel.contains(event.target))) return;
    close();
  });
})();
