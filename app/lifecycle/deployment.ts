// Merged → a GitHub Deployment (environment production) that the deploy hook acts on;
// its statuses come back here. A failed deployment (or `/ouro revert`, or the bot's
// /rollback) → a mechanical revert PR, queued ahead of everything else and started at once.
import type { Logger } from "pino";
import { ROLLBACK_TASK } from "../../contract/deployments.ts";
import type { AppContext } from "../context.ts";
import { isoNow } from "../context.ts";
import { rememberFeedback } from "../feedback-memory.ts";
import { move } from "../progress/report.ts";
import type { ChangeRow } from "../store/changes.ts";
import { recordBreakerFailure, recordBreakerSuccess } from "../switches/circuit-breaker.ts";

const OPEN = ["pr", "checks", "review"];

export async function markMerged(ctx: AppContext, id: string, mergeSha: string, log: Logger): Promise<void> {
  const { changes, audit, keys } = ctx.store;
  await ctx.locks.withLock(id, async () => {
    let c = changes.byId(id);
    if (!c) return;
    if (OPEN.includes(c.state) || (c.state === "failed" && c.prNumber)) {
      audit.record(c.id, "merged", { pr: c.prNumber, sha: mergeSha });
      c = (await move(ctx, c, "merged", `merged as ${mergeSha.slice(0, 7)}; deploying`, { mergeSha }))!;
    }
    if (c.state !== "merged" || c.deploymentId) return;
    const gh = await ctx.client();
    let depId = keys.deploymentOf(c.id) || (await gh.findDeployment(mergeSha, c.id));
    if (depId && !ctx.store.audit.of(c.id).some((a) => a.event === "deployment.created"))
      audit.record(c.id, "deployment.created", { id: depId, sha: mergeSha, foundAgain: true }); // made before a crash
    if (!depId) {
      depId = await gh.createDeployment(mergeSha, c.id, c.prNumber ?? 0, `${c.kind === "revert" ? "Revert" : "Ouro"}: ${c.title}`);
      audit.record(c.id, "deployment.created", { id: depId, sha: mergeSha });
      log.info({ deployment: depId }, "deployment created");
    }
    keys.setDeploymentOf(c.id, depId);
    changes.update(c.id, { deploymentId: depId });
  });
  void ctx.events.emit("merged", { changeId: id }); // a PR slot is free
}

export async function closedUnmerged(ctx: AppContext, id: string, log: Logger): Promise<void> {
  await ctx.locks.withLock(id, async () => {
    const c = ctx.store.changes.byId(id);
    if (!c || !OPEN.includes(c.state)) return;
    const p = await ctx.policy();
    ctx.store.audit.record(c.id, "pr.closed", { pr: c.prNumber });
    recordBreakerFailure(ctx, p.policy.circuitBreaker, c.id, `#${c.prNumber} closed without merging`);
    rememberFeedback(ctx, c, "rejected", "a reviewer closed the pull request without merging it");
    log.info("pull request closed without merging");
    await move(ctx, c, "failed", "the pull request was closed without merging");
  });
  void ctx.events.emit("pr-closed", { changeId: id });
}

// The deploy hook's task for "put the previous release back now": one definition, the hook's.
export { ROLLBACK_TASK };

/** What a deployment_status webhook (or the deployment list) says of the deployment itself. */
export interface DeploymentInfo {
  sha: string;
  task: string;
  environment: string;
  creator?: string | null;
}

export async function deploymentStatus(
  ctx: AppContext,
  deploymentId: number,
  state: string,
  description: string,
  log: Logger,
  deployment?: DeploymentInfo,
): Promise<void> {
  // One status is acted on once (webhook, redelivery and reconcile may all bring it), and
  // marked seen only after its effects: a crash in between acts on it again after the
  // restart, and every effect below is safe to repeat (moves, the revert by its key).
  await ctx.locks.withLock(`deployment:${deploymentId}`, async () => {
    const { keys } = ctx.store;
    if (keys.deploymentStatusSeen(deploymentId, state)) return;
    // A deployment not (yet) known as ours is left unmarked: reconcile finds it again later.
    if (await actOnStatus(ctx, deploymentId, state, description, log, deployment)) keys.markDeploymentStatusSeen(deploymentId, state);
  });
}

