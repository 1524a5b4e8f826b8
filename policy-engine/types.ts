// The contract between the policy engine, its inputs (a change read from git)
// and everyone who consumes a verdict (CLI, Action, agent, app).

export const RISK_LEVELS = ["safe", "low", "medium", "high", "critical"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export type Decision = "pass" | "needs-approval" | "block";

/** error → block (in enforce mode); warning → needs approval; info → reported only. */
export type Severity = "info" | "warning" | "error";

export interface Finding {
  /** Stable rule id, e.g. "paths/protected", "api/eval", "secrets/github-token". */
  rule: string;
  severity: Severity;
  file?: string;
  /** 1-based line in the head version of `file` (base version for deletions). */
  line?: number;
  column?: number;
  message: string;
}

export interface Verdict {
  decision: Decision;
  risk: RiskLevel;
  requiredApprovals: number;
  automerge: boolean;
  /** "evaluate" reports what enforce would have decided but never blocks. */
  mode: "enforce" | "evaluate";
  findings: Finding[];
}

/** git's file modes as they appear in `git diff --raw`. */
export type GitMode = "100644" | "100755" | "120000" | "160000" | "040000" | "000000" | string;

export interface ChangedFile {
  /** Path in head (for deletions: the path that was removed). Always forward slashes. */
  path: string;
  status: "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed";
  /** Set for renames and copies. */
  oldPath?: string;
  oldMode?: GitMode;
  newMode?: GitMode;
  /** True when git considers either side binary (or it is not valid UTF-8). */
  binary: boolean;
  /** Text of the base version (undefined when added or binary). */
  before?: string;
  /** Text of the head version (undefined when deleted or binary); for symlinks, the link target. */
  after?: string;
  /** 1-based head line numbers that the change adds or modifies. */
  addedLines: number[];
  /** Count of base lines removed. */
  removedLineCount: number;
}

export interface ChangeSet {
  base: string;
  head: string;
  files: ChangedFile[];
}

/** Facts about the pull request that are not in the trees. */
export interface PrFacts {
  author?: string;
  labels?: string[];
  /** True when the change was written by Ouro's agent (a self-edit); protected paths block only those… */
  selfEdit: boolean;
}

/** A problem loading the policy files; any of these makes the verdict block (fail closed). */
export interface PolicyError {
  file: string;
  line?: number;
  column?: number;
  message: string;
}
