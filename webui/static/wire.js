// Optional enhancements; every page works without this file.
(function () {
  "use strict";

  // On narrow screens, start with the filter panel folded so results come first.
  var panel = document.querySelector(".filters-panel");
  if (panel && window.matchMedia("(max-width: 52rem)").matches) {
    panel.removeAttribute("open");
  }

  // Leave empty date fields out of the URL, so it stays short and stable.
  document.querySelectorAll("form.date-range").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[type=date]").forEach(function (input) {
        if (!input.value) { input.disabled = true; }
      });
    });
  });

  // "/" jumps to the search box, as on many search sites.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
    if (box && event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
}());
