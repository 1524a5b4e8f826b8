// After the PR: checks, approvals and votes decide. The gate is re-evaluated on every event
// that can change its answer (check runs/suites, statuses, reviews, votes, resume) and is
// idempotent: it merges at most once, asks for reviewers once per head, fails once per head.
// Only reviews from people who may judge count (review/merge-gate.ts); approvals of an
// earlier commit than the head are dismissed on GitHub and never counted. A PR another merge
// made conflict is redone or closed (lifecycle/conflicts.ts).
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import { rememberFeedback } from "../feedback-memory.ts";
import { move, report } from "../progress/report.ts";
import { ownersFor, parseCodeowners } from "../review/codeowners.ts";
import { decideMerge, JUDGING_ROLES, reviewersToAsk, staleApprovals } from "../review/merge-gate.ts";
import type { Review, Reviewers, Role } from "../review/merge-gate.ts";
import type { EffectivePolicy } from "../policy.ts";
import type { ChangeRow } from "../store/changes.ts";
import { breakerAllowsWork, recordBreakerFailure } from "../switches/circuit-breaker.ts";
import { isStopped } from "../switches/emergency-stop.ts";
import { onConflict } from "./conflicts.ts";
import { requesterIdentity } from "./identities.ts";
import { followUpOnFailedChecks } from "./follow-ups.ts";
import { markMerged } from "./deployment.ts";
import { ballotOf, castVote, settleVote, showVotes } from "./votes.ts";

const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

export async function gate(ctx: AppContext, id: string, log: Logger): Promise<void> {
  const { changes, audit, keys } = ctx.store;
  const merged = await ctx.locks.withLock(id, async (): Promise<{ sha: string } | null> => {
    const c = changes.byId(id);
    if (!c || !c.prNumber || !c.verdict || !["pr", "checks", "review"].includes(c.state)) return null;
    const verdict = c.verdict;
    const gh = await ctx.client();
    const pull = await gh.pull(c.prNumber);
    if (pull.state !== "open") return null; // the pull_request.closed event takes it from here
    if (pull.mergeable === false) {
      await onConflict(ctx, c, pull, log); // another merge made it conflict: redo it, or close it saying why
      return null;
    }
    const p = await ctx.policy();
    const checks = await gh.checksState(pull.headSha);
    keys.setChecksState(c.id, checks.state);
    const votes = ballotOf(ctx, c, p);
    await settleVote(ctx, c, votes, pull.headSha, log); // the window ended: the final `ouro/votes` status, once
    const dismissStale = dismissStaleOn(p);
    let reviews = await gh.reviews(c.prNumber);
    // a push the webhook did not tell us about (or a dismissal that failed) is caught here
    if (dismissStale) reviews = await dismissStaleApprovals(ctx, c, pull.headSha, log, reviews);
    const who = requesterIdentity(ctx, c); // a Discord requester's linked login is the requester too
    const excluded = [c.requesterLogin ?? "", who.linkedLogin ?? "", gh.botLogin, pull.author].filter(Boolean);
    const decision = decideMerge({
      verdict: p.error ? { ...verdict, automerge: false } : verdict,
      reviews,
      excluded,
      reviewers: { ...(await reviewersOf(ctx, c, reviews, excluded, who.unlinked)), approvers: p.policy.github.approvers },
      headSha: pull.headSha,
      dismissStale,
      checks: checks.state,
      votes,
      stopped: isStopped(ctx, p),
      breakerOpen: !breakerAllowsWork(ctx, p.policy.circuitBreaker),
      headMatches: pull.headSha === c.headSha,
      linkedLogin: who.linkedLogin,
      unlinkedRequester: who.unlinked,
    });
    log.debug({ decision }, "merge gate");
    switch (decision.action) {
      case "wait":
        await move(ctx, c, "checks", decision.reason);
        return null;
      case "failed": {
        if (!keys.ciFailureCounted(pull.headSha)) {
          keys.markCiFailureCounted(pull.headSha, c.id);
          audit.record(c.id, "checks.failed", { sha: pull.headSha, summary: checks.summary });
          recordBreakerFailure(ctx, p.policy.circuitBreaker, c.id, `checks failed on #${c.prNumber}`);
          rememberFeedback(ctx, c, "ci-failure", `checks ${checks.summary}`);
        }
        const next = await followUpOnFailedChecks(ctx, c, pull.headSha, checks.summary, log);
        if (next.action === "wait") await move(ctx, c, "checks", next.reason);
        if (next.action === "queued" || next.action === "wait") return null;
        const held = next.action === "held" ? `${next.reason}: ` : "";
        await move(ctx, c, "failed", `checks ${checks.summary}; ${held}comment \`/ouro <what to fix>\` for a follow-up or \`/ouro retry\``);
        return null;
      }
      case "review": {
        await requestReviewers(ctx, c, pull.headSha, log);
        await move(ctx, c, "review", `${decision.reason}; waiting for review`);
        return null;
      }
      case "merge": {
        const title = `Merge #${c.prNumber}: ${c.title} (Ouro, risk ${verdict.risk})`;
        const sha = await gh.merge(c.prNumber, pull.headSha, title);
        audit.record(c.id, "merged.auto", { pr: c.prNumber, sha, approvals: decision.approvals });
        log.info({ pr: c.prNumber, sha }, "merged automatically");
        return { sha };
      }
    }
  });
  if (merged) await markMerged(ctx, id, merged.sha, log);
}

/** The policy switch `github.dismissStaleApprovals` (default on). */
export function dismissStaleOn(p: EffectivePolicy): boolean {
  return p.policy.github.dismissStaleApprovals;
}

