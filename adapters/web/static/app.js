// EpicCRM admin UI: the only script of the UI. It adds comfort, never function: every page
// works without it. It opens and closes the sidebar on small screens, dismisses flash
// messages, switches the colour theme, folds the list filters on small screens and shows that
// a search, a bulk action or an import is under way.
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
  // The theme toggle switches between light and dark at once. The choice is POSTed to the
  // toggle's data-theme-url when it names one (the user's saved preference), and always kept in
  // this browser (localStorage, read by theme.js, and a "theme" cookie the server may read).
  var root = document.documentElement;
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function isDark() {
    var t = root.getAttribute("data-theme");
    return t === "dark" || ((t === null || t === "auto") && !!dark && dark.matches);
  }
  var themeBtn = document.querySelector("[data-theme-toggle]");
  function showTheme() {
    if (themeBtn) { themeBtn.setAttribute("aria-pressed", isDark() ? "true" : "false"); }
  }
  if (themeBtn) {
    showTheme();
    if (dark && dark.addEventListener) { dark.addEventListener("change", showTheme); }
    themeBtn.addEventListener("click", function () {
      var theme = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", theme);
      showTheme();
      try { window.localStorage.setItem("epiccrm-theme", theme); } catch (e) { /* storage disabled */ }
      document.cookie = "theme=" + theme + "; path=/; max-age=31536000; SameSite=Lax";
      var url = themeBtn.getAttribute("data-theme-url");
      var csrf = document.querySelector('input[name="_csrf"]');
      if (url && window.fetch) {
        var body = new URLSearchParams({ theme: theme, _csrf: csrf ? csrf.value : "" });
        window.fetch(url, { method: "POST", body: body, credentials: "same-origin" }).catch(function () { /* kept locally */ });
      }
    });
  }

  // On narrow screens the filters of a list fold behind a button, so that the results come
  // first; without this script they simply show.
  var list = document.querySelector(".list-layout");
  var filtersBtn = document.querySelector("[data-filters-toggle]");
  var filters = document.getElementById("filters");
  if (list && filtersBtn && filters) {
    list.classList.add("filters-foldable");
    filtersBtn.hidden = false;
    filtersBtn.addEventListener("click", function () {
      var open = !filters.classList.contains("is-open");
      filters.classList.toggle("is-open", open);
      filtersBtn.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = filters.querySelector("input, select");
        if (first) { first.focus(); }
      }
    });
  }

  // A search, a filter, a sort or a page of results shows that it is loading, never a blank
  // wait: the results dim and a status says so (read out by screen readers).
  var status = document.querySelector("[data-loading]");
  function loading(on) {
    if (!list || !status) { return; }
    list.classList.toggle("is-loading", on);
    list.querySelector(".list-main").setAttribute("aria-busy", on ? "true" : "false");
    status.textContent = on ? status.getAttribute("data-loading") : "";
  }
  if (list && status) {
    list.addEventListener("submit", function () { loading(true); });
    list.addEventListener("click", function (e) {
      var a = e.target.closest("a.sort, .pager a");
      if (a && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0) { loading(true); }
    });
    // Coming back to the page from the browser's cache shows the results, not a stale wait.
    window.addEventListener("pageshow", function (e) { if (e.persisted) { loading(false); } });
  }

  // A form that can take a while (a bulk action, an import) says it is working once sent, never
  // a blank wait, and is not sent twice: its data-busy text shows in a status next to its buttons.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    var buttons = form.querySelectorAll("button[type=submit]");
    if (!buttons.length) { return; }
    var busy = document.createElement("span");
    busy.className = "list-loading busy-status";
    busy.setAttribute("role", "status");
    busy.setAttribute("data-busy-status", "");
    buttons[buttons.length - 1].insertAdjacentElement("afterend", busy);
    form.addEventListener("submit", function (e) {
      if (form.getAttribute("aria-busy") === "true") { e.preventDefault(); return; }
      form.setAttribute("aria-busy", "true");
      busy.textContent = form.getAttribute("data-busy");
    });
    window.addEventListener("pageshow", function (e) {
      if (e.persisted) { form.removeAttribute("aria-busy"); busy.textContent = ""; }
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
    // The texts come translated from the page (data-stream-one, data-stream-many with {n}).
    notice.firstChild.textContent = count === 1 ? list.getAttribute("data-stream-one") :
      list.getAttribute("data-stream-many").replace("{n}", count);
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

// Client search of the new contract form: as the user types, the client field lists the
// matching clients from the suggestions endpoint (the Find button does the same without script).
(function () {
  var input = document.querySelector("input[data-suggest]");
  if (!input) { return; }
  var select = document.getElementById(input.getAttribute("data-suggest-target"));
  if (!select) { return; }
  // The status under the search says what the client field now holds (texts from the page).
  var status = document.querySelector("[data-suggest-status]");
  function say(what, n, q) {
    if (status) { status.textContent = (status.getAttribute("data-" + what) || "").replace("{n}", n).replace("{q}", q); }
  }
  var timer = null;
  var seq = 0;
  function fill(items) {
    var keep = select.value;
    while (select.options.length > 1) { select.remove(1); }
    items.forEach(function (it) {
      var o = document.createElement("option");
      o.value = String(it.id);
      o.textContent = it.label;
      if (o.value === keep) { o.selected = true; }
      select.appendChild(o);
    });
    if (items.length === 1) { select.value = String(items[0].id); }
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    var mine = ++seq;
    if (!q) { say("", 0, ""); return; }
    say("loading", 0, q);
    timer = setTimeout(function () {
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (items) {
          if (mine !== seq) { return; }
          fill(items);
          say(items.length === 0 ? "none" : items.length === 1 ? "single" : "many", items.length, q);
        })
        .catch(function () { if (mine === seq) { say("", 0, ""); } /* the Find button still works */ });
    }, 200);
  });
})();
