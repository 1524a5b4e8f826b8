// The worker's step for one queued change: a fresh clone of the default branch (in a scratch
// directory of this attempt's own, attempts.ts: two processes, or a retry after a kill, never
// share one, and what a killed attempt left is swept at the next start), then the
// agent (or the mechanical revert), a force-push of exactly that commit to the change's own
// branch, and the pull request opened AS THE APP — or found again and updated, so one
// request never has two open PRs (a restart re-runs this step safely). The agent's verdict
// (judged by the base branch's policy in its sandbox) is the PR's; only the revert, which no
// agent writes, is judged here.
import { join } from "node:path";
import type { Logger } from "pino";
import { branchFor } from "../../contract/change-request.ts";
import { startAttempt, type Attempt } from "../agent/attempts.ts";
import type { AppContext } from "../context.ts";
import { recentFeedback } from "../feedback-memory.ts";
import { fetchRef, freshClone, pushBranch, revertCommit } from "../github/git.ts";
import type { RepoClient } from "../github/repo.ts";
import { changeMarker, withChangeMarker } from "../github/markers.ts";
import { verdictFor } from "../policy.ts";
import { move } from "../progress/report.ts";
import type { ChangeRow } from "../store/changes.ts";
import { gate } from "./review.ts";
import { openVote } from "./votes.ts";

export async function startChange(ctx: AppContext, id: string): Promise<void> {
  const release = await ctx.locks.acquire(id);
  let opened = false;
  try {
    const c = await claimQueued(ctx, id);
    if (c) opened = await writeClaimed(ctx, c);
  } finally {
    release();
  }
  if (opened) await gate(ctx, id, ctx.log.child({ changeId: id }));
}

/**
 * With the change's lock held: if it is still queued, marks it started and moves it to
 * working (what the worker's admission counts), else null — another replica, or an earlier
 * pass, took it.
 */
export async function claimQueued(ctx: AppContext, id: string): Promise<ChangeRow | null> {
  const { changes } = ctx.store;
  let c = changes.byId(id);
  if (!c || c.state !== "queued") return null;
  c = changes.markStarted(id);
  return (await move(ctx, c, "working", c.kind === "revert" ? "writing the revert" : "the agent is writing the change"))!;
}

/**
 * With the change's lock held, from working: the attempt (agent or revert) up to its pull
 * request. True when the PR is open and the merge gate should run next (after the lock is released).
 */
export async function writeClaimed(ctx: AppContext, c: ChangeRow): Promise<boolean> {
  const log = ctx.log.child({ changeId: c.id });
  const { changes, audit } = ctx.store;
  let attempt: Attempt | undefined;
  try {
    attempt = startAttempt(join(ctx.config.dataDir, "work"), c.id);
    const dir = attempt.dir;
    if (c.kind === "revert") await writeRevert(ctx, c, dir, log);
    else await writeChange(ctx, c, dir, log);
    return true;
  } catch (e) {
    if (e instanceof HandledFailure) return false;
    if (e instanceof LostClaim) {
      log.warn("stopped writing a change whose claim was lost with the database session; the replica that took it over writes it");
      return false;
    }
    const reason = (e as Error).message;
    log.warn({ err: e }, "change failed before its pull request");
    audit.record(c.id, "work.failed", { reason });
    await move(ctx, changes.byId(c.id)!, "failed", `could not open the pull request: ${reason}`);
    return false;
  } finally {
    attempt?.release();
  }
}

async function clone(
  ctx: AppContext,
  gh: RepoClient,
  dir: string,
  id: string,
): Promise<{ repoDir: string; base: { name: string; sha: string }; token: string }> {
  const token = await gh.token();
  const base = await gh.defaultBranch();
  const repoDir = await freshClone(dir, id, `${ctx.config.gitUrl}/${ctx.config.owner}/${ctx.config.repo}.git`, token);
  return { repoDir, base, token };
}

