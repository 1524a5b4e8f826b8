// Work whose writer is gone goes back in the queue. A change is `working` only while some
// process holds its lock (the worker holds it from the claim until the pull request is open:
// worker.ts); a working change whose lock can be taken at once has no writer — its process
// was killed or stopped (on PostgreSQL its session, and so its locks, ended with it) — and is
// queued again, to be written by whichever replica admits it next (its scratch is its own per
// attempt, and the PR is found again by branch, so nothing is made twice). Run at start (the
// restart case) and, with replicas, every few seconds (a replica that died).
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import { move } from "../progress/report.ts";

/** Re-queues every working change that nobody is writing; returns their ids. */
export async function takeOver(ctx: AppContext, log: Logger, why: "restart" | "replica"): Promise<string[]> {
  const taken: string[] = [];
  for (const c of ctx.store.changes.inStates(["working"])) {
    const release = ctx.locks.tryAcquire(c.id);
    if (!release) continue; // written here or by a live replica
    try {
      const cur = ctx.store.changes.byId(c.id);
      if (cur?.state !== "working") continue;
      log.info(
        { changeId: c.id },
        why === "restart" ? "resuming a change interrupted while working" : "taking over a change a stopped replica was writing",
      );
      ctx.store.audit.record(c.id, why === "restart" ? "resume" : "takeover", { from: "working" });
      await move(ctx, cur, "queued", why === "restart" ? "resumed after a restart" : "taken over: the replica writing it stopped");
      taken.push(c.id);
    } finally {
      release();
    }
  }
  if (taken.length > 0) void ctx.events.emit("queued", { changeId: taken[0] });
  return taken;
}
