// The token pages: copy a new token (or its curl line) to the clipboard. Without JavaScript
// the copy buttons stay hidden and the secret is plain text to select and copy by hand.
(function () {
  "use strict";

  function reveal(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(button, text) {
    var panel = button.closest("[data-secret]");
    var status = panel ? panel.querySelector("[data-copy-status]") : null;
    if (status) status.textContent = text;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var what = button.getAttribute("data-copy-what") || "Text";
    var text = source.textContent.trim();
    var selectInstead = function () {
      select(source);
      say(button, what + " selected: press Ctrl+C (or ⌘C) to copy it.");
    };
    if (!navigator.clipboard || !window.isSecureContext) {
      selectInstead();
      return;
    }
    navigator.clipboard.writeText(text).then(function () {
      say(button, what + " copied to the clipboard.");
    }, selectInstead);
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });

  // A page restored from the browser's back-forward cache must not show a secret again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[data-secret]").forEach(function (panel) { panel.remove(); });
  });
})();
