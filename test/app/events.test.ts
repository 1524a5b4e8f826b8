// The app's event bus: what is emitted before the parts subscribe is held and delivered in
// order on open(); a listener's failure is logged as background work, never thrown at the
// emitter; emit() resolves once every listener settled, and idle() waits for them.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { AppEvents } from "../../app/events.ts";
import { BackgroundWork, Locks } from "../../app/locks.ts";

function bus() {
  const errors: string[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => void errors.push((JSON.parse(line) as { msg: string }).msg) });
  const background = new BackgroundWork(log);
  return { events: new AppEvents(background), background, errors };
}

describe("AppEvents", () => {
  it("holds events emitted before open() and delivers them in order, with what listeners emit meanwhile", async () => {
    const { events } = bus();
    const seen: string[] = [];
    const first = events.emit("queued", { changeId: "a" });
    void events.emit("merged", { changeId: "b" });
    events.on("queued", ({ changeId }) => {
      seen.push(`queued ${changeId}`);
      if (changeId === "a") void events.emit("queued", { changeId: "c" });
    });
    events.on("merged", ({ changeId }) => void seen.push(`merged ${changeId}`));
    expect(seen).toEqual([]);
    events.open();
    await first;
    expect(seen).toEqual(["queued a", "merged b", "queued c"]);
  });

  it("a failing listener is logged as background work; the others still run and emit() resolves", async () => {
    const { events, background, errors } = bus();
    const seen: string[] = [];
    events.on("reconciled", () => {
      throw new Error("sync boom");
    });
    events.on("reconciled", async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new Error("async boom");
    });
    events.on("reconciled", () => void seen.push("ran"));
    events.open();
    await expect(events.emit("reconciled", {})).resolves.toBeUndefined();
    await background.idle();
    expect(seen).toEqual(["ran"]);
    expect(errors).toEqual(["background reconciled listener failed", "background reconciled listener failed"]);
  });

  it("emit() waits for async listeners; idle() waits for them too; unsubscribing stops delivery", async () => {
    const { events, background } = bus();
    let done = 0;
    const off = events.on("revert-queued", async () => {
      await new Promise((r) => setTimeout(r, 10));
      done++;
    });
    events.open();
    await events.emit("revert-queued", { changeId: "revert-1" });
    expect(done).toBe(1);
    void events.emit("revert-queued", { changeId: "revert-2" });
    await background.idle();
    expect(done).toBe(2);
    off();
    await events.emit("revert-queued", { changeId: "revert-3" });
    expect(done).toBe(2);
  });
});

describe("Locks", () => {
  it("runs work on one key one at a time, in order, whether or not earlier work failed", async () => {
    const locks = new Locks();
    const order: string[] = [];
    const slow = locks.withLock("k", async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push("slow");
      throw new Error("failed");
    });
    const next = locks.withLock("k", () => Promise.resolve(void order.push("next")));
    const other = locks.withLock("other", () => Promise.resolve(void order.push("other")));
    await expect(slow).rejects.toThrow("failed");
    await Promise.all([next, other]);
    expect(order).toEqual(["other", "slow", "next"]);
  });
});