/** Acts on one status; false when the deployment is none of the app's (or not known yet). */
async function actOnStatus(
  ctx: AppContext,
  deploymentId: number,
  state: string,
  description: string,
  log: Logger,
  deployment?: DeploymentInfo,
): Promise<boolean> {
  const { changes, audit, keys, values } = ctx.store;
  const rollbackOf = keys.rollbackDeploymentOf(deploymentId);
  if (rollbackOf) {
    recordOnce(ctx, deploymentId, state, () =>
      audit.record(rollbackOf, "rollback.deployment.status", { id: deploymentId, state, description }),
    );
    return true;
  }
  const c = changes.byDeployment(deploymentId) ?? (deployment ? await adoptDeployment(ctx, deploymentId, deployment, log) : null);
  if (!c) return false;
  if (state !== "success" && state !== "failure" && state !== "error") {
    audit.record(c.id, "deployment.progress", { id: deploymentId, state, description });
    return true;
  }
  const p = await ctx.policy();
  if (state === "success") {
    recordOnce(ctx, deploymentId, state, () => {
      audit.record(c.id, "deployment.status", { id: deploymentId, state, sha: c.mergeSha, description });
      recordBreakerSuccess(ctx, p.policy.circuitBreaker, c.id);
      if (c.mergeSha) values.saveLastDeploy({ commit: c.mergeSha, prUrl: c.prUrl, deployedAt: isoNow(ctx), changeId: c.id });
    });
    await ctx.locks.withLock(c.id, async () => {
      const cur = changes.byId(c.id)!;
      if (cur.state === "merged") await move(ctx, cur, "deployed", "deployed to production");
    });
    // Deployments the hook skipped as superseded went live inside this one.
    for (const o of changes.inStates(["merged"]))
      if (o.deploymentId && keys.deploymentStatusSeen(o.deploymentId, "inactive")) await supersededLive(ctx, o, c);
    void ctx.events.emit("deployed", { changeId: c.id });
    return true;
  }
  if (state === "error") {
    // The hook could not run this deployment (unknown commit, another deploy running, …):
    // nothing was switched and nothing is known to be wrong with the change — no revert,
    // no breaker count. It stays merged, with the reason shown, for a maintainer to redeploy.
    audit.record(c.id, "deployment.status", { id: deploymentId, state, sha: c.mergeSha, description });
    log.warn({ deployment: deploymentId, description }, "the deploy hook could not run the deployment");
    await ctx.locks.withLock(c.id, async () => {
      const cur = changes.byId(c.id)!;
      if (cur.state === "merged")
        await move(ctx, cur, "merged", `not deployed: the deploy hook could not run it${description ? ` (${description})` : ""}`);
    });
    return true;
  }
  recordOnce(ctx, deploymentId, state, () => {
    audit.record(c.id, "deployment.status", { id: deploymentId, state, sha: c.mergeSha, description });
    recordBreakerFailure(ctx, p.policy.circuitBreaker, c.id, `deployment of ${c.id} failed`);
  });
  if (c.kind === "revert") {
    await ctx.locks.withLock(c.id, async () => {
      await move(ctx, changes.byId(c.id)!, "failed", `the revert's deployment failed: ${description}`);
    });
    return true;
  }
  log.warn({ deployment: deploymentId }, "deployment failed: opening a revert pull request");
  await rollback(ctx, c.id, "deploy hook", `deployment failed${description ? `: ${description}` : ""}`, log, { countFailure: false }); // counted above
  return true;
}

/**
 * A deployment the app did not make — created again by hand (e.g. after a failed one, or
 * an error from the hook) — of a merged change's commit becomes that change's deployment,
 * when it is newer than the one the change has: its statuses then count as the change's
 * (deployed, or reverted), each once, and the change's reconcile follows it. Audited.
 * Rollback tasks and other environments are not adopted; nor is an older deployment (the
 * `inactive` GitHub gives a superseded one must not take the change back).
 */
async function adoptDeployment(ctx: AppContext, deploymentId: number, d: DeploymentInfo, log: Logger): Promise<ChangeRow | null> {
  if (d.task !== "deploy" || d.environment !== "production" || !/^[0-9a-f]{40}$/.test(d.sha)) return null;
  const { changes, audit, keys } = ctx.store;
  const match = changes
    .inStates(["merged", "deployed", "failed"])
    .filter((c) => c.mergeSha === d.sha && (c.deploymentId ?? 0) < deploymentId)
    .at(-1);
  if (!match) return null;
  return ctx.locks.withLock(match.id, async () => {
    const c = changes.byId(match.id)!;
    if (c.mergeSha !== d.sha || (c.deploymentId ?? 0) >= deploymentId) return changes.byDeployment(deploymentId);
    ctx.store.tx(() => {
      audit.record(c.id, "deployment.adopted", { id: deploymentId, sha: d.sha, previous: c.deploymentId, by: d.creator ?? null });
      keys.setDeploymentOf(c.id, deploymentId);
      changes.update(c.id, { deploymentId });
    });
    log.info(
      { deployment: deploymentId, previous: c.deploymentId, changeId: c.id },
      "a deployment made by hand of a merged change's commit",
    );
    return changes.byId(c.id);
  });
}

/**
 * Deployments of a merged change's commit newer than its own (made by hand) whose statuses
 * the app missed (down, a failed delivery): adopted and caught up, as their webhooks would.
 */
export async function catchUpNewerDeployments(ctx: AppContext, c: ChangeRow, log: Logger): Promise<void> {
  if (!c.mergeSha) return;
  const gh = await ctx.client();
  const newer = (await gh.deploymentsOf(c.mergeSha)).filter((d) => d.id > (c.deploymentId ?? 0)).sort((a, b) => a.id - b.id);
  for (const d of newer) {
    if (ctx.store.keys.rollbackDeploymentOf(d.id)) continue;
    const statuses = (await gh.deploymentStatuses(d.id)).reverse();
    for (const s of statuses) await deploymentStatus(ctx, d.id, s.state, s.description, log, d);
  }
}

