// pull_request_review: a new or dismissed review can change the merge gate's answer.
import type { Probot } from "probot";
import type { Engine } from "../engine.ts";
import { gate } from "../flow/review.ts";
import { handle } from "./guard.ts";

export function registerPullRequestReview(app: Probot, eng: Engine): void {
  handle(app, eng, ["pull_request_review.submitted", "pull_request_review.dismissed"], async (context, log) => {
    const c = eng.store.changeByPr(context.payload.pull_request.number);
    if (!c) return;
    const review = context.payload.review;
    if (context.payload.action === "submitted" && review.state === "changes_requested" && review.body) eng.feedback(c, "review-comment", review.body);
    await gate(eng, c.id, log.child({ changeId: c.id }));
  });
}
