// One validation pass over the worktree: snapshot commit, the base policy's verdict on
// base..snapshot FIRST, and only if it does not block, typecheck + tests (sandboxed, in
// parallel). Code the policy blocks is never run, not even in the sandbox. The test run's
// vitest is started before the verdict (tests-ahead.ts) so its start-up overlaps it, but it
// loads none of the worktree's files until it is handed them, after the verdict passed.
import type { Policy } from "../../policy-engine/policy/schema.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import type { Budgets } from "./budgets.ts";
import { runTests, testFilesFor, typecheck, type CheckOutcome } from "./checks.ts";
import { startTestsAhead, type TestsAhead } from "./tests-ahead.ts";
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
  /**
   * A test run started earlier on this worktree (before the edit), still waiting for its
   * files; validate hands them over or cancels it. Without one, validate starts its own.
   */
  tests?: TestsAhead;
}

export async function validate(v: ValidateInput): Promise<Validation> {
  const runner = { ahead: v.tests };
  try {
    return await validateWith(v, runner);
  } finally {
    // ends a runner no verdict let run (or waits for its run): nothing outlives the validation
    await runner.ahead?.cancel();
  }
}

export const limitsOf = (b: Budgets) => ({ timeoutMs: b.checkTimeoutMs, memoryMb: b.memoryMb });

async function validateWith(v: ValidateInput, runner: { ahead?: TestsAhead }): Promise<Validation> {
  const started = performance.now();
  const changed = changedPaths(v.wt);
  const timings = { typecheckMs: 0, testsMs: 0, policyMs: 0, checksMs: 0 };
  if (changed.length === 0)
    return { ok: false, changed, checks: [], problem: "the change is empty: no file differs from the base", timings };
  const refused = changed.map((p) => v.guard(p)).filter((r): r is string => r !== undefined);
  if (refused.length > 0)
    return { ok: false, changed, checks: [], problem: `the change touches paths the policy refuses: ${refused.join("; ")}`, timings };
  // vitest starts loading now, in the sandbox, when tests apply; it gets them only once the verdict passed
  runner.ahead ??= testFilesFor(v.wt.dir, changed).length > 0 ? startTestsAhead(v.wt.dir, limitsOf(v.budgets), v.warn) : undefined;
  // changedPaths staged the worktree above, and nothing since has awaited: commit that index
  const commit = snapshot(v.wt, v.parent, v.message, v.identity, true);
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
  const limits = limitsOf(v.budgets);
  const [tc, tests] = await Promise.all([
    typecheck(v.wt.dir, changed, limits, v.warn),
    runTests(v.wt.dir, changed, limits, v.warn, runner.ahead),
  ]);
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
