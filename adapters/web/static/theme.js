// EpicCRM admin UI: applies the saved colour theme before the page is drawn, so that a dark
// page never flashes light. It loads without defer, in the head; it is tiny on purpose.
// The server's choice (data-theme="light" or "dark" on <html>, from the user's saved preference)
// wins; without one ("auto", or no attribute), the choice the theme toggle kept in this browser applies; without either, the
// stylesheet follows prefers-color-scheme.
(function () {
  "use strict";
  var root = document.documentElement;
  var forced = root.getAttribute("data-theme");
  if (forced === "light" || forced === "dark") { return; }
  try {
    var saved = window.localStorage.getItem("epiccrm-theme");
    if (saved === "light" || saved === "dark") { root.setAttribute("data-theme", saved); }
  } catch (e) { /* storage disabled: follow the system */ }
})();
