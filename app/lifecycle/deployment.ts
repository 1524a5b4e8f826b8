// Merged → a GitHub Deployment (environment production) that the deploy hook acts on;
// its statuses come back here. A failed deployment (or `/ouro revert`, or the bot's
// /rollback) → a mechanical revert PR, queued ahead of everything else.
import type { Logger } from "pino";
import type { Engine } from "../engine.ts";
import type { ChangeRow } from "../store.ts";
import { ROLLBACK_TASK } from "../../contract/deployments.ts";

const OPEN = ["pr", "checks", "review"];

export async function markMerged(eng: Engine, id: string, mergeSha: string, log: Logger): Promise<void> {
  await eng.withLock(id, async () => {
    let c = eng.store.change(id);
    if (!c) return;
    if (OPEN.includes(c.state) || (c.state === "failed" && c.prNumber)) {
      eng.store.audit(c.id, "merged", { pr: c.prNumber, sha: mergeSha });
      c = (await eng.move(c, "merged", `merged as ${mergeSha.slice(0, 7)}; deploying`, { mergeSha }))!;
    }
    if (c.state !== "merged" || c.deploymentId) return;
    const gh = await eng.client();
    const key = `deployment:${c.id}`;
    let depId = Number(eng.store.key(key) ?? 0) || (await gh.findDeployment(mergeSha, c.id));
    if (!depId) {
      depId = await gh.createDeployment(mergeSha, c.id, c.prNumber ?? 0, `${c.kind === "revert" ? "Revert" : "Ouro"}: ${c.title}`);
      eng.store.audit(c.id, "deployment.created", { id: depId, sha: mergeSha });
      log.info({ deployment: depId }, "deployment created");
    }
    eng.store.setKey(key, String(depId));
    eng.store.updateChange(c.id, { deploymentId: depId });
  });
  eng.kick(); // a PR slot is free
}

export async function closedUnmerged(eng: Engine, id: string, log: Logger): Promise<void> {
  await eng.withLock(id, async () => {
    const c = eng.store.change(id);
    if (!c || !OPEN.includes(c.state)) return;
    const p = await eng.policy();
    eng.store.audit(c.id, "pr.closed", { pr: c.prNumber });
    eng.breakerFailure(p.policy.circuitBreaker, c.id, `#${c.prNumber} closed without merging`);
    eng.feedback(c, "rejected", "a reviewer closed the pull request without merging it");
    log.info("pull request closed without merging");
    await eng.move(c, "failed", "the pull request was closed without merging");
  });
  eng.kick();
}

// The deploy hook's task for "put the previous release back now": one definition, the hook's.
export { ROLLBACK_TASK };

