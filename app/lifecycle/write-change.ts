// The worker's step for one queued change: a fresh clone of the default branch, then the
// agent (or the mechanical revert), a force-push of exactly that commit to the change's own
// branch, and the pull request opened AS THE APP — or found again and updated, so one
// request never has two open PRs (a restart re-runs this step safely).
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Engine } from "../engine.ts";
import { fetchRef, freshClone, pushBranch, revertCommit } from "../github/git.ts";
import type { RepoClient } from "../github/repo.ts";
import { changeMarker } from "../github/markers.ts";
import { verdictFor } from "../policy.ts";
import type { ChangeRow } from "../store.ts";
import type { WriteRequest } from "../writer.ts";
import { gate } from "./review.ts";

interface StoredRequest {
  recipe?: WriteRequest["recipe"];
  discordId?: string;
  roles?: string[];
}

export function installWorker(eng: Engine): void {
  eng.startChange = (id) => startChange(eng, id);
}

export async function startChange(eng: Engine, id: string): Promise<void> {
  const log = eng.log.child({ changeId: id });
  const opened = await eng.withLock(id, async () => {
    let c = eng.store.change(id);
    if (!c || c.state !== "queued") return false;
    eng.store.updateChange(id, { startedAt: eng.now() });
    c = (await eng.move(c, "working", c.kind === "revert" ? "writing the revert" : "the agent is writing the change"))!;
    const dir = join(eng.config.dataDir, "work");
    try {
      if (c.kind === "revert") await writeRevert(eng, c, dir, log);
      else await writeChange(eng, c, dir, log);
      return true;
    } catch (e) {
      if (e instanceof HandledFailure) return false;
      const reason = (e as Error).message;
      log.warn({ err: e }, "change failed before its pull request");
      eng.store.audit(id, "work.failed", { reason });
      const cur = eng.store.change(id)!;
      await eng.move(cur, "failed", `could not open the pull request: ${reason}`);
      return false;
    } finally {
      rmSync(join(dir, id), { recursive: true, force: true });
    }
  });
  if (opened) await gate(eng, id, log);
}

async function clone(
  eng: Engine,
  gh: RepoClient,
  dir: string,
  id: string,
): Promise<{ repoDir: string; base: { name: string; sha: string }; token: string }> {
  const token = await gh.token();
  const base = await gh.defaultBranch();
  const repoDir = await freshClone(dir, id, `${eng.config.gitUrl}/${eng.config.owner}/${eng.config.repo}.git`, token);
  return { repoDir, base, token };
}

async function writeChange(eng: Engine, c: ChangeRow, dir: string, log: Logger): Promise<void> {
  const gh = await eng.client();
  const { repoDir, base, token } = await clone(eng, gh, dir, c.id);
  const stored = JSON.parse(c.requestJson) as StoredRequest;
  const branch = `ouro/${c.id}`;
  const followUp = c.prNumber && c.feedback.length > 0 ? { branch, text: c.feedback[c.feedback.length - 1] } : undefined;
  if (followUp) await fetchRef(repoDir, `+refs/heads/${branch}:refs/heads/${branch}`, token);
  const request: WriteRequest = {
    id: c.id,
    requester: { discordId: stored.discordId ?? "0", name: c.requester, roles: stored.roles ?? [] },
    text: c.text,
    ...(stored.recipe ? { recipe: stored.recipe } : {}),
  };
  const res = await eng.writer({
    request,
    repoDir,
    baseRef: base.sha,
    followUp,
    feedback: eng.recentFeedback(),
    log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o as object, m) },
  });
  if (!res.ok) {
    eng.store.audit(c.id, "agent.failed", { reason: res.reason });
    await eng.move(eng.store.change(c.id)!, "failed", `the agent could not make this change: ${res.reason}`);
    throw new HandledFailure();
  }
  eng.store.audit(c.id, "agent.done", { commit: res.commit, followUp: Boolean(followUp) });
  await pushBranch(repoDir, res.commit, branch, token);
  const verdict = verdictFor(repoDir, base.sha, res.commit, { author: gh.botLogin, labels: ["ouro"] });
  const body = [res.body, "", c.issueNumber ? `Closes #${c.issueNumber}` : "", changeMarker(c.id)].join("\n");
  const pr = await openOrUpdate(gh, c, { title: res.title, body, head: branch, base: base.name });
  await gh.addLabels(pr.number, ["ouro", `risk:${verdict.risk}`]);
  eng.store.audit(c.id, "pr.opened", {
    pr: pr.number,
    url: pr.url,
    commit: res.commit,
    risk: verdict.risk,
    decision: verdict.decision,
    requiredApprovals: verdict.requiredApprovals,
    automerge: verdict.automerge,
  });
  const p = await eng.policy();
  if (p.policy.votes.required > 0)
    await gh.setStatus(res.commit, "ouro/votes", "pending", `0 of ${p.policy.votes.required} community votes`);
  await eng.move(
    eng.store.change(c.id)!,
    "pr",
    `pull request #${pr.number} opened; waiting for checks`,
    {
      prNumber: pr.number,
      prUrl: pr.url,
      branch,
      headSha: res.commit,
      risk: verdict.risk,
      verdictJson: JSON.stringify(verdict),
    },
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

async function writeRevert(eng: Engine, c: ChangeRow, dir: string, log: Logger): Promise<void> {
  const orig = c.revertOf ? eng.store.change(c.revertOf) : null;
  if (!orig?.mergeSha || !orig.prNumber) throw new Error("the change to revert was never merged");
  const gh = await eng.client();
  const { repoDir, base, token } = await clone(eng, gh, dir, c.id);
  const message = `Revert "${orig.title}"\n\nThis reverts merge ${orig.mergeSha} of #${orig.prNumber} (change ${orig.id}).\nReason: ${c.text}`;
  const commit = await revertCommit(repoDir, orig.mergeSha, message);
  const branch = `ouro/revert-${orig.prNumber}`;
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
  eng.store.audit(c.id, "pr.opened", { pr: pr.number, url: pr.url, commit, risk: verdict.risk, revertOf: orig.id });
  eng.store.audit(orig.id, "rollback", { reason: c.text, revertPr: pr.number, revertPrUrl: pr.url });
  await eng.move(
    eng.store.change(c.id)!,
    "pr",
    `revert pull request #${pr.number} opened`,
    {
      prNumber: pr.number,
      prUrl: pr.url,
      branch,
      headSha: commit,
      risk: verdict.risk,
      verdictJson: JSON.stringify(verdict),
    },
    { streamOnly: true },
  );
  const o = eng.store.change(orig.id)!;
  await eng.move(o, "rolled-back", `rolled back: ${c.text}; revert pull request #${pr.number}`, { revertChange: c.id });
}

/** The failure was already recorded and reported; only unwinds the step. */
export class HandledFailure extends Error {
  constructor() {
    super("handled");
  }
}
