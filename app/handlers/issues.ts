// issues: an issue opened with, or given, the `ouro` label is a change request.
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { onLabelledIssue } from "../lifecycle/commands.ts";
import { fromSelf, handle } from "./guard.ts";

export function registerIssues(app: Probot, ctx: AppContext): void {
  handle(app, ctx, ["issues.opened", "issues.labeled"], async (context, log) => {
    if (fromSelf(context)) return;
    const { issue, sender } = context.payload;
    const label = "label" in context.payload ? context.payload.label?.name : undefined;
    const hasLabel =
      context.payload.action === "labeled"
        ? label === "ouro"
        : (issue.labels ?? []).some((l) => (typeof l === "string" ? l : l.name) === "ouro");
    if (!hasLabel || issue.state !== "open") return;
    await onLabelledIssue(
      ctx,
      {
        number: issue.number,
        url: issue.html_url,
        title: issue.title,
        body: issue.body ?? null,
        login: sender.login,
        association: context.payload.action === "opened" ? issue.author_association : undefined,
      },
      log,
    );
  });
}
