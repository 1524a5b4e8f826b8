// Automatic follow-ups: failed checks on an Ouro PR, or a "changes requested" review from a
// user with write access, send the agent back to the change's own branch — the failed runs'
// output and annotations as a `ci-failure` follow-up, the review's body and comments as a
// `review-comment` one. Bounded by the policy's `agent.followUps` per change (counted from the
// stored follow-ups, so a restart does not reset it); one per failing head commit and one per
// review (a redelivered event adds nothing). Never on a closed or merged PR, while checks are
// still running, during the emergency stop or while the circuit breaker is open: the change
// then waits for a human, and its reason (the progress comment) and audit log say why.
// An `/ouro …` comment is a human's own follow-up and does not count against the budget.
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import type { CheckFailure } from "../github/repo.ts";
import type { EffectivePolicy } from "../policy.ts";
import { move } from "../progress/report.ts";
import type { ChangeRow, FollowUp } from "../store/changes.ts";
import { breakerAllowsWork } from "../switches/circuit-breaker.ts";
import { isStopped } from "../switches/emergency-stop.ts";

/** The most of a follow-up's text the agent is shown (its prompt keeps 8000 characters). */
const MAX_TEXT = 8000;
/** The end of a check run's output text (its log) that is kept. */
const LOG_TAIL = 3000;
const MAX_ANNOTATIONS = 50;

/** Automatic follow-ups this change has had (an `/ouro` comment's does not count). */
export function automaticFollowUps(c: ChangeRow): number {
  return c.followUps.filter((f) => f.via !== "comment").length;
}

/** Why no automatic follow-up may start now (the change waits for a human), or null when one may. */
function heldBecause(ctx: AppContext, c: ChangeRow, p: EffectivePolicy): string | null {
  const budget = p.policy.agent.followUps;
  if (ctx.writer.canFollowUp === false) return "no automatic follow-up: no model is configured (OPENAI_API_KEY); a human decides";
  if (isStopped(ctx, p)) return "no automatic follow-up during the emergency stop";
  if (!breakerAllowsWork(ctx, p.policy.circuitBreaker)) return "no automatic follow-up while the circuit breaker is open";
  const used = automaticFollowUps(c);
  if (used >= budget) return `the automatic follow-ups are spent (${used} of ${budget}); a human decides`;
  return null;
}

/**
 * What became of a reason for a follow-up: queued; waiting (for checks still running); held
 * for a human (the budget is spent, the emergency stop, the breaker); or not one to take up
 * (follow-ups are off, already taken, the change is not open).
 */
export type FollowUpOutcome =
  { action: "queued" } | { action: "wait"; reason: string } | { action: "held"; reason: string } | { action: "skipped"; reason: string };

/**
 * Called by the merge gate, under the change's lock, when checks failed on the open PR's head
 * `sha`: queues a `ci-failure` follow-up (and says so), waits while other checks still run, or
 * tells the gate why the change is held for a human.
 */
export async function followUpOnFailedChecks(
  ctx: AppContext,
  c: ChangeRow,
  sha: string,
  summary: string,
  log: Logger,
): Promise<FollowUpOutcome> {
  const key = `checks:${sha}`;
  const p = await ctx.policy();
  if (p.policy.agent.followUps === 0) return { action: "skipped", reason: "automatic follow-ups are off" };
  if (c.followUps.some((f) => f.key === key)) return { action: "skipped", reason: "the agent already followed up on this commit" };
  const held = heldBecause(ctx, c, p);
  if (held) {
    ctx.store.audit.record(c.id, "follow-up.held", { via: "checks", sha, reason: held });
    return { action: "held", reason: held };
  }
  const gh = await ctx.client();
  const { running, failures } = await gh.checkFailures(sha);
  if (running.length > 0)
    return { action: "wait", reason: `checks ${summary}; waiting for ${running.join(", ")} before the agent follows up` };
  const text = ciFailureText(sha, failures, summary);
  await queue(ctx, c, { kind: "ci-failure", text, via: "checks", key }, `checks ${summary}`, p, log);
  return { action: "queued" };
}

export interface ChangesRequested {
  id: number;
  login: string;
  body: string;
  /** The review's line comments. */
  comments: { path: string; line: number | null; body: string }[];
}

