// The initiative form: a filter box over each long list of checkboxes, and a count of the
// practices ticked. Without JavaScript the lists are all shown and the boxes stay hidden.
(function () {
  "use strict";

  function matches(element, words) {
    var text = element.getAttribute("data-filter-text") || "";
    return words.every(function (word) { return text.indexOf(word) >= 0; });
  }

  function applyFilter(input) {
    var list = document.getElementById(input.getAttribute("data-filters"));
    if (!list) return;
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.querySelectorAll("[data-filter-text]").forEach(function (item) {
      // A ticked box stays in view: the filter never hides what is chosen.
      var ticked = item.querySelector("input:checked");
      item.hidden = !ticked && words.length > 0 && !matches(item, words);
    });
    list.querySelectorAll("[data-filter-group]").forEach(function (group) {
      group.hidden = !group.querySelector("[data-filter-text]:not([hidden])");
    });
  }

  function showCount(counter) {
    var list = document.getElementById(counter.getAttribute("data-ticked-count"));
    if (!list) return;
    var ticked = list.querySelectorAll("input[type=checkbox]:checked").length;
    counter.textContent = ticked === 1 ? "1 practice ticked" : ticked + " practices ticked";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".choice-filter").forEach(function (input) {
      input.hidden = false;
      input.addEventListener("input", function () { applyFilter(input); });
      // Enter in the filter must not submit the whole form.
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") event.preventDefault();
      });
    });
    document.querySelectorAll("[data-ticked-count]").forEach(function (counter) {
      var list = document.getElementById(counter.getAttribute("data-ticked-count"));
      showCount(counter);
      if (list) list.addEventListener("change", function () { showCount(counter); });
    });
  });
})();
