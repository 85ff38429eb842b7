// Progressive enhancement for the API Keys page: a Copy button for the new
// key, in-page dialogs for "Create API Key" and "Revoke", and a plain
// sentence saying when a picked expiry date ends the key. Without this
// script every action still works through plain links and forms.
(function () {
  'use strict';

  function copyKey(button) {
    var input = document.getElementById(button.getAttribute('data-copy'));
    var status = document.querySelector('[data-copy-status]');
    var label = button.querySelector('[data-copy-label]') || button;
    function say(msg) { if (status) { status.textContent = msg; } }
    function copied() {
      label.textContent = 'Copied';
      button.classList.add('is-copied');
      say('Copied to the clipboard.');
      setTimeout(function () { label.textContent = 'Copy'; button.classList.remove('is-copied'); }, 2500);
    }
    function fallback() {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      if (ok) { copied(); } else { say('The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.'); }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(copied, fallback);
    } else {
      fallback();
    }
  }

  document.querySelectorAll('[data-copy]').forEach(function (button) {
    if (!document.getElementById(button.getAttribute('data-copy'))) { return; }
    button.hidden = false;
    button.addEventListener('click', function () { copyKey(button); });
  });

  document.querySelectorAll('[data-select-on-focus]').forEach(function (input) {
    input.addEventListener('focus', function () { input.select(); });
    input.addEventListener('click', function () { input.select(); });
  });

  // The date picker gives a day; the key stops at 00:00 UTC after it. Say
  // so in words, in UTC and in the reader's own time zone.
  document.querySelectorAll('[data-expiry]').forEach(function (input) {
    var hint = input.parentNode.querySelector('[data-expiry-hint]');
    if (!hint) { return; }
    var original = hint.textContent;
    function update() {
      var v = input.value;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) { hint.textContent = original; return; }
      var day = new Date(v + 'T12:00:00Z');
      var end = new Date(v + 'T00:00:00Z');
      if (isNaN(end.getTime())) { hint.textContent = original; return; }
      end.setUTCDate(end.getUTCDate() + 1);
      var opts = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
      var utc = Object.assign({ timeZone: 'UTC' }, opts);
      hint.textContent = 'The key works through ' +
        day.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }) +
        ' (UTC) and stops working on ' + end.toLocaleString(undefined, utc) + ' UTC (' +
        end.toLocaleString(undefined, opts) + ' your time).';
    }
    input.addEventListener('input', update);
    input.addEventListener('change', update);
    update();
  });

  if (typeof HTMLDialogElement !== 'function') { return; }

  document.querySelectorAll('[data-dialog]').forEach(function (link) {
    link.addEventListener('click', function (e) {
      var dialog = document.getElementById(link.getAttribute('data-dialog'));
      if (!dialog) { return; }
      e.preventDefault();
      dialog.showModal();
    });
  });

  var revoke = document.getElementById('revoke-dialog');
  if (revoke) {
    document.querySelectorAll('[data-revoke]').forEach(function (link) {
      link.addEventListener('click', function (e) {
        e.preventDefault();
        revoke.querySelector('[data-revoke-name]').textContent = link.getAttribute('data-name');
        revoke.querySelector('[data-revoke-prefix]').textContent = link.getAttribute('data-prefix');
        revoke.querySelector('[data-revoke-form]').setAttribute('action', link.pathname);
        revoke.showModal();
      });
    });
  }

  document.querySelectorAll('dialog').forEach(function (dialog) {
    dialog.querySelectorAll('[data-close]').forEach(function (el) {
      el.addEventListener('click', function (e) { e.preventDefault(); dialog.close(); });
    });
    // A click on the backdrop (outside the box) closes the dialog.
    dialog.addEventListener('click', function (e) {
      if (e.target !== dialog) { return; }
      var r = dialog.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) { dialog.close(); }
    });
  });
})();
