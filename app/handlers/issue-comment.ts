// issue_comment: `/ouro …` commands and follow-ups, on issues and pull requests; `/ouro link`
// (linking a Discord account) from any GitHub user.
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { parseCommand } from "../github/ouro-commands.ts";
import { onComment } from "../lifecycle/commands.ts";
import { onLinkComment } from "../lifecycle/identities.ts";
import { fromSelf, handle } from "./guard.ts";

export function registerIssueComment(app: Probot, ctx: AppContext): void {
  handle(app, ctx, "issue_comment.created", async (context, log) => {
    if (fromSelf(context)) return;
    const { issue, comment } = context.payload;
    if (!comment.user) return;
    const input = {
      issueNumber: issue.number,
      issueBody: issue.body ?? null,
      commentId: comment.id,
      login: comment.user.login,
      association: comment.author_association,
      body: comment.body,
      createdAt: comment.created_at,
    };
    const cmd = parseCommand(comment.body);
    if (cmd?.kind === "link") await onLinkComment(ctx, input, cmd.code, log);
    else await onComment(ctx, input, log);
  });
}
