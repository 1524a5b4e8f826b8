// The page's only script: every half second it asks the pane for the live parts (channels,
// messages, reply) and swaps in those whose hash changed — messages one by one, so a message
// that did not change keeps its node (and the focus). Also: Enter in an option input runs the
// command (the form's first button is "Choose", which would otherwise take the Enter).
export const LIVE_SCRIPT = `(() => {
  const url = document.body.dataset.live;
  const parts = { nav: document.querySelector('nav[aria-label="Channels"]'), messages: document.getElementById("messages"), reply: document.getElementById("reply") };
  function patchMessages(list, markup) {
    const tpl = document.createElement("template");
    tpl.innerHTML = markup;
    const fresh = [...tpl.content.children];
    const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
    const keep = new Set(fresh.map((li) => li.dataset.id));
    for (const [id, li] of old) if (!keep.has(id)) li.remove();
    let prev = null;
    for (const f of fresh) {
      const o = old.get(f.dataset.id);
      let node = f;
      if (o && o.outerHTML === f.outerHTML) node = o;
      else if (o) o.replaceWith(f);
      const want = prev ? prev.nextElementSibling : list.firstElementChild;
      if (want !== node) list.insertBefore(node, want);
      prev = node;
    }
  }
  async function tick() {
    try {
      const res = await fetch(url, { headers: { accept: "application/json" } });
      if (res.ok) {
        const live = await res.json();
        for (const [name, el] of Object.entries(parts)) {
          const part = live[name];
          if (!el || !part || el.dataset.hash === part.hash) continue;
          if (name === "messages") patchMessages(el, part.html);
          else el.innerHTML = part.html;
          el.dataset.hash = part.hash;
        }
        document.body.dataset.liveState = "ok";
      } else document.body.dataset.liveState = "error";
    } catch {
      document.body.dataset.liveState = "lost";
    }
    setTimeout(tick, 500);
  }
  if (url) setTimeout(tick, 500);
  const form = document.getElementById("command");
  const run = form && form.querySelector("button.run");
  if (form && run)
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target instanceof HTMLInputElement && e.target.type !== "checkbox") {
        e.preventDefault();
        form.requestSubmit(run);
      }
    });
})();`;
