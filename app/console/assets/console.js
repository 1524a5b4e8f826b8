// The Ouro console's one script: follow /console/events (server-sent events) and, when
// something changed, fetch this page again and swap the sections marked data-live in place
// (no reload; focus and scroll stay). A change page that went out before GitHub answered is
// filled in the same way (its `github` event). Pages work without it: plain HTML and forms.
/* global window, document, fetch, location, DOMParser, EventSource */
"use strict";
(function () {
  if (!("EventSource" in window) || !document.querySelector("[data-live]")) return;
  var status = document.getElementById("live-status");
  var running = false;
  var again = false;

  function swap(fresh) {
    var active = document.activeElement && document.activeElement.id;
    fresh.querySelectorAll("[data-live]").forEach(function (next) {
      var old = next.id && document.getElementById(next.id);
      if (old && old.innerHTML !== next.innerHTML) old.replaceWith(document.importNode(next, true));
    });
    if (active && document.activeElement !== document.getElementById(active)) {
      var back = document.getElementById(active);
      if (back) back.focus();
    }
  }

  function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.text();
      })
      .then(function (text) {
        swap(new DOMParser().parseFromString(text, "text/html"));
        var n = Number(document.body.getAttribute("data-updates") || "0") + 1;
        document.body.setAttribute("data-updates", String(n));
        if (status) status.textContent = "Updated " + new Date().toLocaleTimeString();
      })
      .catch(function () {
        if (status) status.textContent = "Could not update this page; reload it to see the latest.";
      })
      .then(function () {
        running = false;
        if (again) refresh();
      });
  }

  var source = new EventSource("/console/events");
  source.addEventListener("open", function () {
    document.body.setAttribute("data-stream", "open");
  });
  source.addEventListener("change", refresh);
  // A part still loading from GitHub may have come before the stream opened: ask once now.
  source.addEventListener("ready", function () {
    if (document.querySelector("[aria-busy=true]")) refresh();
  });
  source.addEventListener("error", function () {
    document.body.setAttribute("data-stream", "closed");
  });
})();
