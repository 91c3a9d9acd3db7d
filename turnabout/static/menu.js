// The main menu collapses behind its button on narrow screens (turnabout.css). Without this script the
// button stays hidden and the menu shows in full, wrapped: nothing needs JavaScript to be reached.
(function () {
  "use strict";
  // A table wider than its .table-scroll wrapper scrolls there: the wrapper takes focus so arrow keys scroll it too.
  document.querySelectorAll(".table-scroll").forEach(function (wrapper) {
    if (wrapper.scrollWidth > wrapper.clientWidth && !wrapper.hasAttribute("tabindex")) {
      wrapper.setAttribute("tabindex", "0");
    }
  });
  var header = document.querySelector("[data-menu]");
  var button = header && header.querySelector(".menu-toggle");
  if (!button) {
    return;
  }
  button.hidden = false;
  header.classList.add("menu-collapsible");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      header.classList.remove("menu-open");
      button.focus();
    }
  });
})();
