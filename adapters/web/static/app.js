// EpicCRM admin UI: the only script of the UI. It adds comfort, never function: every page
// works without it. It opens and closes the sidebar on small screens and dismisses flash
// messages.
(function () {
  "use strict";
  var toggle = document.querySelector("[data-nav-toggle]");
  function setNav(open) {
    document.body.classList.toggle("nav-open", open);
    if (toggle) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      setNav(!document.body.classList.contains("nav-open"));
    });
  }
  // A click outside the open sidebar (on the dimmed page) closes it.
  document.addEventListener("click", function (e) {
    if (document.body.classList.contains("nav-open") && !e.target.closest("#sidebar, [data-nav-toggle]")) {
      setNav(false);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.body.classList.contains("nav-open")) {
      setNav(false);
      if (toggle) { toggle.focus(); }
    }
  });
  document.querySelectorAll("[data-dismiss]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var box = btn.closest(".flash");
      if (box) { box.remove(); }
    });
  });
  // Put the keyboard focus on the first field with an error, so it is read out and fixed first.
  var bad = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (bad) { bad.focus(); }
})();
