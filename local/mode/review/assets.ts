// The review pane's style and its one script. The script polls the page's live parts (JSON:
// id → {v, html}) every second and swaps an element's inside only when its version changed,
// keeping open <details> open, so checks, reviews and state move on without a reload.

export const STYLE = `
:root{--fg:#1a1a1a;--muted:#555;--line:#d0d0d0;--bg:#fff;--good:#0a6b2d;--bad:#a4141b;--pending:#7a4b00;--link:#0645ad}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}
a{color:var(--link)}
:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
.banner{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line);background:#f6f8fa}
.banner p{margin:0}
.brand a{font-weight:600}
.who{display:flex;gap:.5rem;align-items:center}
main{max-width:56rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.3;overflow-wrap:anywhere}
.num{color:var(--muted);font-weight:400}
code,pre{font-family:ui-monospace,monospace;background:#f3f3f3;border-radius:3px}
code{padding:0 .25rem;overflow-wrap:anywhere}
pre{padding:.5rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24rem;overflow-y:auto;font-size:.85rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:.9rem}
.filter{display:flex;gap:1rem;margin-bottom:1rem}
.filter a[aria-current]{font-weight:600;text-decoration:none;color:var(--fg)}
ul,ol{padding-left:1.25rem}
#pulls li,.checks li,.statuses li,.timeline li{margin:.5rem 0;overflow-wrap:anywhere}
.timeline{list-style:none;padding:0}
.timeline li{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem}
.timeline p{margin:0}
.state,.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;font-weight:600;border:1px solid currentColor}
.state.open,.badge.good{color:var(--good)}
.state.merged{color:#5a2d91}
.state.closed,.badge.bad{color:var(--bad)}
.badge.pending{color:var(--pending)}
.badge.plain{color:var(--muted)}
.run-title{margin:.25rem 0}
.flash:empty{display:none}
.flash{padding:.5rem .75rem;border-radius:6px;border:1px solid var(--good);color:var(--good);background:#eefaf1}
.flash.error{border-color:var(--bad);color:var(--bad);background:#fdf0f0}
form.act{display:flex;flex-direction:column;gap:.35rem;margin:0 0 1.25rem;max-width:40rem}
textarea,select,button{font:inherit}
textarea{width:100%;padding:.4rem;border:1px solid #767676;border-radius:4px}
select{padding:.25rem;border:1px solid #767676;border-radius:4px;max-width:100%}
button{align-self:flex-start;padding:.35rem .9rem;border:1px solid #555;border-radius:6px;background:#f6f8fa;color:var(--fg);cursor:pointer}
button.primary{background:#0a6b2d;border-color:#0a6b2d;color:#fff}
`;

export const LIVE_SCRIPT = `
(function () {
  var main = document.querySelector("[data-live]");
  if (!main) return;
  var url = main.getAttribute("data-live");
  function swap(id, p) {
    var el = document.getElementById(id);
    if (!el || el.getAttribute("data-v") === p.v) return;
    var open = Array.prototype.map.call(el.querySelectorAll("details[open][data-key]"), function (d) { return d.getAttribute("data-key"); });
    el.innerHTML = p.html;
    el.setAttribute("data-v", p.v);
    open.forEach(function (k) {
      var d = el.querySelector('details[data-key="' + k + '"]');
      if (d) d.open = true;
    });
  }
  function tick() {
    fetch(url, { headers: { accept: "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (body) {
        Object.keys(body.parts).forEach(function (id) { swap(id, body.parts[id]); });
        document.body.setAttribute("data-live-state", "ok");
      })
      .catch(function () { document.body.setAttribute("data-live-state", "error"); })
      .then(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 1000);
})();
`;
