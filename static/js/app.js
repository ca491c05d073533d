// Small glue for htmx pages. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  // A 403 from an expired CSRF token or a lost session: tell the user instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "notice notice-error floating-notice";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    if (status === 403) {
      box.textContent = "Your session expired or this page is out of date. Reload the page and try again; nothing was saved.";
    } else {
      box.textContent = "The server could not complete that (error " + status + "). Nothing was lost: try again in a moment.";
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("htmx-error") || document.createElement("div");
    box.id = "htmx-error";
    box.className = "notice notice-error floating-notice";
    box.setAttribute("role", "alert");
    box.textContent = "Cannot reach the portal. Check your connection; your last change was not saved.";
    document.body.appendChild(box);
  });
})();
