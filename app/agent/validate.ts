// One validation pass over the worktree: snapshot commit, the base policy's verdict on
// base..snapshot FIRST, and only if it does not block, typecheck + tests (sandboxed, in
// parallel). Code the policy blocks is never run, not even in the sandbox.
import type { Policy } from "../../policy-engine/policy/schema.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import type { Budgets } from "./budgets.ts";
import { runTests, typecheck, type CheckOutcome } from "./checks.ts";
import { checkPolicy } from "./policy.ts";
import type { Warn } from "./sandbox.ts";
import type { WriteGuard } from "./paths.ts";
import { changedPaths, snapshot, type GitIdentity, type Worktree } from "./worktree.ts";

export interface Validation {
  ok: boolean;
  commit?: string;
  changed: string[];
  checks: CheckOutcome[];
  verdict?: Verdict;
  /** Set when validation could not start (no change, a path the policy refuses). */
  problem?: string;
  timings: { typecheckMs: number; testsMs: number; policyMs: number; checksMs: number };
}

export interface ValidateInput {
  wt: Worktree;
  /** Commit the snapshot goes on top of (the base, or the branch head for follow-ups). */
  parent: string;
  message: string;
  policy: Policy;
  guard: WriteGuard;
  budgets: Budgets;
  identity?: GitIdentity;
  author?: string;
  warn?: Warn;
}

export async function validate(v: ValidateInput): Promise<Validation> {
  const started = performance.now();
  const changed = changedPaths(v.wt);
  const timings = { typecheckMs: 0, testsMs: 0, policyMs: 0, checksMs: 0 };
  if (changed.length === 0)
    return { ok: false, changed, checks: [], problem: "the change is empty: no file differs from the base", timings };
  const refused = changed.map((p) => v.guard(p)).filter((r): r is string => r !== undefined);
  if (refused.length > 0)
    return { ok: false, changed, checks: [], problem: `the change touches paths the policy refuses: ${refused.join("; ")}`, timings };
  const commit = snapshot(v.wt, v.parent, v.message, v.identity);
  const policy = checkPolicy(v.wt.repoDir, v.wt.baseSha, commit, v.policy, { author: v.author });
  timings.policyMs = policy.durationMs;
  if (!policy.ok) {
    timings.checksMs = performance.now() - started;
    const skipped = (name: "typecheck" | "tests"): CheckOutcome => ({
      name,
      ok: false,
      durationMs: 0,
      diagnostics: [],
      summary: `${name} not run: the policy blocks this change`,
    });
    return { ok: false, commit, changed, checks: [skipped("typecheck"), skipped("tests"), policy], verdict: policy.verdict, timings };
  }
  const limits = { timeoutMs: v.budgets.checkTimeoutMs, memoryMb: v.budgets.memoryMb };
  const [tc, tests] = await Promise.all([typecheck(v.wt.dir, changed, limits, v.warn), runTests(v.wt.dir, changed, limits, v.warn)]);
  timings.typecheckMs = tc.durationMs;
  timings.testsMs = tests.durationMs;
  timings.checksMs = performance.now() - started;
  const checks = [tc, tests, policy];
  return { ok: checks.every((c) => c.ok), commit, changed, checks, verdict: policy.verdict, timings };
}

/** The failing checks as text for the model or a report. */
export function failureSummary(v: Validation): string {
  if (v.problem) return v.problem;
  return v.checks
    .filter((c) => !c.ok)
    .map((c) => c.summary)
    .join("\n\n");
}
