// A request from the bot is atomic from the requester's view: they are told "accepted" with
// the tracking issue, or nothing happens later. Intake stores such a change as waiting for its
// answer; the bot link marks it answered once its 201 was written (`answered`), and only then
// may the worker start it. The bot retries a lost answer with the same request id within its
// own budget (60 s); a change still unanswered after the window — twice that budget — was
// reported to its requester as failed, so reconcile cancels it (`cancelUnanswered`): failed,
// its tracking issue told why and closed, and never a pull request. A retry of its request id
// afterwards is refused with that reason (intake.ts), not made into a new change.
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import { changeMarker } from "../github/markers.ts";
import { move } from "../progress/report.ts";
import type { ChangeRow } from "../store/changes.ts";

/** How long a change from the bot may wait for its answer before it is cancelled. */
export const ANSWER_WINDOW_MS = 180_000;

export const CANCELLED_REASON = "cancelled: the requester was told the request failed";

const cancelledMarker = (changeId: string) => `<!-- ouro:cancelled:${changeId} -->`;

/** A change whose requester was never told it was accepted, cancelled for that. */
export function isCancelled(c: ChangeRow): boolean {
  return c.state === "failed" && c.answeredAt === null;
}

/** Whether a change still waiting for its answer has waited past the window. */
export function answerOverdue(ctx: AppContext, c: ChangeRow, windowMs = ANSWER_WINDOW_MS): boolean {
  return c.state === "queued" && c.answeredAt === null && ctx.now() - c.createdAt >= windowMs;
}

/** The requester was told (the answer was written): the change may start. */
export function answered(ctx: AppContext, changeId: string, how: string): void {
  if (!ctx.store.changes.markAnswered(changeId)) return;
  ctx.store.audit.record(changeId, "answered", { how });
  void ctx.events.emit("queued", { changeId });
}

/** Reconcile's step: every change left waiting for its answer past the window is cancelled. */
export async function cancelUnanswered(ctx: AppContext, log: Logger, windowMs = ANSWER_WINDOW_MS): Promise<void> {
  for (const c of ctx.store.changes.unanswered(ctx.now() - windowMs)) {
    try {
      // under the request's lock: a retry of the same request waits, then finds it cancelled
      await ctx.locks.withLock(`request:${c.requestId}`, () => cancelChange(ctx, c.id, log.child({ changeId: c.id }), windowMs));
    } catch (e) {
      log.warn({ err: e, changeId: c.id }, "could not cancel an unanswered change; will try again");
    }
  }
}

/**
 * Cancels a change whose answer never reached its requester (the caller holds the request's
 * lock): its tracking issue — found by its marker if a crash kept it from the store — gets a
 * comment saying why and is closed, then the change fails with that reason. Safe to repeat.
 */
export async function cancelChange(ctx: AppContext, id: string, log: Logger, windowMs = ANSWER_WINDOW_MS): Promise<void> {
  await ctx.locks.withLock(id, async () => {
    const c = ctx.store.changes.byId(id);
    if (!c || !answerOverdue(ctx, c, windowMs)) return;
    const gh = await ctx.client();
    const issue = c.issueNumber ? { number: c.issueNumber, url: c.issueUrl } : await gh.findOwnIssue(changeMarker(c.id), "ouro");
    if (issue) {
      const body = [
        cancelledMarker(c.id),
        `**Cancelled.** The requester was told on Discord that this request failed (the Ouro app's answer never reached the bot), so Ouro will not make it and no pull request will be opened. Asking again makes a new request.`,
      ].join("\n");
      await gh.upsertSticky(issue.number, cancelledMarker(c.id), body);
      await gh.updateIssue(issue.number, { state: "closed" });
    }
    ctx.store.audit.record(c.id, "cancelled", { reason: CANCELLED_REASON, issue: issue?.number ?? null });
    log.info({ issue: issue?.number }, "cancelled a change whose requester was told it failed");
    await move(ctx, c, "failed", CANCELLED_REASON, issue && !c.issueNumber ? { issueNumber: issue.number, issueUrl: issue.url } : {});
  });
}