/**
 * A "changes requested" review from a user with write access on the change's open PR: a
 * `review-comment` follow-up with its body and comments, once per review. Takes the change's lock.
 */
export async function followUpOnReview(ctx: AppContext, changeId: string, review: ChangesRequested, log: Logger): Promise<FollowUpOutcome> {
  const text = reviewText(review);
  const skip = (reason: string) => ({ action: "skipped" as const, reason });
  if (!text) return skip("the review has no text");
  return ctx.locks.withLock(changeId, async (): Promise<FollowUpOutcome> => {
    const c = ctx.store.changes.byId(changeId);
    if (!c?.prNumber || c.kind !== "change") return skip("not an Ouro change with a pull request");
    const p = await ctx.policy();
    if (p.policy.agent.followUps === 0) return skip("automatic follow-ups are off");
    const key = `review:${review.id}`;
    if (c.followUps.some((f) => f.key === key)) return skip("the agent already followed up on this review");
    if (!["pr", "checks", "review"].includes(c.state)) return skip(`the change is ${c.state}`);
    const pull = await (await ctx.client()).pull(c.prNumber);
    if (pull.state !== "open") return skip(`pull request #${c.prNumber} is ${pull.merged ? "merged" : "closed"}`);
    const held = heldBecause(ctx, c, p);
    if (held) {
      ctx.store.audit.record(c.id, "follow-up.held", { via: "review", review: review.id, reason: held });
      return { action: "held", reason: held };
    }
    await queue(ctx, c, { kind: "review-comment", text, via: "review", key }, `changes requested by ${review.login}`, p, log);
    return { action: "queued" };
  });
}

async function queue(ctx: AppContext, c: ChangeRow, f: FollowUp, why: string, p: EffectivePolicy, log: Logger): Promise<void> {
  const round = automaticFollowUps(c) + 1;
  const budget = p.policy.agent.followUps;
  const cur = ctx.store.changes.addFollowUp(c.id, { ...f, text: f.text.slice(0, MAX_TEXT) });
  ctx.store.audit.record(c.id, "follow-up.queued", { via: f.via, key: f.key, round, budget });
  log.info({ via: f.via, key: f.key, round, budget }, "automatic follow-up queued");
  await move(ctx, cur, "queued", `${why}; the agent is following up on the same branch (automatic follow-up ${round} of ${budget})`);
  void ctx.events.emit("queued", { changeId: c.id });
}

/** The failed runs' output for the agent: title, summary, annotations, then the log's tail. */
export function ciFailureText(sha: string, failures: CheckFailure[], summary: string): string {
  if (failures.length === 0) return `Checks ${summary} on ${sha.slice(0, 7)} (GitHub gave no further output).`;
  const parts = [`Checks failed on ${sha.slice(0, 7)}.`];
  for (const f of failures) {
    parts.push("", `## ${f.name}: ${f.conclusion}`);
    if (f.title) parts.push(f.title);
    if (f.summary) parts.push(f.summary);
    if (f.annotations.length > 0) {
      parts.push("", "Annotations:");
      for (const a of f.annotations.slice(0, MAX_ANNOTATIONS))
        parts.push(`- ${a.path}:${a.line} (${a.level})${a.title ? ` ${a.title}:` : ""} ${a.message}`);
      if (f.annotations.length > MAX_ANNOTATIONS) parts.push(`- … and ${f.annotations.length - MAX_ANNOTATIONS} more`);
    }
    if (f.text) parts.push("", "Log tail:", f.text.length > LOG_TAIL ? `…${f.text.slice(-LOG_TAIL)}` : f.text);
  }
  return parts.join("\n");
}

function reviewText(r: ChangesRequested): string {
  const comments = r.comments.filter((x) => x.body.trim());
  if (!r.body.trim() && comments.length === 0) return "";
  const parts = [`@${r.login} requested changes.`];
  if (r.body.trim()) parts.push("", r.body.trim());
  if (comments.length > 0) {
    parts.push("", "Comments on the code:");
    for (const x of comments) parts.push(`- ${x.path}${x.line !== null ? `:${x.line}` : ""}: ${x.body.trim()}`);
  }
  return parts.join("\n");
}
