// `/ouro …` comments and `ouro`-labelled issues from GitHub users. Only users the policy
// allows may act (github.allowedCommenters, or at least github.minPermission on the
// repository); everyone else gets a polite refusal and nothing changes. A follow-up to an open
// change feeds the agent, so it is taken only from users with write, maintain or admin (or
// listed in github.allowedCommenters), whatever minPermission allows.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { githubRequester } from "../../contract/change-request.ts";
import type { AppContext } from "../context.ts";
import { HELP, parseCommand } from "../github/ouro-commands.ts";
import { changeIdIn } from "../github/markers.ts";
import { JUDGING_ROLES } from "../review/merge-gate.ts";
import type { Role } from "../review/merge-gate.ts";
import { move } from "../progress/report.ts";
import { overruledAt, setEmergencyStop } from "../switches/emergency-stop.ts";
import { CANCELLED_REASON, isCancelled } from "./answers.ts";
import { Refused, submit } from "./intake.ts";
import { rollback, RollbackRefused } from "./deployment.ts";

const RANK: Record<Role, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };
const FROM_ASSOCIATION: Record<string, Role> = { OWNER: "admin", MEMBER: "write", COLLABORATOR: "write" };

export interface Standing {
  /** May give Ouro commands (the policy's minPermission, or listed in allowedCommenters). */
  allowed: boolean;
  /** May give the agent feedback: write, maintain or admin, or listed in allowedCommenters. */
  judges: boolean;
  role: Role;
}

export async function standing(ctx: AppContext, login: string, association: string | undefined): Promise<Standing> {
  const p = await ctx.policy();
  const listed = p.policy.github.allowedCommenters.some((l) => l.toLowerCase() === login.toLowerCase());
  const gh = await ctx.client();
  // GitHub's answer first; the payload's association only when GitHub could not be asked
  const role = (await gh.role(login).catch(() => null)) ?? FROM_ASSOCIATION[association ?? ""] ?? "none";
  return { allowed: listed || RANK[role] >= RANK[p.policy.github.minPermission], judges: listed || JUDGING_ROLES.includes(role), role };
}

export async function allowed(ctx: AppContext, login: string, association: string | undefined): Promise<boolean> {
  return (await standing(ctx, login, association)).allowed;
}

export interface CommentInput {
  issueNumber: number;
  issueBody: string | null;
  commentId: number;
  login: string;
  association?: string;
  body: string;
  /** When the comment was written (GitHub's `created_at`): a stop or resume is ordered by it. */
  createdAt?: string;
}

export async function onComment(ctx: AppContext, input: CommentInput, log: Logger): Promise<void> {
  if (!parseCommand(input.body)) return;
  // A comment is acted on once, whatever delivers it again (a redelivery or a repeated event).
  const { keys } = ctx.store;
  await ctx.locks.withLock(`comment:${input.commentId}`, async () => {
    if (keys.commentHandled(input.commentId)) return log.info("ignored a comment command already handled");
    await actOnComment(ctx, input, log);
    keys.markCommentHandled(input.commentId);
  });
}

