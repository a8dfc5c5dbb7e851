// The sourcing kanban (/sourcing): drag and drop between columns with SortableJS (served locally,
// loaded on demand from the board's data-sortable-src). A drop submits the card's own « Déplacer
// vers » form through htmx (one request, CSRF token in the form); a refused or gated move puts the
// card back where it was and the server's message lands in the aria-live #flash region. Keyboard
// and no-JS users use the « Déplacer vers » form itself. Static file: strict CSP, no inline script.
(function () {
  'use strict';

  var origins = {};
  var focusAfterSwap = null;

  function loadSortable(board, done) {
    if (window.Sortable) { done(); return; }
    var existing = document.querySelector('script[data-sortable-loader]');
    if (existing) { existing.addEventListener('load', done); return; }
    var script = document.createElement('script');
    script.src = board.getAttribute('data-sortable-src');
    script.setAttribute('data-sortable-loader', '');
    script.addEventListener('load', done);
    document.head.appendChild(script);
  }

  function putBack(card) {
    var origin = origins[card.id];
    if (!origin) return;
    delete origins[card.id];
    var select = card.querySelector('select[name="stage"]');
    if (select) select.value = '';
    var list = origin.list;
    var before = list.children[origin.index] || null;
    if (before === card) return;
    list.insertBefore(card, before);
  }

  function onDrop(board, event) {
    var card = event.item;
    if (event.to === event.from) return;
    var form = card.querySelector('form.sourcing-move');
    origins[card.id] = { list: event.from, index: event.oldIndex };
    if (!form) { putBack(card); return; }
    var stage = event.to.getAttribute('data-stage');
    var select = form.querySelector('select[name="stage"]');
    var option = select ? select.querySelector('option[value="' + stage + '"]') : null;
    if (!option) { putBack(card); return; }
    select.value = stage;
    if (option.hasAttribute('data-reason')) {
      var text = window.prompt((board.getAttribute('data-reason-prompt') || '').replace('{stage}', option.textContent.trim()));
      if (!text || !text.trim()) { select.value = ''; putBack(card); return; }
      var reason = form.querySelector('input[name="reason"]');
      if (reason) reason.value = text.trim();
    }
    if (typeof form.requestSubmit === 'function') form.requestSubmit();
    else window.htmx.trigger(form, 'submit');
  }

  function init() {
    var board = document.querySelector('.sourcing-kanban');
    if (!board || board.getAttribute('data-sortable-ready')) return;
    board.setAttribute('data-sortable-ready', '1');
    loadSortable(board, function () {
      var lists = board.querySelectorAll('.sourcing-column__cards');
      Array.prototype.forEach.call(lists, function (list) {
        window.Sortable.create(list, {
          group: 'sourcing',
          draggable: '.sourcing-card--movable',
          filter: '.sourcing-move',
          preventOnFilter: false,
          forceFallback: true,
          fallbackTolerance: 4,
          animation: 150,
          ghostClass: 'sourcing-card--ghost',
          onMove: function (event) {
            if (event.to === event.from) return true;
            var moves = (event.dragged.getAttribute('data-moves') || '').split(' ');
            return moves.indexOf(event.to.getAttribute('data-stage')) !== -1;
          },
          onEnd: function (event) { onDrop(board, event); }
        });
      });
    });
  }

  document.addEventListener('DOMContentLoaded', init);
  document.addEventListener('htmx:load', init);

  // A move's answer: refused (4xx/5xx: the message went to #flash) → the dropped card goes back.
  document.addEventListener('htmx:afterRequest', function (event) {
    var form = event.detail && event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('sourcing-move')) return;
    var card = form.closest('.sourcing-card');
    if (!card) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 400 || status === 0) { putBack(card); return; }
    delete origins[card.id];
    focusAfterSwap = card.id;
  });
  // After the card is re-rendered in its new column, keyboard focus goes to it.
  document.addEventListener('htmx:afterSettle', function () {
    if (!focusAfterSwap) return;
    var card = document.getElementById(focusAfterSwap);
    focusAfterSwap = null;
    var link = card && card.querySelector('.sourcing-card__title a');
    if (link) link.focus();
  });
})();
