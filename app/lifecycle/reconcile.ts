// The safety net under the webhooks: on start and on every tick, look at each change the
// store says is in flight and ask GitHub where it really is. Events can be missed (an app
// is not sent every check run; deliveries fail); this makes the outcome the same.
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import { progressStale, showProgress } from "../progress/report.ts";
import { cancelUnanswered } from "./answers.ts";
import { catchUpDeployment, catchUpNewerDeployments, markMerged } from "./deployment.ts";
import { gate } from "./review.ts";
import { takeOver } from "../replicas/takeover.ts";

export async function reconcile(ctx: AppContext, log: Logger): Promise<void> {
  const { changes } = ctx.store;
  await cancelUnanswered(ctx, log); // requests from the bot whose answer never reached it
  for (const c of changes.inStates(["pr", "checks", "review"])) {
    try {
      const gh = await ctx.client();
      const pull = await gh.pull(c.prNumber!);
      if (pull.merged && pull.mergeSha) await markMerged(ctx, c.id, pull.mergeSha, log.child({ changeId: c.id }));
      else await gate(ctx, c.id, log.child({ changeId: c.id }));
    } catch (e) {
      log.warn({ err: e, changeId: c.id }, "reconcile failed for a change; will try again");
    }
  }
  for (const c of changes.inStates(["merged"])) {
    try {
      if (!c.deploymentId && c.mergeSha) await markMerged(ctx, c.id, c.mergeSha, log.child({ changeId: c.id }));
      // A deployment found again (made before a crash) may already have its statuses.
      const deploymentId = changes.byId(c.id)?.deploymentId;
      if (deploymentId) await catchUpDeployment(ctx, deploymentId, log.child({ changeId: c.id }));
      // A deployment of its commit made again by hand, whose statuses were missed.
      const now = changes.byId(c.id);
      if (now?.state === "merged") await catchUpNewerDeployments(ctx, now, log.child({ changeId: c.id }));
    } catch (e) {
      log.warn({ err: e, changeId: c.id }, "reconcile failed for a deployment; will try again");
    }
  }
  // Sticky comments a crash (or a failed call) left behind the store are written again.
  for (const c of changes.recent(50)) if (progressStale(ctx, c)) await showProgress(ctx, c);
  void ctx.events.emit("reconciled", {});
}

/** After a restart: work interrupted mid-write (and nobody else's now) is queued again, then everything reconciles. */
export async function resume(ctx: AppContext, log: Logger): Promise<void> {
  await takeOver(ctx, log, "restart");
  await reconcile(ctx, log);
  void ctx.events.emit("resumed", {});
}

/** Lifting the emergency stop reconciles at once: held merges and queued work go on. */
export function reconcileWhenStopLifted(ctx: AppContext, log: Logger): void {
  ctx.events.on("switches-changed", ({ stopped }) => (stopped ? undefined : reconcile(ctx, log)));
}