export async function deploymentStatus(eng: Engine, deploymentId: number, state: string, description: string, log: Logger): Promise<void> {
  const key = `deployment-status:${deploymentId}:${state}`;
  const rollbackOf = eng.store.key(`rollback-deployment:${deploymentId}`);
  if (rollbackOf) {
    if (!eng.store.key(key)) eng.store.audit(rollbackOf, "rollback.deployment.status", { id: deploymentId, state, description });
    eng.store.setKey(key, "1");
    return;
  }
  const c = eng.store.changeByDeployment(deploymentId);
  if (!c) return;
  if (eng.store.key(key)) return;
  if (state !== "success" && state !== "failure" && state !== "error") {
    eng.store.setKey(key, "1");
    eng.store.audit(c.id, "deployment.progress", { id: deploymentId, state, description });
    return;
  }
  eng.store.setKey(key, "1");
  const p = await eng.policy();
  eng.store.audit(c.id, "deployment.status", { id: deploymentId, state, sha: c.mergeSha, description });
  if (state === "success") {
    eng.breakerSuccess(p.policy.circuitBreaker, c.id);
    eng.store.set("lastDeploy", { commit: c.mergeSha, prUrl: c.prUrl, deployedAt: eng.iso(), changeId: c.id });
    await eng.withLock(c.id, async () => {
      const cur = eng.store.change(c.id)!;
      if (cur.state === "merged") await eng.move(cur, "deployed", "deployed to production");
    });
    // Deployments the hook skipped as superseded went live inside this one.
    for (const o of eng.store.changesIn(["merged"])) {
      if (!o.deploymentId || !eng.store.key(`deployment-status:${o.deploymentId}:inactive`)) continue;
      await eng.withLock(o.id, async () => {
        eng.store.audit(o.id, "deployment.status", {
          id: o.deploymentId,
          state: "success",
          sha: o.mergeSha,
          description: `live with ${c.mergeSha?.slice(0, 7)}`,
        });
        await eng.move(
          eng.store.change(o.id)!,
          "deployed",
          `deployed to production with ${c.mergeSha?.slice(0, 7)} (its own deployment was superseded)`,
        );
      });
    }
    eng.refreshDashboard();
    return;
  }
  if (state === "error") {
    // The hook could not run this deployment (unknown commit, another deploy running, …):
    // nothing was switched and nothing is known to be wrong with the change — no revert,
    // no breaker count. It stays merged, with the reason shown, for a maintainer to redeploy.
    log.warn({ deployment: deploymentId, description }, "the deploy hook could not run the deployment");
    await eng.withLock(c.id, async () => {
      const cur = eng.store.change(c.id)!;
      if (cur.state === "merged")
        await eng.move(cur, "merged", `not deployed: the deploy hook could not run it${description ? ` (${description})` : ""}`);
    });
    return;
  }
  eng.breakerFailure(p.policy.circuitBreaker, c.id, `deployment of ${c.id} failed`);
  if (c.kind === "revert") {
    await eng.withLock(c.id, async () => {
      await eng.move(eng.store.change(c.id)!, "failed", `the revert's deployment failed: ${description}`);
    });
    return;
  }
  log.warn({ deployment: deploymentId }, "deployment failed: opening a revert pull request");
  await rollback(eng, c.id, "deploy hook", `deployment failed${description ? `: ${description}` : ""}`, log, { countFailure: false }); // counted above
}

async function rollbackDeployment(eng: Engine, c: ChangeRow, log: Logger): Promise<void> {
  const gh = await eng.client();
  const base = await gh.defaultBranch();
  const id = await gh.createDeployment(base.sha, c.id, c.prNumber ?? 0, `Roll back ${c.title}`, ROLLBACK_TASK);
  eng.store.setKey(`rollback-deployment:${id}`, c.id);
  eng.store.audit(c.id, "rollback.deployment.created", { id });
  log.info({ deployment: id }, "asked the deploy hook for the previous release");
}

export class RollbackRefused extends Error {
  override name = "RollbackRefused";
}

/** Queues (and runs at once) the revert of a merged change; the same change is reverted once. */
export async function rollback(
  eng: Engine,
  id: string,
  by: string,
  reason: string,
  log: Logger,
  opts: { countFailure?: boolean } = {},
): Promise<ChangeRow> {
  const revertId = await eng.withLock(`rollback:${id}`, async () => {
    const c = eng.store.change(id);
    if (!c) throw new RollbackRefused(`no change ${id}`);
    if (c.kind === "revert") throw new RollbackRefused(`${id} is itself a revert; revert it by hand if needed`);
    if (!c.mergeSha || !c.prNumber) throw new RollbackRefused(`${id} is not merged (state ${c.state}); close its pull request instead`);
    const rid = `revert-${c.prNumber}`;
    if (eng.store.change(rid)) return rid;
    eng.store.insertChange({
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
    eng.store.audit(rid, "request", { source: "rollback", by, reason, revertOf: c.id });
    eng.store.audit(c.id, "rollback.requested", { by, reason, revert: rid });
    eng.feedback(c, "rolled-back", reason);
    if (opts.countFailure ?? true) {
      eng.breakerFailure((await eng.policy()).policy.circuitBreaker, c.id, `${c.id} rolled back by ${by}`);
      // The fast path: the deploy hook puts the previous release back now; the revert PR
      // reconciles main afterwards. (After a failed deployment the hook already did this.)
      if (c.state === "deployed" || c.state === "merged") await rollbackDeployment(eng, c, log);
    }
    log.info({ revert: rid }, "rollback requested");
    return rid;
  });
  await eng.startChange(revertId);
  return eng.store.change(revertId)!;
}
