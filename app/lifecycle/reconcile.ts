// The safety net under the webhooks: on start and on every tick, look at each change the
// store says is in flight and ask GitHub where it really is. Events can be missed (an app
// is not sent every check run; deliveries fail); this makes the outcome the same.
import type { Logger } from "pino";
import type { Engine } from "../engine.ts";
import { markMerged } from "./deployment.ts";
import { gate } from "./review.ts";

export async function reconcile(eng: Engine, log: Logger): Promise<void> {
  for (const c of eng.store.changesIn(["pr", "checks", "review"])) {
    try {
      const gh = await eng.client();
      const pull = await gh.pull(c.prNumber!);
      if (pull.merged && pull.mergeSha) await markMerged(eng, c.id, pull.mergeSha, log.child({ changeId: c.id }));
      else await gate(eng, c.id, log.child({ changeId: c.id }));
    } catch (e) {
      log.warn({ err: e, changeId: c.id }, "reconcile failed for a change; will try again");
    }
  }
  for (const c of eng.store.changesIn(["merged"]))
    if (!c.deploymentId && c.mergeSha) await markMerged(eng, c.id, c.mergeSha, log.child({ changeId: c.id }));
  eng.kick();
}

/** After a restart: work interrupted mid-write is queued again, then everything reconciles. */
export async function resume(eng: Engine, log: Logger): Promise<void> {
  for (const c of eng.store.changesIn(["working"])) {
    log.info({ changeId: c.id }, "resuming a change interrupted while working");
    eng.store.audit(c.id, "resume", { from: "working" });
    await eng.withLock(c.id, () => eng.move(c, "queued", "resumed after a restart"));
  }
  await reconcile(eng, log);
  eng.refreshDashboard();
}
