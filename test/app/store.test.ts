// The app's sqlite store: survives reopening, claims deliveries once, rolls back on error.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Store, type NewChange } from "../../app/store.ts";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "ouro-app-store-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Only what a new change must state: the store fills the lifecycle fields (checked below). */
const row = (id: string): NewChange => ({
  id,
  requestId: `req-${id}`,
  kind: "change",
  source: "discord",
  requester: "alice",
  requesterKey: "discord:1",
  text: "t",
  title: "t",
});

describe("Store", () => {
  it("keeps changes, audit, keys, votes and values across a reopen", () => {
    const dir = fresh();
    let now = 1000;
    const s = new Store(dir, () => now);
    expect(s.insertChange(row("c1"))).toMatchObject({
      state: "queued",
      requestJson: "{}",
      prNumber: null,
      revertOf: null,
      feedback: [],
      startedAt: null,
    });
    now = 2000;
    s.updateChange("c1", { state: "working", feedback: ["more"] });
    s.audit("c1", "request", { a: 1 });
    s.setKey("k", "v");
    s.vote("c1", "u1", "up");
    s.vote("c1", "u1", "down"); // a voter changes their mind: still one vote
    s.vote("c1", "u2", "up");
    s.set("breaker", { state: "open" });
    s.close();
    const t = new Store(dir);
    expect(t.change("c1")).toMatchObject({ state: "working", feedback: ["more"], createdAt: 1000, updatedAt: 2000 });
    expect(t.changeByRequest("req-c1")?.id).toBe("c1");
    expect(t.auditOf("c1")).toMatchObject([{ event: "request", detail: { a: 1 } }]);
    expect(t.key("k")).toBe("v");
    expect(t.votes("c1")).toEqual({ up: 1, down: 1 });
    expect(t.get("breaker", z.object({ state: z.string() }), { state: "closed" })).toEqual({ state: "open" });
    expect(t.get("breaker", z.object({ state: z.number() }), { state: 0 })).toEqual({ state: 0 }); // malformed → the fallback
    expect(t.requestsSince(0)).toEqual([{ requester: "discord:1", at: 1000 }]);
    t.close();
  });

  it("claims a delivery id once; a released claim can be claimed again", () => {
    const s = new Store(fresh());
    expect(s.claimDelivery("d1", "issues")).toBe(true);
    expect(s.claimDelivery("d1", "issues")).toBe(false);
    s.releaseDelivery("d1");
    expect(s.claimDelivery("d1", "issues")).toBe(true);
    s.close();
  });

  it("a failing transaction writes nothing; a duplicate request id is refused", () => {
    const s = new Store(fresh());
    expect(() =>
      s.tx(() => {
        s.insertChange(row("c2"));
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(s.change("c2")).toBeNull();
    s.insertChange(row("c3"));
    expect(() => s.insertChange({ ...row("c4"), requestId: "req-c3" })).toThrow(/UNIQUE/);
    expect(() => s.updateChange("c3", { nope: 1 } as never)).toThrow(/unknown change field/);
    s.close();
  });
});
