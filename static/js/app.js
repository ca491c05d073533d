// Small glue for htmx pages. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";

  function notify(text) {
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "notice notice-error floating-notice";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;
  }

  // Mark the answer whose autosave failed, without touching its saved version.
  function markUnsaved(element, text) {
    var form = element && element.closest ? element.closest("form.practice") : null;
    if (!form) return;
    var note = form.querySelector(".save-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "save-error notice notice-error";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    note.textContent = text;
  }

  // Answers whose save met an ended session: saved again once the person has logged in
  // (in another tab, or through the link, which opens one) and comes back to this page.
  var waitingForLogin = [];

  function askToLogIn(element, loginUrl) {
    var form = element && element.closest ? element.closest("form.practice") : null;
    if (form && waitingForLogin.indexOf(form) < 0) waitingForLogin.push(form);
    var text = "Not saved: your session has ended. Log in again; your answer stays here and is saved as soon as you have.";
    markUnsaved(element, text);
    notify(text + " ");
    var box = document.getElementById("htmx-error");
    var link = document.createElement("a");
    link.href = loginUrl || "/accounts/login/";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Log in (opens a new tab)";
    box.appendChild(link);
  }

  function saveWaitingAnswers() {
    if (!waitingForLogin.length || document.visibilityState === "hidden") return;
    var forms = waitingForLogin;
    waitingForLogin = [];
    forms.forEach(function (form) {
      if (document.body.contains(form)) htmx.trigger(form, "submit");
    });
  }
  window.addEventListener("focus", saveWaitingAnswers);

  // Logging in (in another tab) gives the browser a new CSRF token: send the cookie's
  // current one, so a save retried after logging in is not refused as a forgery.
  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfCookie();
    if (!token) return;
    event.detail.headers["X-CSRFToken"] = token;
    var elt = event.detail.elt;
    if (elt && elt.querySelector && elt.querySelector("input[name=csrfmiddlewaretoken]")) {
      event.detail.parameters.csrfmiddlewaretoken = token;
    }
  });
  document.addEventListener("visibilitychange", saveWaitingAnswers);

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var text;
    if (status === 401) {
      askToLogIn(event.detail.elt, event.detail.xhr.getResponseHeader("X-Login-URL"));
      return;
    }
    if (status === 503) {
      text = "Not saved: the portal is briefly unavailable. Nothing was half-written; try again in a few seconds.";
    } else if (status === 403) {
      text = "Not saved: your session expired or this page is out of date. Reload the page and try again.";
    } else {
      text = "Not saved: the server could not complete that (error " + status + "). Try again in a moment.";
    }
    markUnsaved(event.detail.elt, text);
    notify(text);
  });

  document.addEventListener("htmx:sendError", function (event) {
    var text = "Not saved: cannot reach the portal. Check your connection and try again.";
    markUnsaved(event.detail.elt, text);
    notify(text);
  });

  // "Not applicable" needs a reason: instead of sending a save the server would refuse,
  // move the focus to the reason field and save once it is filled in.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.practice")) return;
    var notApplicable = form.querySelector("input[name=value][value=na]");
    var reason = form.querySelector("input[name=na_reason]");
    if (notApplicable && notApplicable.checked && reason && !reason.value.trim()) {
      event.preventDefault();
      var hint = form.querySelector(".save-hint");
      if (!hint) {
        hint = document.createElement("p");
        hint.className = "save-hint small";
        hint.setAttribute("role", "status");
        reason.parentNode.appendChild(hint);
      }
      hint.textContent = "Say why it does not apply; the answer saves as soon as you do.";
      reason.focus();
    }
  });

  // A swap that replaces the focused element (an answer's Confirm button lives in the save
  // status that its save swaps) would drop the focus on the page body and send a keyboard
  // user back to the top of the page. Keep the focus where it was: on the first control of
  // the swapped-in element, or on the element itself. When a whole list is swapped (a team's
  // plan after an action's status changed), the focus goes back to the item it was in
  // (marked data-focus-item).
  var swappedFocusId = null;
  var swappedItemId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var focused = document.activeElement;
    var inside = target && target.id && focused && focused !== document.body && target.contains(focused);
    swappedFocusId = inside ? target.id : null;
    var item = inside ? focused.closest("[data-focus-item][id]") : null;
    swappedItemId = item && item !== target && target.contains(item) ? item.id : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var id = swappedFocusId;
    var itemId = swappedItemId;
    swappedFocusId = swappedItemId = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) return;
    var element = (itemId && document.getElementById(itemId)) || document.getElementById(id);
    if (!element) return;
    var control = element.querySelector("button, a[href], input:not([type=hidden]), select, textarea");
    if (!control) {
      element.setAttribute("tabindex", "-1");
      control = element;
    }
    control.focus();
  });

  // A successful save clears an earlier failure note on that answer and the floating notice.
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form.practice") : null;
    var saved = event.detail.xhr.status < 400;
    var note = form ? form.querySelector(".save-error") : null;
    if (note && saved) note.remove();
    var hint = form ? form.querySelector(".save-hint") : null;
    if (hint && saved) hint.remove();
    var box = document.getElementById("htmx-error");
    if (box && event.detail.xhr.status < 400) box.remove();
  });
})();