async function writeChange(ctx: AppContext, c: ChangeRow, dir: string, log: Logger): Promise<void> {
  const { changes, audit } = ctx.store;
  if (!c.request) throw new Error("its stored request could not be read back");
  const gh = await ctx.client();
  const { repoDir, base, token } = await clone(ctx, gh, dir, c.id);
  const branch = branchFor(c.id);
  const lastFollowUp = c.followUps.at(-1);
  const followUp = c.prNumber && lastFollowUp !== undefined ? { kind: lastFollowUp.kind, text: lastFollowUp.text } : undefined;
  if (followUp) await fetchRef(repoDir, `+refs/heads/${branch}:refs/heads/${branch}`, token);
  const res = await ctx.writer({
    request: c.request,
    repoDir,
    baseRef: base.sha,
    followUp,
    feedback: recentFeedback(ctx),
    log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o as object, m) },
  });
  if (!res.ok) {
    audit.record(c.id, "agent.failed", { reason: res.reason });
    await move(ctx, changes.byId(c.id)!, "failed", `the agent could not make this change: ${res.reason}`);
    throw new HandledFailure();
  }
  audit.record(c.id, "agent.done", { commit: res.commit, followUp: Boolean(followUp) });
  fence(ctx, c.id);
  await pushBranch(repoDir, res.commit, branch, token);
  const verdict = res.verdict;
  const body = withChangeMarker([res.body, "", c.issueNumber ? `Closes #${c.issueNumber}` : ""].join("\n"), c.id);
  const pr = await openOrUpdate(gh, c, { title: res.title, body, head: branch, base: base.name });
  await gh.addLabels(pr.number, ["ouro", `risk:${verdict.risk}`]);
  audit.record(c.id, "pr.opened", {
    pr: pr.number,
    url: pr.url,
    commit: res.commit,
    risk: verdict.risk,
    decision: verdict.decision,
    requiredApprovals: verdict.requiredApprovals,
    automerge: verdict.automerge,
  });
  const p = await ctx.policy();
  await openVote(ctx, c, p, res.commit); // the vote's window starts with the PR; a new head shows the tally so far
  await move(
    ctx,
    changes.byId(c.id)!,
    "pr",
    `pull request #${pr.number} opened; waiting for checks`,
    { prNumber: pr.number, prUrl: pr.url, branch, headSha: res.commit, risk: verdict.risk, verdict },
    { streamOnly: true },
  ); // the gate's answer right after updates GitHub
}

/** The open PR for this change (by number or by branch), updated; or a new one. */
async function openOrUpdate(gh: RepoClient, c: ChangeRow, p: { title: string; body: string; head: string; base: string }) {
  const known = c.prNumber ? await gh.pull(c.prNumber) : null;
  const existing = known && known.state === "open" ? known : await gh.openPullForBranch(p.head);
  if (existing) {
    await gh.updatePull(existing.number, { title: p.title, body: p.body });
    return existing;
  }
  return gh.openPull(p);
}

async function writeRevert(ctx: AppContext, c: ChangeRow, dir: string, log: Logger): Promise<void> {
  const { changes, audit } = ctx.store;
  const orig = c.revertOf ? changes.byId(c.revertOf) : null;
  if (!orig?.mergeSha || !orig.prNumber) throw new Error("the change to revert was never merged");
  const gh = await ctx.client();
  const { repoDir, base, token } = await clone(ctx, gh, dir, c.id);
  const message = `Revert "${orig.title}"\n\nThis reverts merge ${orig.mergeSha} of #${orig.prNumber} (change ${orig.id}).\nReason: ${c.text}`;
  const commit = await revertCommit(repoDir, orig.mergeSha, message);
  const branch = branchFor(c.id); // `ouro/revert-<PR number>`
  fence(ctx, c.id);
  await pushBranch(repoDir, commit, branch, token);
  const verdict = verdictFor(repoDir, base.sha, commit, { author: gh.botLogin, labels: ["ouro", "rollback"] });
  const body = [
    `Reverts #${orig.prNumber} (change \`${orig.id}\`), made mechanically with \`git revert\` of ${orig.mergeSha}.`,
    "",
    `**Why:** ${c.text}`,
    "",
    `Policy verdict (base branch): **${verdict.decision}** · risk **${verdict.risk}** · approvals required: ${verdict.requiredApprovals} · automerge: ${verdict.automerge ? "allowed" : "no"}`,
    "",
    changeMarker(c.id),
  ].join("\n");
  const pr = await openOrUpdate(gh, c, { title: `Revert: ${orig.title}`, body, head: branch, base: base.name });
  await gh.addLabels(pr.number, ["rollback", "ouro", `risk:${verdict.risk}`]);
  log.info({ pr: pr.number }, "revert pull request opened");
  audit.record(c.id, "pr.opened", { pr: pr.number, url: pr.url, commit, risk: verdict.risk, revertOf: orig.id });
  audit.record(orig.id, "rollback", { reason: c.text, revertPr: pr.number, revertPrUrl: pr.url });
  await move(
    ctx,
    changes.byId(c.id)!,
    "pr",
    `revert pull request #${pr.number} opened`,
    { prNumber: pr.number, prUrl: pr.url, branch, headSha: commit, risk: verdict.risk, verdict },
    { streamOnly: true },
  );
  const o = changes.byId(orig.id)!;
  await move(ctx, o, "rolled-back", `rolled back: ${c.text}; revert pull request #${pr.number}`, { revertChange: c.id });
}

/**
 * Before anything leaves for GitHub: the change's lock is still ours. A replica whose database
 * session was lost (and re-made) while it wrote has lost its locks with it, and another
 * replica may be writing the change now; this one stops without a word to GitHub or the store.
 */
function fence(ctx: AppContext, id: string): void {
  if (!ctx.locks.stillHeld(id)) throw new LostClaim();
}

class LostClaim extends Error {
  constructor() {
    super("the change's lock was lost with the database session");
  }
}

/** The failure was already recorded and reported; only unwinds the step. */
export class HandledFailure extends Error {
  constructor() {
    super("handled");
  }
}
