// Passerelle behaviour added on top of htmx and the DSFR. A static file (strict CSP: no inline
// scripts, no hx-on attributes). Every page works without it.
(function () {
  'use strict';

  // Forms marked data-confirm ask before they are sent (plain and boosted submissions alike).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // After htmx replaces content, move focus somewhere sensible for keyboard and screen-reader users:
  // the error summary of a re-rendered form, otherwise the first invalid field.
  document.addEventListener('htmx:afterSettle', function () {
    var summary = document.getElementById('form-errors');
    if (summary) { summary.focus(); return; }
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });
  // The agenda's month (/agenda): besides Tab, the arrow keys move between items — left and right
  // to the previous or next day holding something, up and down to the previous or next item of
  // the day, then to the same weekday of the weeks before or after.
  document.addEventListener('keydown', function (event) {
    var keys = { ArrowLeft: 1, ArrowRight: 1, ArrowUp: 1, ArrowDown: 1 };
    if (!keys[event.key] || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var link = event.target;
    var table = link instanceof HTMLAnchorElement ? link.closest('.passerelle-agenda-month') : null;
    if (!table) return;
    var cell = link.closest('td');
    var cells = Array.prototype.slice.call(table.querySelectorAll('td'));
    var position = cells.indexOf(cell);
    var linksOf = function (td) { return td ? td.querySelectorAll('a') : []; };
    var own = Array.prototype.slice.call(linksOf(cell));
    var index = own.indexOf(link);
    var target = null;
    if (event.key === 'ArrowDown' && index < own.length - 1) target = own[index + 1];
    else if (event.key === 'ArrowUp' && index > 0) target = own[index - 1];
    else {
      var step = event.key === 'ArrowLeft' ? -1 : event.key === 'ArrowRight' ? 1 : event.key === 'ArrowUp' ? -7 : 7;
      for (var next = position + step; next >= 0 && next < cells.length; next += step) {
        var found = linksOf(cells[next]);
        if (found.length) { target = step < 0 ? found[found.length - 1] : found[0]; break; }
      }
    }
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });
})();
