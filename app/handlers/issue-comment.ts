// issue_comment: `/ouro …` commands and follow-ups, on issues and pull requests.
import type { Probot } from "probot";
import type { Engine } from "../engine.ts";
import { onComment } from "../lifecycle/commands.ts";
import { fromSelf, handle } from "./guard.ts";

export function registerIssueComment(app: Probot, eng: Engine): void {
  handle(app, eng, "issue_comment.created", async (context, log) => {
    if (fromSelf(context as never)) return;
    const { issue, comment } = context.payload;
    if (!comment.user) return;
    await onComment(
      eng,
      {
        issueNumber: issue.number,
        issueBody: issue.body ?? null,
        commentId: comment.id,
        login: comment.user.login,
        association: comment.author_association,
        body: comment.body,
      },
      log,
    );
  });
}
