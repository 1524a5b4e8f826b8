// The page's only script: every half second it asks the pane for the live parts (channels,
// messages, reply, command form) and swaps in those whose hash changed — messages one by one, so
// a message that did not change keeps its node (and the focus); the command form (its hash is
// the registered commands' version) keeping what was typed or picked and the focus. Also: Enter
// in an option input runs the command (the form's first button is "Choose", which would
// otherwise take the Enter).
export const LIVE_SCRIPT = `(() => {
  const url = document.body.dataset.live;
  const parts = { nav: document.querySelector('nav[aria-label="Channels"]'), messages: document.getElementById("messages"), reply: document.getElementById("reply"), command: document.getElementById("command-area") };
  function patchForm(area, markup) {
    const typed = [...area.querySelectorAll("input[name], select[name], textarea[name]")]
      .filter((e) => e.type !== "hidden")
      .map((e) => [e.name, e.type === "checkbox" ? e.checked : e.value]);
    const focused = area.contains(document.activeElement) ? document.activeElement.id : "";
    const names = () => [...area.querySelectorAll("#command-select option")].map((o) => o.value).filter(Boolean);
    const had = new Set(names());
    area.innerHTML = markup;
    const added = names().filter((n) => !had.has(n));
    const note = document.getElementById("command-status");
    if (note) note.textContent = "The registered commands changed" + (added.length ? ": new " + added.map((n) => "/" + n).join(", ") : "") + ".";
    for (const [name, value] of typed) {
      const e = [...area.querySelectorAll("[name]")].find((x) => x.name === name && x.type !== "hidden");
      if (!e) continue;
      if (e.type === "checkbox") e.checked = value;
      else if (e.tagName !== "SELECT" || [...e.options].some((o) => o.value === value)) e.value = value;
    }
    const back = focused && document.getElementById(focused);
    if (back) back.focus();
  }
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
          else if (name === "command") patchForm(el, part.html);
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
  // On the document: the form is redrawn when the commands change.
  document.addEventListener("keydown", (e) => {
    const form = e.target instanceof HTMLInputElement && e.target.type !== "checkbox" ? e.target.form : null;
    const run = form && form.id === "command" && form.querySelector("button.run");
    if (e.key === "Enter" && run) {
      e.preventDefault();
      form.requestSubmit(run);
    }
  });
})();`;
