// The policy engine: a pure function of (change, loaded policy, PR facts) → verdict.
// No I/O. The caller reads the change from git and the policy from the BASE ref.
//
// The code analysis (a parser and the AST rules: most of the checker's code) is loaded only
// when a change has a code file to analyse: a docs or config change never loads it. It is
// loaded synchronously with require() (Node loads ES modules that way), so `evaluate` stays
// a plain function for every caller (the CLI, the Action, the app, the agent, tests).
import { createRequire } from "node:module";
import type { ChangeSet, Finding, PrFacts, Severity, Verdict } from "./types.ts";
import type { loadPolicy } from "./policy/load.ts";
import { isSelfEdit } from "./policy/paths.ts";
import type { Policy } from "./policy/schema.ts";
import { isCodeFile, type Emit, type RuleContext } from "./rules/context.ts";
import { checkPaths } from "./rules/paths.ts";
import { checkFileKind, checkFileType } from "./rules/file-kinds.ts";
import { checkUnicode } from "./rules/unicode.ts";
import { checkLimits } from "./rules/limits.ts";
import { checkSecrets, type StringLiteral } from "./rules/secrets.ts";
import { checkDependencies } from "./rules/dependencies.ts";
import { checkTests } from "./rules/tests.ts";
import type { analyzeCode } from "./rules/code/analyze.ts";
import { scoreRisk } from "./rules/risk.ts";

const require = createRequire(import.meta.url);
let codeAnalysis: { analyze: typeof analyzeCode } | { error: Error } | undefined;

/**
 * The code analysis, loaded on first use. A module that fails to load fails every code
 * file with the same error (the caller turns it into a blocking finding).
 */
function analyzer(): typeof analyzeCode {
  if (codeAnalysis === undefined) {
    try {
      codeAnalysis = { analyze: (require("./rules/code/analyze.ts") as typeof import("./rules/code/analyze.ts")).analyzeCode };
    } catch (err) {
      codeAnalysis = { error: new Error(`the code analysis did not load: ${(err as Error).message}`) };
    }
  }
  if ("error" in codeAnalysis) throw codeAnalysis.error;
  return codeAnalysis.analyze;
}

/** Approvals required when no policy could be loaded (the seed's critical level). */
const FAIL_CLOSED_APPROVALS = 2;

export function evaluate(change: ChangeSet, loaded: ReturnType<typeof loadPolicy>, facts: PrFacts): Verdict {
  if (!loaded.ok) {
    return {
      decision: "block",
      risk: "critical",
      requiredApprovals: FAIL_CLOSED_APPROVALS,
      automerge: false,
      mode: "enforce",
      findings: loaded.errors.map((e) => ({
        rule: "policy/load",
        severity: "error" as const,
        file: e.file,
        ...(e.line !== undefined ? { line: e.line } : {}),
        ...(e.column !== undefined ? { column: e.column } : {}),
        message: `policy failed to load: ${e.message}`,
      })),
    };
  }
  const policy = loaded.policy;
  const ctx: RuleContext = {
    policy,
    selfEdit: facts.selfEdit || isSelfEdit(policy, { author: facts.author, labels: facts.labels }),
    change,
  };
  try {
    return decide(ctx, runRules(ctx));
  } catch (err) {
    // fail closed: an engine bug must block, never pass
    return {
      decision: "block",
      risk: "critical",
      requiredApprovals: policy.risk.levels.critical.approvals,
      automerge: false,
      mode: "enforce",
      findings: [{ rule: "engine/error", severity: "error", message: `the policy engine failed: ${(err as Error).message}` }],
    };
  }
}

function runRules(ctx: RuleContext): Finding[] {
  const raw: Finding[] = [];
  const emit: Emit = (f) => raw.push(f);
  for (const file of ctx.change.files) {
    checkPaths(ctx, file, emit);
    checkFileKind(ctx, file, emit);
    checkFileType(ctx, file, emit);
    checkUnicode(file, emit);
    const code =
      !file.binary && file.after !== undefined && file.status !== "deleted" && isCodeFile(ctx, file.path) && file.newMode !== "120000";
    let strings: StringLiteral[] | undefined;
    try {
      strings = code ? analyzer()(ctx, file, emit) : undefined;
    } catch (err) {
      // an analysis failure must never let a change through unseen
      emit({ rule: "engine/error", severity: "error", file: file.path, message: `could not analyse this file: ${(err as Error).message}` });
    }
    checkSecrets(ctx, file, strings, emit);
  }
  checkLimits(ctx, emit);
  checkDependencies(ctx, emit);
  checkTests(ctx, emit);
  return applyOverrides(ctx.policy, dedupe(raw));
}

function applyOverrides(policy: Policy, findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const override = policy.overrides[f.rule];
    if (override === "off") continue;
    out.push(override ? { ...f, severity: override as Severity } : f);
  }
  return out;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\0${f.file ?? ""}\0${f.line ?? ""}\0${f.column ?? ""}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function decide(ctx: RuleContext, findings: Finding[]): Verdict {
  const { policy } = ctx;
  const risk = scoreRisk(ctx, findings);
  const level = policy.risk.levels[risk];
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  const sorted = [...findings].sort(
    (a, b) => (a.file ?? "").localeCompare(b.file ?? "") || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule),
  );
  const wouldBlock = errors > 0;
  const needsApproval = level.approvals > 0 || warnings > 0;
  if (policy.mode === "evaluate") {
    const enforced = wouldBlock ? "block" : needsApproval ? "needs-approval" : "pass";
    sorted.push({
      rule: "policy/evaluate-mode",
      severity: "info",
      message: `evaluate mode: in enforce mode this change would ${enforced === "block" ? `be BLOCKED (${errors} error finding${errors === 1 ? "" : "s"})` : enforced === "pass" ? "pass" : "need approval"}`,
    });
    return {
      decision: wouldBlock || needsApproval ? "needs-approval" : "pass",
      risk,
      requiredApprovals: level.approvals,
      automerge: level.automerge && !wouldBlock,
      mode: "evaluate",
      findings: sorted,
    };
  }
  return {
    decision: wouldBlock ? "block" : needsApproval ? "needs-approval" : "pass",
    risk,
    requiredApprovals: level.approvals,
    automerge: level.automerge && !wouldBlock,
    mode: "enforce",
    findings: sorted,
  };
}