async function actOnComment(ctx: AppContext, input: CommentInput, log: Logger): Promise<void> {
  const cmd = parseCommand(input.body);
  if (!cmd) return;
  const { changes, audit } = ctx.store;
  const gh = await ctx.client();
  // One answer per command comment, found again by its marker if a crash came before the
  // comment was marked handled (the redelivery then answers nothing twice).
  const reply = (text: string) => gh.commentOnce(input.issueNumber, `<!-- ouro:reply:${input.commentId} -->`, `@${input.login} ${text}`);
  const who = await standing(ctx, input.login, input.association);
  if (!who.allowed) {
    const p = await ctx.policy();
    audit.record("-", "command.refused", { login: input.login, command: cmd.kind, issue: input.issueNumber });
    await reply(
      `sorry — Ouro only takes commands from users with ${p.policy.github.minPermission} access to this repository or listed in \`github.allowedCommenters\` in policies/. Nothing was changed.`,
    );
    return;
  }
  const marked = changeIdIn(input.issueBody);
  const c = changes.byPr(input.issueNumber) ?? changes.byIssue(input.issueNumber) ?? (marked ? changes.byId(marked) : null);
  audit.record(c?.id ?? "-", `command.${cmd.kind}`, { login: input.login, issue: input.issueNumber });
  // A late or redelivered stop/resume never overrules a newer one.
  const newer = cmd.kind === "stop" || cmd.kind === "resume" ? overruledAt(ctx, input.createdAt) : null;
  if (newer) {
    await reply(`this \`/ouro ${cmd.kind}\` was not applied: a later stop or resume (${newer}) already holds.`);
    return;
  }
  switch (cmd.kind) {
    case "help":
      await reply(`\n\n${HELP}`);
      return;
    case "stop":
      setEmergencyStop(ctx, true, input.login, cmd.reason, input.createdAt);
      await reply("🛑 emergency stop: Ouro opens no new pull requests and merges nothing until `/ouro resume`.");
      return;
    case "resume":
      setEmergencyStop(ctx, false, input.login, undefined, input.createdAt);
      await reply("▶️ resumed: queued requests will start again (the policy flag `emergencyStop`, if set, still holds).");
      return;
    case "revert": {
      if (!c) {
        await reply("this is not an Ouro change, so there is nothing for Ouro to revert.");
        return;
      }
      try {
        const r = await rollback(ctx, c.id, input.login, `requested by @${input.login} on #${input.issueNumber}`, log);
        await reply(r.prUrl ? `↩️ revert pull request: ${r.prUrl}` : `the revert could not be opened: ${r.reason ?? r.state}`);
      } catch (e) {
        if (!(e instanceof RollbackRefused)) throw e;
        await reply(`cannot revert: ${e.message}.`);
      }
      return;
    }
    case "retry": {
      if (!c || c.state !== "failed") {
        await reply(
          c ? `change \`${c.id}\` is ${c.state}, not failed: nothing to retry.` : "this is not an Ouro change: nothing to retry.",
        );
        return;
      }
      if (isCancelled(c)) {
        // its requester was told it failed: it stays cancelled, a new request makes it again
        await reply(`change \`${c.id}\` was ${CANCELLED_REASON}; it is not retried. Ask again with a new request.`);
        return;
      }
      await ctx.locks.withLock(c.id, () => move(ctx, changes.byId(c.id)!, "queued", `retry requested by @${input.login}`));
      void ctx.events.emit("queued", { changeId: c.id });
      await reply(`🔁 change \`${c.id}\` is queued again.`);
      return;
    }
    case "request": {
      if (c && c.kind === "change" && c.prNumber && ["pr", "checks", "review", "failed"].includes(c.state)) {
        if (!who.judges) {
          // a follow-up is text the agent acts on: only people who may judge the change give it
          audit.record(c.id, "feedback.ignored", { login: input.login, role: who.role, via: "comment" });
          log.info({ login: input.login, role: who.role }, "ignored a follow-up from a user without write access");
          await reply(
            `sorry — follow-ups to the agent are taken only from users with write, maintain or admin access (you have ${who.role}). Nothing was changed.`,
          );
          return;
        }
        await ctx.locks.withLock(c.id, async () => {
          const cur = changes.addFollowUp(c.id, { kind: "review-comment", text: cmd.text, via: "comment" });
          await move(ctx, cur, "queued", `follow-up from @${input.login}`);
        });
        void ctx.events.emit("queued", { changeId: c.id });
        await reply(`📝 follow-up queued for change \`${c.id}\`; the agent will update this pull request.`);
        return;
      }
      try {
        const { change, joined } = await submit(
          ctx,
          {
            requestId: `gh-comment-${input.commentId}`,
            source: "comment",
            requester: githubRequester(input.login),
            text: cmd.text,
          },
          log,
        );
        await reply(
          joined
            ? `👍 this asks for the same as change \`${change.id}\`, already ${change.state}: follow it on ${change.issueUrl ?? "its tracking issue"}.`
            : `👍 request \`${change.id}\` is ${change.state}; tracking issue: ${change.issueUrl ?? "(being created)"}`,
        );
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        await reply(`your request was not accepted: ${e.message}`);
      }
      return;
    }
  }
}

export interface IssueInput {
  number: number;
  url: string;
  title: string;
  body: string | null;
  login: string;
  association?: string;
}

/** An issue labelled `ouro` by an allowed user is a change request tracked by that issue. */
export async function onLabelledIssue(ctx: AppContext, issue: IssueInput, log: Logger): Promise<void> {
  const { changes, keys } = ctx.store;
  if (changeIdIn(issue.body)) return; // one of our own tracking issues
  if (changes.byRequest(`gh-issue-${issue.number}`) || keys.issueRefused(issue.number)) return; // answered already
  const gh = await ctx.client();
  if (!(await allowed(ctx, issue.login, issue.association))) {
    await gh.commentOnce(
      issue.number,
      `<!-- ouro:refused:${issue.number} -->`,
      `@${issue.login} sorry — only users the policy allows can ask Ouro for changes. Nothing was changed.`,
    );
    keys.markIssueRefused(issue.number, issue.login);
    return;
  }
  try {
    const { change, joined } = await submit(
      ctx,
      {
        requestId: `gh-issue-${issue.number}`,
        source: "issue",
        requester: githubRequester(issue.login),
        text: [issue.title, issue.body ?? ""].join("\n\n").trim(),
        issue: { number: issue.number, url: issue.url },
      },
      log,
    );
    if (joined && change.issueNumber !== issue.number)
      await gh.comment(
        issue.number,
        `@${issue.login} this asks for the same as change \`${change.id}\`, already ${change.state}: it is tracked in #${change.issueNumber ?? "?"}, follow it there.`,
      );
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    // Once per reason: a redelivery repeats nothing, a later refusal for another reason is said.
    const reason = createHash("sha256").update(e.message).digest("hex").slice(0, 12);
    await gh.commentOnce(
      issue.number,
      `<!-- ouro:refused:${issue.number}:${reason} -->`,
      `@${issue.login} this request was not accepted: ${e.message}`,
    );
  }
}
