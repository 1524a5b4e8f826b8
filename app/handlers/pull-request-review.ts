// pull_request_review: a new or dismissed review can change the merge gate's answer. A change
// request's text becomes feedback for the agent only from a user with write, maintain or
// admin access; anyone else's is recorded as ignored (and the gate does not count it either).
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { rememberFeedback } from "../feedback-memory.ts";
import { gate } from "../lifecycle/review.ts";
import { isBot, JUDGING_ROLES } from "../review/merge-gate.ts";
import { handle } from "./guard.ts";

export function registerPullRequestReview(app: Probot, ctx: AppContext): void {
  handle(app, ctx, ["pull_request_review.submitted", "pull_request_review.dismissed"], async (context, log) => {
    const c = ctx.store.changes.byPr(context.payload.pull_request.number);
    if (!c) return;
    const child = log.child({ changeId: c.id });
    const review = context.payload.review;
    if (context.payload.action === "submitted" && review.state === "changes_requested" && review.body) {
      const login = review.user?.login ?? "";
      const role = isBot(login, review.user?.type === "Bot") ? "bot" : await (await ctx.client()).role(login);
      if ((JUDGING_ROLES as readonly string[]).includes(role)) rememberFeedback(ctx, c, "review-comment", review.body);
      else {
        ctx.store.audit.record(c.id, "feedback.ignored", { login, role, via: "review" });
        child.info(
          { login, role },
          `ignored a change request from ${login} (${role} access): only write, maintain or admin reviewers' text reaches the agent`,
        );
      }
    }
    await gate(ctx, c.id, child);
  });
}
