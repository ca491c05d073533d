// Names for the controls Swagger UI renders without one (axe: select-name, button-name):
// an enum parameter's choice is named after its parameter, a dialog's close button "Close".
new MutationObserver(() => {
  document.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach((select) => {
    select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
  });
  document.querySelectorAll("button.close-modal:not([aria-label])").forEach((button) => {
    button.setAttribute("aria-label", "Close");
  });
}).observe(document.getElementById("swagger-ui"), { childList: true, subtree: true });
