/**
 * The console's one script, served as /ui/assets/console.js (the CSP allows scripts from self only,
 * never inline). Every page works without it; on an open execution's page it polls the live
 * fragment (GET /ui/executions/:id/live) and swaps the status and details in place, and once the run
 * has closed it stops and refreshes the tasks table from the page itself. Plain ES2017, no build step.
 */
export const CONSOLE_JS = `'use strict';
(function () {
  var live = document.querySelector('[data-live-src]');
  if (!live || live.getAttribute('data-closed') === 'true') return;
  var src = live.getAttribute('data-live-src');
  var interval = Number(live.getAttribute('data-live-interval')) || 1500;

  function parse(text) {
    var template = document.createElement('template');
    template.innerHTML = text;
    return template.content;
  }

  // Only what changed is replaced: an unchanged aria-live region stays silent.
  function swapParts(fragment) {
    fragment.querySelectorAll('[data-part]').forEach(function (fresh) {
      var current = live.querySelector('[data-part="' + fresh.getAttribute('data-part') + '"]');
      if (current && current.innerHTML !== fresh.innerHTML) current.innerHTML = fresh.innerHTML;
    });
  }

  function refreshTasks() {
    return fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('tasks');
        var current = document.getElementById('tasks');
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
      });
  }

  function poll() {
    fetch(src, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        var closed = response.headers.get('x-execution-closed');
        // Signed out, or the page is gone: stop; a reload shows why.
        if (!response.ok || closed === null) return null;
        return response.text().then(function (text) {
          swapParts(parse(text));
          return closed === 'true';
        });
      })
      .then(
        function (closed) {
          if (closed === false) return void setTimeout(poll, interval);
          if (closed === true) {
            live.setAttribute('data-closed', 'true');
            return refreshTasks();
          }
        },
        function () {
          // The server restarting, the network dropping: try again, more slowly.
          setTimeout(poll, interval * 4);
        },
      );
  }

  setTimeout(poll, interval);
})();
`;
