// The Probot app: every handler module registered in one place.
import type { ApplicationFunction } from "probot";
import type { AppContext } from "./context.ts";
import { registerChecks } from "./handlers/checks.ts";
import { registerDeploymentStatus } from "./handlers/deployment-status.ts";
import { registerIssueComment } from "./handlers/issue-comment.ts";
import { registerIssues } from "./handlers/issues.ts";
import { registerPullRequest } from "./handlers/pull-request.ts";
import { registerPullRequestReview } from "./handlers/pull-request-review.ts";

/** The webhook events the handlers use (app.yml must list exactly these). */
export const HANDLED_EVENTS = [
  "check_run",
  "check_suite",
  "deployment_status",
  "issue_comment",
  "issues",
  "pull_request",
  "pull_request_review",
  "status",
] as const;

export function ouroApp(ctx: AppContext): ApplicationFunction {
  return (app) => {
    registerIssues(app, ctx);
    registerIssueComment(app, ctx);
    registerPullRequest(app, ctx);
    registerPullRequestReview(app, ctx);
    registerChecks(app, ctx);
    registerDeploymentStatus(app, ctx);
  };
}
