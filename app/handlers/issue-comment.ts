// issue_comment: `/ouro …` commands and follow-ups, on issues and pull requests.
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { onComment } from "../lifecycle/commands.ts";
import { fromSelf, handle } from "./guard.ts";

export function registerIssueComment(app: Probot, ctx: AppContext): void {
  handle(app, ctx, "issue_comment.created", async (context, log) => {
    if (fromSelf(context)) return;
    const { issue, comment } = context.payload;
    if (!comment.user) return;
    await onComment(
      ctx,
      {
        issueNumber: issue.number,
        issueBody: issue.body ?? null,
        commentId: comment.id,
        login: comment.user.login,
        association: comment.author_association,
        body: comment.body,
        createdAt: comment.created_at,
      },
      log,
    );
  });
}
