// /console/events: the app's events reach a signed-in page as server-sent events (what moved,
// never a request's text), and nobody else gets the stream.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { World } from "../harness.ts";
import { bearer, get, request, startConsoleWorld } from "./world.ts";

let w: World;
beforeAll(async () => {
  w = await startConsoleWorld();
});
afterAll(async () => {
  await w?.close();
});

/** Opens the stream; `next(kind)` resolves with the data of the next `change` event of that kind. */
async function stream() {
  const ac = new AbortController();
  const res = await fetch(`${w.app.url}/console/events`, { headers: bearer(), signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const waiting: {
    want: (e: { event: string; data: Record<string, unknown> }) => boolean;
    resolve: (d: Record<string, unknown>) => void;
  }[] = [];
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || !data) continue;
        const e = { event, data: JSON.parse(data) as Record<string, unknown> };
        events.push(e);
        for (const x of [...waiting])
          if (x.want(e)) {
            waiting.splice(waiting.indexOf(x), 1);
            x.resolve(e.data);
          }
      }
    }
  })();
  const next = (want: (e: { event: string; data: Record<string, unknown> }) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = events.find(want);
      if (seen) resolve(seen.data);
      else waiting.push({ want, resolve });
    });
  await next((e) => e.event === "ready");
  return { next, events, close: () => ac.abort() };
}

it("a change's moves arrive as events naming the change and its state, without its text", async () => {
  const s = await stream();
  const id = await request(w, "docs: secret words in the request");
  const moved = await s.next((e) => e.event === "change" && e.data.kind === "progress" && e.data.state === "pr");
  expect(moved).toEqual({ kind: "progress", changeId: id, state: "pr" });
  expect(JSON.stringify(s.events)).not.toContain("secret words");
  s.close();
});

it("the emergency stop arrives as a switches event", async () => {
  const s = await stream();
  const got = s.next((e) => e.event === "change" && e.data.kind === "switches-changed");
  const r = await fetch(`${w.app.url}/console/stop`, { method: "POST", headers: bearer(), redirect: "manual" });
  expect(r.status).toBe(303);
  expect(await got).toEqual({ kind: "switches-changed" });
  await fetch(`${w.app.url}/console/resume`, { method: "POST", headers: bearer(), redirect: "manual" });
  s.close();
});

it("without sign-in the stream is refused with 401", async () => {
  expect((await get(w, "/console/events", {})).status).toBe(401);
});
