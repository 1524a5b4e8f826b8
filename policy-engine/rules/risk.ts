// Risk scoring, kept explainable: a change's level is the highest of
//   - each changed path's level (first matching `risk.paths` entry, else `risk.default`;
//     at least `risk.protected` for a protected path), and
//   - each finding's level by severity (`risk.findings`).
// The level then gives the required approvals and whether automerge is allowed.
import { RISK_LEVELS, type Finding, type RiskLevel } from "../types.ts";
import { matcherFor } from "../policy/globs.ts";
import { isProtectedPath } from "../policy/paths.ts";
import type { RuleContext } from "./context.ts";

export function maxLevel(a: RiskLevel, b: RiskLevel): RiskLevel {
  return RISK_LEVELS.indexOf(a) >= RISK_LEVELS.indexOf(b) ? a : b;
}

export function pathLevel(ctx: RuleContext, path: string): RiskLevel {
  const { risk } = ctx.policy;
  const rule = risk.paths.find((r) => matcherFor(r.paths)(path));
  const level = rule?.level ?? risk.default;
  return isProtectedPath(ctx.policy, path) ? maxLevel(level, risk.protected) : level;
}

export function scoreRisk(ctx: RuleContext, findings: Finding[]): RiskLevel {
  let level: RiskLevel = "safe";
  for (const file of ctx.change.files) {
    level = maxLevel(level, pathLevel(ctx, file.path));
    if (file.oldPath !== undefined) level = maxLevel(level, pathLevel(ctx, file.oldPath));
  }
  for (const f of findings) level = maxLevel(level, ctx.policy.risk.findings[f.severity]);
  return level;
}
