// `/ouro …` comments and `ouro`-labelled issues from GitHub users. Only users the policy
// allows may act (github.allowedCommenters, or at least github.minPermission on the
// repository); everyone else gets a polite refusal and nothing changes. A follow-up to an open
// change feeds the agent, so it is taken only from users with write, maintain or admin (or
// listed in github.allowedCommenters), whatever minPermission allows.
import type { Logger } from "pino";
import type { Engine } from "../engine.ts";
import { HELP, parseCommand } from "../github/ouro-commands.ts";
import { changeIdIn } from "../github/markers.ts";
import { JUDGING_ROLES } from "../review/merge-gate.ts";
import type { Role } from "../review/merge-gate.ts";
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

export async function standing(eng: Engine, login: string, association: string | undefined): Promise<Standing> {
  const p = await eng.policy();
  const listed = p.policy.github.allowedCommenters.some((l) => l.toLowerCase() === login.toLowerCase());
  const gh = await eng.client();
  // GitHub's answer first; the payload's association only when GitHub could not be asked
  const role = (await gh.role(login).catch(() => null)) ?? FROM_ASSOCIATION[association ?? ""] ?? "none";
  return { allowed: listed || RANK[role] >= RANK[p.policy.github.minPermission], judges: listed || JUDGING_ROLES.includes(role), role };
}

export async function allowed(eng: Engine, login: string, association: string | undefined): Promise<boolean> {
  return (await standing(eng, login, association)).allowed;
}

export interface CommentInput {
  issueNumber: number;
  issueBody: string | null;
  commentId: number;
  login: string;
  association?: string;
  body: string;
}

export async function onComment(eng: Engine, input: CommentInput, log: Logger): Promise<void> {
  if (!parseCommand(input.body)) return;
  // A comment is acted on once, whatever delivers it again (a redelivery or a repeated event).
  const key = `comment:${input.commentId}`;
  await eng.withLock(key, async () => {
    if (eng.store.key(key)) return log.info("ignored a comment command already handled");
    await actOnComment(eng, input, log);
    eng.store.setKey(key, "done");
  });
}

async function actOnComment(eng: Engine, input: CommentInput, log: Logger): Promise<void> {
  const cmd = parseCommand(input.body);
  if (!cmd) return;
  const gh = await eng.client();
  const reply = (text: string) => gh.comment(input.issueNumber, `@${input.login} ${text}`);
  const who = await standing(eng, input.login, input.association);
  if (!who.allowed) {
    const p = await eng.policy();
    eng.store.audit("-", "command.refused", { login: input.login, command: cmd.kind, issue: input.issueNumber });
    await reply(
      `sorry — Ouro only takes commands from users with ${p.policy.github.minPermission} access to this repository or listed in \`github.allowedCommenters\` in policies/. Nothing was changed.`,
    );
    return;
  }
  const c =
    eng.store.changeByPr(input.issueNumber) ??
    eng.store.changeByIssue(input.issueNumber) ??
    (changeIdIn(input.issueBody) ? eng.store.change(changeIdIn(input.issueBody)!) : null);
  eng.store.audit(c?.id ?? "-", `command.${cmd.kind}`, { login: input.login, issue: input.issueNumber });
  switch (cmd.kind) {
    case "help":
      await reply(`\n\n${HELP}`);
      return;
    case "stop":
      eng.setStop(true, input.login, cmd.reason);
      await reply("🛑 emergency stop: Ouro opens no new pull requests and merges nothing until `/ouro resume`.");
      return;
    case "resume":
      eng.setStop(false, input.login);
      await reply("▶️ resumed: queued requests will start again (the policy flag `emergencyStop`, if set, still holds).");
      return;
    case "revert": {
      if (!c) {
        await reply("this is not an Ouro change, so there is nothing for Ouro to revert.");
        return;
      }
      try {
        const r = await rollback(eng, c.id, input.login, `requested by @${input.login} on #${input.issueNumber}`, log);
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
      await eng.withLock(c.id, () => eng.move(eng.store.change(c.id)!, "queued", `retry requested by @${input.login}`));
      eng.kick();
      await reply(`🔁 change \`${c.id}\` is queued again.`);
      return;
    }
    case "request": {
      if (c && c.kind === "change" && c.prNumber && ["pr", "checks", "review", "failed"].includes(c.state)) {
        if (!who.judges) {
          // a follow-up is text the agent acts on: only people who may judge the change give it
          eng.store.audit(c.id, "feedback.ignored", { login: input.login, role: who.role, via: "comment" });
          log.info({ login: input.login, role: who.role }, "ignored a follow-up from a user without write access");
          await reply(
            `sorry — follow-ups to the agent are taken only from users with write, maintain or admin access (you have ${who.role}). Nothing was changed.`,
          );
          return;
        }
        await eng.withLock(c.id, async () => {
          const cur = eng.store.change(c.id)!;
          eng.store.updateChange(cur.id, { feedback: [...cur.feedback, cmd.text] });
          await eng.move(eng.store.change(cur.id)!, "queued", `follow-up from @${input.login}`);
        });
        eng.kick();
        await reply(`📝 follow-up queued for change \`${c.id}\`; the agent will update this pull request.`);
        return;
      }
      try {
        const { change } = await submit(
          eng,
          {
            requestId: `gh-comment-${input.commentId}`,
            source: "comment",
            requester: { name: input.login, key: `github:${input.login.toLowerCase()}`, login: input.login, roles: [] },
            text: cmd.text,
          },
          log,
        );
        await reply(`👍 request \`${change.id}\` is ${change.state}; tracking issue: ${change.issueUrl ?? "(being created)"}`);
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
export async function onLabelledIssue(eng: Engine, issue: IssueInput, log: Logger): Promise<void> {
  if (changeIdIn(issue.body)) return; // one of our own tracking issues
  if (eng.store.changeByRequest(`gh-issue-${issue.number}`) || eng.store.key(`issue-refused:${issue.number}`)) return; // answered already
  const gh = await eng.client();
  if (!(await allowed(eng, issue.login, issue.association))) {
    await gh.comment(issue.number, `@${issue.login} sorry — only users the policy allows can ask Ouro for changes. Nothing was changed.`);
    eng.store.setKey(`issue-refused:${issue.number}`, issue.login);
    return;
  }
  try {
    await submit(
      eng,
      {
        requestId: `gh-issue-${issue.number}`,
        source: "issue",
        requester: { name: issue.login, key: `github:${issue.login.toLowerCase()}`, login: issue.login, roles: [] },
        text: [issue.title, issue.body ?? ""].join("\n\n").trim(),
        issue: { number: issue.number, url: issue.url },
      },
      log,
    );
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    await gh.comment(issue.number, `@${issue.login} this request was not accepted: ${e.message}`);
  }
}
