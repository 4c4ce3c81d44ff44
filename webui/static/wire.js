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

// "Copy link" buttons beside permalinks. Without this file the links still work:
// the button stays hidden and the link can be copied as any link.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // older browsers and plain-http hosts: a selected, off-screen field and the copy command
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.className = "visually-hidden";
      document.body.appendChild(field);
      field.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      document.body.removeChild(field);
      if (copied) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  document.querySelectorAll("button.copy-link").forEach(function (button) {
    var status = button.parentNode.querySelector(".copy-status");
    var url = new URL(button.getAttribute("data-copy-url"), window.location.href).href;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(url).then(function () {
        status.textContent = "Link copied.";
      }, function () {
        status.textContent = "Could not copy: select the link and copy it.";
      });
    });
  });
}());