/** The store writes for one status, in one transaction, once (a repeat after a crash skips them). */
function recordOnce(ctx: AppContext, deploymentId: number, state: string, fn: () => void): void {
  const { keys } = ctx.store;
  ctx.store.tx(() => {
    if (keys.deploymentStatusSeen(deploymentId, `${state}:recorded`)) return;
    fn();
    keys.markDeploymentStatusSeen(deploymentId, `${state}:recorded`);
  });
}

/**
 * A deployment's statuses read back from GitHub, oldest first, and each acted on as if its
 * webhook had come (those already acted on are skipped): a status the app missed while it
 * was down, or whose delivery failed, is not lost. A deployment the hook skipped as
 * superseded (`inactive`) is live once a later deployment has succeeded.
 */
export async function catchUpDeployment(ctx: AppContext, deploymentId: number, log: Logger): Promise<void> {
  const gh = await ctx.client();
  const statuses = (await gh.deploymentStatuses(deploymentId)).reverse();
  for (const s of statuses) await deploymentStatus(ctx, deploymentId, s.state, s.description, log);
  const { changes, keys, values } = ctx.store;
  const c = changes.byDeployment(deploymentId);
  if (c?.state !== "merged" || !keys.deploymentStatusSeen(deploymentId, "inactive")) return;
  const last = values.lastDeploy();
  const live = last?.changeId ? changes.byId(last.changeId) : null;
  if (live?.deploymentId && live.deploymentId > deploymentId) await supersededLive(ctx, c, live);
}

/** `o`'s own deployment was skipped as superseded; it went live inside `live`'s. */
async function supersededLive(ctx: AppContext, o: ChangeRow, live: ChangeRow): Promise<void> {
  const { changes, audit } = ctx.store;
  await ctx.locks.withLock(o.id, async () => {
    const cur = changes.byId(o.id)!;
    if (cur.state !== "merged") return;
    audit.record(o.id, "deployment.status", {
      id: o.deploymentId,
      state: "success",
      sha: o.mergeSha,
      description: `live with ${live.mergeSha?.slice(0, 7)}`,
    });
    await move(ctx, cur, "deployed", `deployed to production with ${live.mergeSha?.slice(0, 7)} (its own deployment was superseded)`);
  });
}

async function rollbackDeployment(ctx: AppContext, c: ChangeRow, log: Logger): Promise<void> {
  const gh = await ctx.client();
  const base = await gh.defaultBranch();
  const id = await gh.createDeployment(base.sha, c.id, c.prNumber ?? 0, `Roll back ${c.title}`, ROLLBACK_TASK);
  ctx.store.keys.setRollbackDeployment(id, c.id);
  ctx.store.audit.record(c.id, "rollback.deployment.created", { id });
  log.info({ deployment: id }, "asked the deploy hook for the previous release");
}

export class RollbackRefused extends Error {
  override name = "RollbackRefused";
}

/**
 * Queues the revert of a merged change and waits for the worker to start it (`revert-queued`),
 * so the caller can tell where its PR is; the same change is reverted once.
 */
export async function rollback(
  ctx: AppContext,
  id: string,
  by: string,
  reason: string,
  log: Logger,
  opts: { countFailure?: boolean } = {},
): Promise<ChangeRow> {
  const { changes, audit } = ctx.store;
  const revertId = await ctx.locks.withLock(`rollback:${id}`, async () => {
    const c = changes.byId(id);
    if (!c) throw new RollbackRefused(`no change ${id}`);
    if (c.kind === "revert") throw new RollbackRefused(`${id} is itself a revert; revert it by hand if needed`);
    if (!c.mergeSha || !c.prNumber) throw new RollbackRefused(`${id} is not merged (state ${c.state}); close its pull request instead`);
    const rid = `revert-${c.prNumber}`;
    if (changes.byId(rid)) return rid;
    changes.insert({
      id: rid,
      requestId: rid,
      kind: "revert",
      source: "rollback",
      requester: by,
      requesterKey: `rollback:${by}`,
      text: reason,
      title: `Revert: ${c.title}`,
      issueNumber: c.issueNumber,
      issueUrl: c.issueUrl,
      revertOf: c.id,
    });
    audit.record(rid, "request", { source: "rollback", by, reason, revertOf: c.id });
    audit.record(c.id, "rollback.requested", { by, reason, revert: rid });
    rememberFeedback(ctx, c, "rolled-back", reason);
    if (opts.countFailure ?? true) {
      recordBreakerFailure(ctx, (await ctx.policy()).policy.circuitBreaker, c.id, `${c.id} rolled back by ${by}`);
      // The fast path: the deploy hook puts the previous release back now; the revert PR
      // reconciles main afterwards. (After a failed deployment the hook already did this.)
      if (c.state === "deployed" || c.state === "merged") await rollbackDeployment(ctx, c, log);
    }
    log.info({ revert: rid }, "rollback requested");
    return rid;
  });
  await ctx.events.emit("revert-queued", { changeId: revertId });
  return changes.byId(revertId)!;
}
