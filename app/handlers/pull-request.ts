// pull_request: a merge starts the deployment; closing unmerged counts as a failure; a push to
// the PR's branch (synchronize) dismisses approvals of earlier commits and re-runs the gate.
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { closedUnmerged, markMerged } from "../lifecycle/deployment.ts";
import { dismissStaleApprovals, dismissStaleOn, gate } from "../lifecycle/review.ts";
import { handle } from "./guard.ts";

export function registerPullRequest(app: Probot, ctx: AppContext): void {
  handle(app, ctx, "pull_request.closed", async (context, log) => {
    const pr = context.payload.pull_request;
    const c = ctx.store.changes.byPr(pr.number);
    if (!c) return; // not a PR Ouro opened
    const child = log.child({ changeId: c.id });
    if (pr.merged && pr.merge_commit_sha) await markMerged(ctx, c.id, pr.merge_commit_sha, child);
    else await closedUnmerged(ctx, c.id, child);
  });
  // Whoever pushed (the agent's follow-up or a human): an approval is of the commit it saw.
  handle(app, ctx, "pull_request.synchronize", async (context, log) => {
    const pr = context.payload.pull_request;
    const c = ctx.store.changes.byPr(pr.number);
    if (!c || pr.state !== "open") return;
    const child = log.child({ changeId: c.id });
    if (dismissStaleOn(await ctx.policy())) await dismissStaleApprovals(ctx, c, pr.head.sha, child);
    await gate(ctx, c.id, child);
  });
}
