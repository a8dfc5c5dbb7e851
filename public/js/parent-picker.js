// Keyboard for the parent convention picker (src/views/partials/conventions/parent-fields.hbs):
// ArrowDown from the field goes into the suggestions, ArrowUp/ArrowDown move between them (up from
// the first one returns to the field), Escape empties them and returns to the field. htmx does the
// fetching. Without this file Tab and Enter still pick a suggestion; without JavaScript at all the
// typed reference is what is saved. A static file loaded by the layout on every page (strict CSP,
// and htmx runs no script tags of swapped content): it acts only where the picker is.
(function () {
  'use strict';

  var FIELD_ID = 'field-parentId';
  var PANEL_ID = 'parent-suggestions';

  function suggestions() {
    var panel = document.getElementById(PANEL_ID);
    return panel ? Array.prototype.slice.call(panel.querySelectorAll('button')) : [];
  }

  document.addEventListener('keydown', function (event) {
    var field = document.getElementById(FIELD_ID);
    var buttons = suggestions();
    var index = buttons.indexOf(event.target);
    if (event.target !== field && index < 0) return;
    if (event.key === 'ArrowDown' && buttons.length > 0) {
      event.preventDefault();
      buttons[Math.min(index + 1, buttons.length - 1)].focus();
    } else if (event.key === 'ArrowUp' && index >= 0) {
      event.preventDefault();
      (index === 0 ? field : buttons[index - 1]).focus();
    } else if (event.key === 'Escape' && buttons.length > 0) {
      event.preventDefault();
      document.getElementById(PANEL_ID).innerHTML = '';
      if (field) field.focus();
    }
  });
})();
