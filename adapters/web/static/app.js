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

// Live updates on list pages: the server streams the changes the signed-in user may see
// (/admin/stream, the same scope as the lists); a change to this page's kind of record shows
// "N changes — refresh" above the list. Without the script, reloading the page does the same.
(function () {
  "use strict";
  var list = document.querySelector(".list-layout");
  var script = document.currentScript || document.querySelector("script[src*='/static/app']");
  if (!list || !script || !window.EventSource) { return; }
  var root = script.getAttribute("src").replace(/\/static\/[^/]*$/, "");
  var kind = (location.pathname.slice(root.length).split("/")[1] || "").replace(/s$/, "");
  if (["user", "client", "contract", "event"].indexOf(kind) < 0) { return; }
  var count = 0, notice = null;
  function show() {
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "flash stream-notice";
      notice.setAttribute("role", "status");
      notice.setAttribute("data-stream-notice", "");
      var link = document.createElement("a");
      link.href = location.href;
      notice.appendChild(link);
      var head = document.querySelector(".page-head");
      (head || list).insertAdjacentElement("afterend", notice);
    }
    notice.firstChild.textContent = count + (count === 1 ? " change" : " changes") + " — refresh";
  }
  var source = new EventSource(root + "/stream");
  window.addEventListener("pagehide", function () { source.close(); });
  source.addEventListener("open", function () { document.body.setAttribute("data-stream", "open"); });
  var types = ["created", "updated", "deleted", "sales_contact_assigned", "support_assigned", "signed"];
  types.forEach(function (t) {
    source.addEventListener(kind + "." + t, function () { count++; show(); });
  });
  source.addEventListener("removed", function (e) {
    try { if (JSON.parse(e.data).resource !== kind) { return; } } catch (err) { return; }
    count++; show();
  });
  source.addEventListener("end", function (e) {
    var end = {};
    try { end = JSON.parse(e.data); } catch (err) { /* keep the default */ }
    if (end.action !== "reconnect") { source.close(); }
  });
})();
