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
})();
