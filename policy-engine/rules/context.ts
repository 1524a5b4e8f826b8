// What every rule sees, and small helpers they share.
import type { ChangedFile, ChangeSet, Finding, Severity } from "../types.ts";
import type { Policy } from "../policy/schema.ts";

export interface RuleContext {
  policy: Policy;
  /** The PR is a self-edit (from facts or recognised by the policy's selfEdit keys). */
  selfEdit: boolean;
  change: ChangeSet;
}

export type Emit = (finding: Finding) => void;

/** Structural problems block a self-edit and need a reviewer's eye on a human PR. */
export function strictSeverity(ctx: RuleContext): Severity {
  return ctx.selfEdit ? "error" : "warning";
}

/** Lines of the head text (no trailing newline handling surprises: "a\n" → ["a", ""]). */
export function headLines(file: ChangedFile): string[] {
  return file.after === undefined ? [] : file.after.split("\n");
}

/** Added lines with their 1-based numbers, for text files only. */
export function* addedLinesOf(file: ChangedFile): Generator<{ line: number; text: string }> {
  if (file.binary || file.after === undefined || file.addedLines.length === 0) return;
  const lines = headLines(file);
  for (const n of file.addedLines) {
    const text = lines[n - 1];
    if (text !== undefined) yield { line: n, text: text.endsWith("\r") ? text.slice(0, -1) : text };
  }
}

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot + 1).toLowerCase();
}

export function isCodeFile(ctx: RuleContext, path: string): boolean {
  return ctx.policy.code.extensions.includes(extensionOf(path));
}
