// After the PR: checks, approvals and votes decide. The gate is re-evaluated on every event
// that can change its answer (check runs/suites, statuses, reviews, votes, resume) and is
// idempotent: it merges at most once, asks for reviewers once per head, fails once per head.
import type { Logger } from "pino";
import type { Verdict } from "../../actions/policy-check/src/types.ts";
import type { Engine } from "../engine.ts";
import * as breaker from "../logic/breaker.ts";
import { ownersFor, parseCodeowners } from "../logic/codeowners.ts";
import { decideMerge, netVotes } from "../logic/merge-gate.ts";
import type { ChangeRow } from "../store.ts";
import { markMerged } from "./deploy.ts";

const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

export async function gate(eng: Engine, id: string, log: Logger): Promise<void> {
  const merged = await eng.withLock(id, async (): Promise<{ sha: string } | null> => {
    const c = eng.store.change(id);
    if (!c || !c.prNumber || !c.verdictJson || !["pr", "checks", "review"].includes(c.state)) return null;
    const gh = await eng.client();
    const pull = await gh.pull(c.prNumber);
    if (pull.state !== "open") return null; // the pull_request.closed event takes it from here
    const p = await eng.policy();
    const checks = await gh.checksState(pull.headSha);
    eng.store.setKey(`checks:${c.id}`, checks.state);
    const votes = eng.store.votes(c.id);
    const verdict = JSON.parse(c.verdictJson) as Verdict;
    const decision = decideMerge({
      verdict: p.error ? { ...verdict, automerge: false } : verdict,
      reviews: await gh.reviews(c.prNumber),
      excluded: [c.requesterLogin ?? "", gh.botLogin, pull.author].filter(Boolean),
      checks: checks.state,
      votes: { required: p.policy.votes.required, ...votes },
      stopped: eng.stopped(p),
      breakerOpen: !breaker.allowsWork(eng.breakerState(), eng.now(), p.policy.circuitBreaker),
      headMatches: pull.headSha === c.headSha,
    });
    log.debug({ decision }, "merge gate");
    switch (decision.action) {
      case "wait":
        await eng.move(c, "checks", decision.reason);
        return null;
      case "failed": {
        const key = `ci-failure:${pull.headSha}`;
        if (!eng.store.key(key)) {
          eng.store.setKey(key, c.id);
          eng.store.audit(c.id, "checks.failed", { sha: pull.headSha, summary: checks.summary });
          eng.breakerFailure(p.policy.circuitBreaker, c.id, `checks failed on #${c.prNumber}`);
          eng.feedback(c, "ci-failure", `checks ${checks.summary}`);
        }
        await eng.move(c, "failed", `checks ${checks.summary}; comment \`/ouro <what to fix>\` for a follow-up or \`/ouro retry\``);
        return null;
      }
      case "review": {
        await requestReviewers(eng, c, pull.headSha, log);
        await eng.move(c, "review", `${decision.reason}; waiting for review`);
        return null;
      }
      case "merge": {
        const title = `Merge #${c.prNumber}: ${c.title} (Ouro, risk ${verdict.risk})`;
        const sha = await gh.merge(c.prNumber, pull.headSha, title);
        eng.store.audit(c.id, "merged.auto", { pr: c.prNumber, sha, approvals: decision.approvals });
        log.info({ pr: c.prNumber, sha }, "merged automatically");
        return { sha };
      }
    }
  });
  if (merged) await markMerged(eng, id, merged.sha, log);
}

async function requestReviewers(eng: Engine, c: ChangeRow, headSha: string, log: Logger): Promise<void> {
  const key = `reviewers:${c.id}:${headSha}`;
  if (eng.store.key(key)) return;
  const gh = await eng.client();
  const base = await gh.defaultBranch();
  let text: string | null = null;
  for (const path of CODEOWNERS_PATHS) {
    text = await gh.readFile(path, base.sha);
    if (text !== null) break;
  }
  const owners = text ? ownersFor(parseCodeowners(text), await gh.changedFiles(c.prNumber!), [c.requesterLogin ?? "", gh.botLogin]) : { users: [], teams: [] };
  eng.store.setKey(key, JSON.stringify(owners));
  if (owners.users.length === 0 && owners.teams.length === 0) {
    eng.store.audit(c.id, "reviewers.none", { reason: text ? "no code owner for these files" : "no CODEOWNERS file" });
    return;
  }
  try {
    await gh.requestReviewers(c.prNumber!, owners.users, owners.teams);
    eng.store.audit(c.id, "reviewers.requested", owners);
  } catch (e) {
    // e.g. an owner without access: the request is best effort, the PR still waits for review
    log.warn({ err: e, owners }, "could not request reviewers");
    eng.store.audit(c.id, "reviewers.failed", { ...owners, error: (e as Error).message });
  }
}

/** A Discord vote on a change; reported on the PR head as the `ouro/votes` status. */
export async function vote(eng: Engine, id: string, voter: string, value: "up" | "down", log: Logger): Promise<{ up: number; down: number; needed: number }> {
  const p = await eng.policy();
  const c = eng.store.change(id);
  if (!c) throw new Error(`no change ${id}`);
  eng.store.vote(id, voter, value);
  const votes = eng.store.votes(id);
  eng.store.audit(id, "vote", { voter, vote: value, ...votes });
  const needed = p.policy.votes.required;
  await eng.withLock(id, () => eng.report(eng.store.change(id)!)); // the new count reaches Discord
  if (c.headSha && needed > 0 && ["pr", "checks", "review"].includes(c.state)) {
    const gh = await eng.client();
    const ok = netVotes(votes) >= needed;
    await gh.setStatus(c.headSha, "ouro/votes", ok ? "success" : "pending", `${netVotes(votes)} of ${needed} community votes`);
    await gate(eng, id, log);
  }
  return { ...votes, needed };
}
