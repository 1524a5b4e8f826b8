// /console/events: the app's events reach a signed-in page as server-sent events (what moved,
// never a request's text), and nobody else gets the stream.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { World } from "../harness.ts";
import { bearer, events, get, request, startConsoleWorld } from "./world.ts";

let w: World;
beforeAll(async () => {
  w = await startConsoleWorld();
});
afterAll(async () => {
  await w?.close();
});

it("a change's moves arrive as events naming the change and its state, without its text", async () => {
  const s = await events(w);
  const id = await request(w, "docs: secret words in the request");
  const moved = await s.next((e) => e.event === "change" && e.data.kind === "progress" && e.data.state === "pr");
  expect(moved).toEqual({ kind: "progress", changeId: id, state: "pr" });
  expect(JSON.stringify(s.events)).not.toContain("secret words");
  s.close();
});

it("the emergency stop arrives as a switches event", async () => {
  const s = await events(w);
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
