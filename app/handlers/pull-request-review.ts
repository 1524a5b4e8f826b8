// pull_request_review: a new or dismissed review can change the merge gate's answer. A change
// request from a user with write, maintain or admin access becomes feedback for the agent and
// an automatic follow-up on the same branch (its body and line comments; within the policy's
// `agent.followUps`, see lifecycle/follow-ups.ts); anyone else's is recorded as ignored (and
// the gate does not count it either).
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { rememberFeedback } from "../feedback-memory.ts";
import { followUpOnReview } from "../lifecycle/follow-ups.ts";
import { gate } from "../lifecycle/review.ts";
import { move } from "../progress/report.ts";
import { isBot, JUDGING_ROLES } from "../review/merge-gate.ts";
import { handle } from "./guard.ts";

export function registerPullRequestReview(app: Probot, ctx: AppContext): void {
  handle(app, ctx, ["pull_request_review.submitted", "pull_request_review.dismissed"], async (context, log) => {
    const c = ctx.store.changes.byPr(context.payload.pull_request.number);
    if (!c) return;
    const child = log.child({ changeId: c.id });
    const review = context.payload.review;
    let held: string | null = null;
    if (context.payload.action === "submitted" && review.state === "changes_requested") {
      const login = review.user?.login ?? "";
      const gh = await ctx.client();
      const role = isBot(login, review.user?.type === "Bot") ? "bot" : await gh.role(login);
      if ((JUDGING_ROLES as readonly string[]).includes(role)) {
        if (review.body) rememberFeedback(ctx, c, "review-comment", review.body);
        const comments = await gh.reviewComments(context.payload.pull_request.number, review.id);
        const next = await followUpOnReview(ctx, c.id, { id: review.id, login, body: review.body ?? "", comments }, child);
        if (next.action === "held") held = next.reason;
        if (next.action !== "queued") child.info({ review: review.id, ...next }, "no automatic follow-up on this change request");
      } else if (review.body) {
        ctx.store.audit.record(c.id, "feedback.ignored", { login, role, via: "review" });
        child.info(
          { login, role },
          `ignored a change request from ${login} (${role} access): only write, maintain or admin reviewers' text reaches the agent`,
        );
      }
    }
    await gate(ctx, c.id, child);
    // a change request the agent does not take up waits for a human: the change says why
    if (held) {
      const why = held;
      await ctx.locks.withLock(c.id, async () => {
        const cur = ctx.store.changes.byId(c.id)!;
        if (!["pr", "checks", "review"].includes(cur.state) || cur.reason?.includes(why)) return;
        await move(
          ctx,
          cur,
          cur.state,
          `${cur.reason ? `${cur.reason}; ` : ""}${held}: comment \`/ouro <what to change>\` for a follow-up`,
        );
      });
    }
  });
}
