// The agent's view of the policy: always loaded from the BASE commit (never from the
// worktree it edits), used for write permission, budgets, and the verdict on its change.
import { resolve } from "node:path";
import { readPolicyFilesAtRef } from "../../policy-engine/policy-files.ts";
import { loadPolicy, type LoadResult, type PolicyFile } from "../../policy-engine/policy/load.ts";
import { isEditablePath, isProtectedPath } from "../../policy-engine/policy/paths.ts";
import type { Policy } from "../../policy-engine/policy/schema.ts";
import { readChangeSet } from "../../policy-engine/git.ts";
import { evaluate } from "../../policy-engine/engine.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import { resolveBudgets, type Budgets } from "./budgets.ts";
import type { CheckOutcome } from "./checks.ts";
import type { WriteGuard } from "./paths.ts";

export interface BasePolicy {
  policy: Policy;
  guard: WriteGuard;
  budgets: Budgets;
}

export class PolicyUnavailable extends Error {}

/**
 * Policies already loaded in this process, by what they were loaded from: a commit (its files
 * never change: the id is a hash of them) or the exact text of the trusted files. Most runs
 * start from the same base, and reading and parsing it took three git processes and a YAML
 * parse each time. Each caller gets a copy of its own.
 */
const loadedPolicies = new Map<string, LoadResult>();
const MAX_LOADED_POLICIES = 16;

function loadPolicyOnce(repoDir: string, baseSha: string, files: PolicyFile[] | undefined): LoadResult {
  // only a full commit id names fixed files: a branch or a short id is read every time
  const fixed = files !== undefined || /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(baseSha);
  if (!fixed) return loadPolicy(readPolicyFilesAtRef(repoDir, baseSha));
  const key = files ? JSON.stringify(["files", files.map((f) => [f.path, f.text])]) : JSON.stringify(["commit", resolve(repoDir), baseSha]);
  let loaded = loadedPolicies.get(key);
  if (!loaded) {
    loaded = loadPolicy(files ?? readPolicyFilesAtRef(repoDir, baseSha));
    if (loadedPolicies.size >= MAX_LOADED_POLICIES) loadedPolicies.delete(loadedPolicies.keys().next().value!);
    loadedPolicies.set(key, loaded);
  }
  return structuredClone(loaded);
}

/** Loads the policy at `baseSha` (or the given trusted files); a policy that fails to load stops the run. */
export function loadBasePolicy(repoDir: string, baseSha: string, files?: PolicyFile[], budgetOverrides?: Partial<Budgets>): BasePolicy {
  const loaded: LoadResult = loadPolicyOnce(repoDir, baseSha, files);
  if (!loaded.ok) {
    const detail = loaded.errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ""}: ${e.message}`).join("; ");
    throw new PolicyUnavailable(`the base policy did not load, so no self-edit can be judged: ${detail}`);
  }
  const policy = loaded.policy;
  const a = policy.agent;
  return {
    policy,
    guard: guardFor(policy),
    budgets: resolveBudgets(
      { maxTurns: a.maxTurns, maxTokens: a.maxTokens, wallTimeMs: a.wallTimeSeconds * 1000, fixRounds: a.fixRounds },
      budgetOverrides,
    ),
  };
}

export function guardFor(policy: Policy): WriteGuard {
  return (rel) => {
    if (isProtectedPath(policy, rel)) return `"${rel}" is a protected path: the policy never lets a self-edit change it`;
    if (!isEditablePath(policy, rel)) return `"${rel}" is outside the policy's editable paths (${policy.editable.join(", ")})`;
    return undefined;
  };
}

export interface PolicyOutcome extends CheckOutcome {
  verdict: Verdict;
}

/** The engine's verdict on base..head as a self-edit; a block is a failed check. */
export function checkPolicy(
  repoDir: string,
  base: string,
  head: string,
  policy: Policy,
  facts: { author?: string; labels?: string[] } = {},
): PolicyOutcome {
  const started = performance.now();
  const change = readChangeSet(repoDir, base, head);
  const verdict = evaluate(change, { ok: true, policy }, { author: facts.author, labels: facts.labels ?? [], selfEdit: true });
  const blocking = verdict.findings.filter((f) => f.severity === "error");
  const ok = verdict.decision !== "block";
  const lines = verdict.findings.map(
    (f) => `${f.severity} ${f.rule}${f.file ? ` ${f.file}${f.line ? `:${f.line}` : ""}` : ""}: ${f.message}`,
  );
  return {
    name: "policy",
    ok,
    verdict,
    durationMs: performance.now() - started,
    diagnostics: (ok ? verdict.findings : blocking).map((f) => ({
      file: f.file,
      line: f.line,
      column: f.column,
      message: `${f.rule}: ${f.message}`,
    })),
    summary: `policy ${verdict.decision} (risk ${verdict.risk}, ${verdict.requiredApprovals} approval(s))${lines.length ? `\n${lines.join("\n")}` : ""}`,
  };
}
