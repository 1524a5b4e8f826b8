// `npm run bench -- console`: the console's pages with 500 changes in the store, over HTTP,
// against the real app on the GitHub stand-in. Each page's median and p95 render time (target
// < 200 ms), and its first load (same target), beside a peer measured in the same run: the bot
// link's `GET /bot/v1/changes` JSON for the same store. A change with a PR asks GitHub (the
// stand-in) on its first load; later loads use what the console kept until the change moves.
// Then the live-update latency: an event on the app's bus → the SSE event at a client → that
// page fetched again with the change (target < 1 s). A change page opened right after a
// restart answers within its GitHub deadline, and is filled in when the `github` event comes.
import { performance } from "node:perf_hooks";
import { startWorld, TOKEN } from "../test/app/harness.ts";
import type { ChangeState } from "../app/lifecycle/states.ts";
import { figure, percentile, report } from "./report.ts";
import type { Figure } from "./report.ts";

const CHANGES = 500;
const RUNS = 30;
const CONSOLE_TOKEN = "bench-console-token-0123456789abcdef0123";
const STATES: ChangeState[] = ["pr", "checks", "review", "merged", "deployed", "failed", "rolled-back"];

const w = await startWorld({
  policy: {
    rateLimits: { maxOpenPrs: 1000, perRequesterPerHour: 1000, globalPerMinute: 1000, burst: { edits: 1000, windowSeconds: 300 } },
  },
});
w.config.console = { mode: "production", token: CONSOLE_TOKEN };
await w.restart();

// One change through the real flow (its page asks GitHub for the PR, files, checks), 500 seeded.
const res = await w.api("POST", "/changes", {
  id: "discord-bench-1",
  requester: { discordId: "1", name: "bench", roles: [] },
  text: "docs: the change the bench opens",
});
await w.settle();
const realId = String(res.body.changeId);
const { store } = w.app;
for (let i = 0; i < CHANGES; i++) {
  const id = `bench-${String(i).padStart(4, "0")}`;
  store.changes.insert({
    id,
    requestId: id,
    kind: "change",
    source: "discord",
    requester: `person ${i % 37}`,
    requesterKey: `discord:${i % 37}`,
    text: `docs: seeded change number ${i} <script>x</script>`,
    title: `Seeded change ${i}`,
  });
  store.changes.update(id, { state: STATES[i % STATES.length], risk: i % 3 ? "safe" : "low", reason: "seeded by the bench" });
  store.audit.record(id, "request", { source: "discord" });
  store.audit.record(id, `state.${STATES[i % STATES.length]}`, { from: "queued" });
}
console.log(`console: ${CHANGES} changes seeded, plus ${realId} through the real flow`);

const auth = { authorization: `Bearer ${CONSOLE_TOKEN}` };
/** The first (cold) load, then RUNS more after a few warm-ups. */
async function timed(url: string, headers: Record<string, string>): Promise<number[] & { first?: number }> {
  const times: number[] & { first?: number } = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const t0 = performance.now();
    const r = await fetch(url, { headers });
    const body = await r.text();
    const t = performance.now() - t0;
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${body.slice(0, 200)}`);
    if (i === 0) times.first = t;
    if (i >= 3) times.push(t); // the first few warm caches (policy, client, JIT, GitHub answers)
  }
  return times;
}

const figures: Record<string, Figure> = {};
const peer = await timed(`${w.app.botLinkUrl}/bot/v1/changes?limit=100`, { authorization: `Bearer ${TOKEN}` });
const peerMedian = percentile(peer, 50);
figures["peer bot link GET /changes median"] = figure(peerMedian, "ms");
const pages: Record<string, string> = {
  changes: "/console/",
  "changes filtered": "/console/?state=deployed",
  "changes page 5": "/console/?page=5",
  change: `/console/changes/${realId}`,
  "seeded change": "/console/changes/bench-0004",
  live: "/console/live",
  policy: "/console/policy",
};
for (const [name, path] of Object.entries(pages)) {
  const times = await timed(`${w.app.url}${path}`, auth);
  // The first load pays what nothing has kept yet (the change's PR was asked for in the background when it appeared).
  figures[`${name} first load${name === "change" ? " (PR on GitHub)" : ""}`] = figure(times.first ?? Number.NaN, "ms", { target: 200 });
  figures[`${name} median`] = figure(percentile(times, 50), "ms", { target: 200, peer: peerMedian });
  figures[`${name} p95`] = figure(percentile(times, 95), "ms", { target: 200 });
}

/** Opens /console/events; `nextEvent(name, has)` resolves when the next `event: <name>` block (containing `has`) arrives. */
async function openStream() {
  const ac = new AbortController();
  const stream = await fetch(`${w.app.url}/console/events`, { headers: auth, signal: ac.signal });
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  async function nextEvent(name: string, has = ""): Promise<void> {
    for (;;) {
      const cut = buffer.indexOf("\n\n");
      if (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (block.includes(`event: ${name}`) && block.includes(has)) return;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      buffer += value;
    }
  }
  await nextEvent("ready");
  return { nextEvent, close: () => ac.abort() };
}

// After a restart: the console asks GitHub for the changes in flight as it starts. A page
// opened the moment the app listens waits for those answers only until its deadline
// (app/console/budget.ts), then shows the store's parts with "loading from GitHub…"; the
// `github` event says when GitHub answered and the page is fetched again (filled in). Once the
// start's background work is done, nothing is waited for. The peer: the warm change page.
const warmChange = figures["change median"].value;
for (const when of ["at once", "once the start settled"] as const) {
  await w.restart();
  if (when !== "at once") await w.app.idle();
  const s = await openStream();
  const t0 = performance.now();
  const r = await fetch(`${w.app.url}/console/changes/${realId}`, { headers: auth });
  const loading = (await r.text()).includes('aria-busy="true"');
  figures[`change first load after a restart, ${when}`] = figure(performance.now() - t0, "ms", { target: 200, peer: warmChange });
  if (loading) {
    await s.nextEvent("change", `"kind":"github","changeId":"${realId}"`);
    await (await fetch(`${w.app.url}/console/changes/${realId}`, { headers: auth })).text();
    figures[`change filled in after a restart, ${when} (github event, page again)`] = figure(performance.now() - t0, "ms");
  }
  console.log(`console: change page after a restart, ${when}: ${loading ? "GitHub's parts were still loading" : "complete"}`);
  s.close();
}

// Live updates: an event on the bus → the SSE event at a client → the page fetched again.
const { nextEvent, close: closeStream } = await openStream();
const sse: number[] = [];
const toPage: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const id = `bench-${String(i).padStart(4, "0")}`;
  const t0 = performance.now();
  const arrived = nextEvent("change");
  void w.app.context.events.emit("reported", { changeId: id });
  await arrived;
  sse.push(performance.now() - t0);
  const r = await fetch(`${w.app.url}/console/`, { headers: auth });
  await r.text();
  toPage.push(performance.now() - t0);
}
closeStream();
figures["event to SSE median"] = figure(percentile(sse, 50), "ms", { target: 1000 });
figures["event to SSE p95"] = figure(percentile(sse, 95), "ms", { target: 1000 });
figures["event to updated page median"] = figure(percentile(toPage, 50), "ms", { target: 1000 });
figures["event to updated page p95"] = figure(percentile(toPage, 95), "ms", { target: 1000 });

await w.close();
report("console", figures);