/**
 * Dismisses on GitHub every approval of a commit other than `headSha` (made before the latest
 * push), once: a review already dismissed is not touched again. Returns the reviews as they
 * stand afterwards. A dismissal GitHub refuses is logged; the gate never counts it anyway.
 */
export async function dismissStaleApprovals(
  ctx: AppContext,
  c: ChangeRow,
  headSha: string,
  log: Logger,
  known?: Review[],
): Promise<Review[]> {
  return ctx.locks.withLock(`dismiss:${c.id}`, async () => {
    const gh = await ctx.client();
    const reviews = known ?? (await gh.reviews(c.prNumber!));
    const stale = staleApprovals(reviews, headSha).filter((r) => r.id !== undefined);
    if (stale.length === 0) return reviews;
    const done = new Set<number>();
    for (const r of stale) {
      const message = `Dismissed by Ouro: this approval was for ${r.commitId!.slice(0, 7)}, and the pull request has had new commits since (now ${headSha.slice(0, 7)}). Please review the latest changes.`;
      try {
        await gh.dismissReview(c.prNumber!, r.id!, message);
        done.add(r.id!);
        ctx.store.audit.record(c.id, "review.dismissed", {
          pr: c.prNumber,
          review: r.id,
          login: r.login,
          commit: r.commitId,
          head: headSha,
        });
        log.info({ review: r.id, login: r.login }, "dismissed an approval of an earlier commit");
      } catch (e) {
        if ((e as { status?: number }).status === 422)
          done.add(r.id!); // dismissed meanwhile
        else log.warn({ err: e, review: r.id }, "could not dismiss a stale approval (it does not count anyway)");
      }
    }
    return reviews.map((r) => (r.id !== undefined && done.has(r.id) ? { ...r, state: "DISMISSED" } : r));
  });
}

/**
 * Who may judge this change: the roles of the reviewers (asked of GitHub once per login in
 * this evaluation) and, only when someone lacks write access or `needNamed` (an unlinked
 * Discord requester: code owners are among those the policy names), the code owners of the
 * changed paths from the default branch's CODEOWNERS (never the PR's own copy).
 */
async function reviewersOf(ctx: AppContext, c: ChangeRow, reviews: Review[], excluded: string[], needNamed: boolean): Promise<Reviewers> {
  const gh = await ctx.client();
  const roles = new Map<string, Role>();
  for (const login of reviewersToAsk(reviews, excluded)) roles.set(login, await gh.role(login));
  const lacking = [...roles.values()].some((r) => !JUDGING_ROLES.includes(r)) || (needNamed && roles.size > 0);
  const codeOwners = lacking ? (await codeOwnersOf(ctx, c, excluded)).owners.users : [];
  return { roles, codeOwners };
}

/** Owners of the PR's changed files by the default branch's CODEOWNERS (null text: no file). */
async function codeOwnersOf(
  ctx: AppContext,
  c: ChangeRow,
  exclude: string[],
): Promise<{ text: string | null; owners: { users: string[]; teams: string[] } }> {
  const gh = await ctx.client();
  const base = await gh.defaultBranch();
  let text: string | null = null;
  for (const path of CODEOWNERS_PATHS) {
    text = await gh.readFile(path, base.sha);
    if (text !== null) break;
  }
  const owners = text ? ownersFor(parseCodeowners(text), await gh.changedFiles(c.prNumber!), exclude) : { users: [], teams: [] };
  return { text, owners };
}

async function requestReviewers(ctx: AppContext, c: ChangeRow, headSha: string, log: Logger): Promise<void> {
  const { audit, keys } = ctx.store;
  if (keys.reviewersAsked(c.id, headSha)) return;
  const gh = await ctx.client();
  const { text, owners } = await codeOwnersOf(ctx, c, [c.requesterLogin ?? "", gh.botLogin]);
  keys.markReviewersAsked(c.id, headSha, owners);
  if (owners.users.length === 0 && owners.teams.length === 0) {
    audit.record(c.id, "reviewers.none", { reason: text ? "no code owner for these files" : "no CODEOWNERS file" });
    return;
  }
  try {
    await gh.requestReviewers(c.prNumber!, owners.users, owners.teams);
    audit.record(c.id, "reviewers.requested", owners);
  } catch (e) {
    // e.g. an owner without access: the request is best effort, the PR still waits for review
    log.warn({ err: e, owners }, "could not request reviewers");
    audit.record(c.id, "reviewers.failed", { ...owners, error: (e as Error).message });
  }
}

/**
 * A Discord vote on a change (lifecycle/votes.ts: refused outside its window); reported on the
 * PR head as the `ouro/votes` status, then the gate decides again.
 */
export async function vote(
  ctx: AppContext,
  id: string,
  voter: string,
  value: "up" | "down",
  log: Logger,
): Promise<{ up: number; down: number; needed: number }> {
  const { changes, audit } = ctx.store;
  const p = await ctx.policy();
  const c = changes.byId(id);
  if (!c) throw new Error(`no change ${id}`);
  const ballot = castVote(ctx, c, p, voter, value);
  audit.record(id, "vote", { voter, vote: value, up: ballot.up, down: ballot.down });
  const needed = ballot.required;
  await ctx.locks.withLock(id, () => report(ctx, changes.byId(id)!)); // the new count reaches Discord
  if (c.headSha && needed > 0 && ["pr", "checks", "review"].includes(c.state)) {
    await showVotes(await ctx.client(), c.headSha, ballot);
    await gate(ctx, id, log);
  }
  return { up: ballot.up, down: ballot.down, needed };
}
