// What the checks on one code file share: the parsed file, the names known so far, and a
// `report` that keeps only findings on changed code (see analyze.ts).
import type { ts } from "ts-morph";
import type { ChangedFile, Severity } from "../../types.ts";
import type { Policy } from "../../policy/schema.ts";
import type { Scope } from "./values.ts";

export interface Analysis {
  readonly policy: Policy;
  readonly file: ChangedFile;
  readonly sf: ts.SourceFile;
  readonly scope: Scope;
  readonly inTestFile: boolean;
  /** error for a self-edit, warning for a human PR */
  readonly strict: Severity;
  /** Emits a finding at `node` if it touches an added line (or a name rebound on one). */
  report(node: ts.Node, rule: string, message: string, severity?: Severity): void;
}
