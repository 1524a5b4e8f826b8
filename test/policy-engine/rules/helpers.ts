// Shared fixtures for rule tests: the committed default policy and one-file change sets.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChangedFile, ChangeSet, Finding } from "../../../policy-engine/types.ts";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import type { Policy } from "../../../policy-engine/policy/schema.ts";
import type { RuleContext } from "../../../policy-engine/rules/context.ts";

export const DEFAULT_POLICY_TEXT = readFileSync(fileURLToPath(new URL("../../../policies/ouro.yml", import.meta.url)), "utf8");

export function defaultPolicy(): Policy {
  const loaded = loadPolicy([{ path: "policies/ouro.yml", text: DEFAULT_POLICY_TEXT }]);
  if (!loaded.ok) throw new Error(`default policy failed to load: ${JSON.stringify(loaded.errors)}`);
  return loaded.policy;
}

/** A new file: every line is added. */
export function addedFile(path: string, text: string, extra: Partial<ChangedFile> = {}): ChangedFile {
  return {
    path,
    status: "added",
    newMode: "100644",
    oldMode: "000000",
    binary: false,
    after: text,
    addedLines: text.split("\n").map((_, i) => i + 1),
    removedLineCount: 0,
    ...extra,
  };
}

/** A modified file: `addedLines` are the 1-based head lines that changed. */
export function modifiedFile(
  path: string,
  before: string,
  after: string,
  addedLines: number[],
  extra: Partial<ChangedFile> = {},
): ChangedFile {
  return {
    path,
    status: "modified",
    oldMode: "100644",
    newMode: "100644",
    binary: false,
    before,
    after,
    addedLines,
    removedLineCount: 0,
    ...extra,
  };
}

export function changeSet(...files: ChangedFile[]): ChangeSet {
  return { base: "base", head: "head", files };
}

export function context(files: ChangedFile[], opts: { selfEdit?: boolean; policy?: Policy } = {}): RuleContext {
  return { policy: opts.policy ?? defaultPolicy(), selfEdit: opts.selfEdit ?? true, change: changeSet(...files) };
}

export function collector(): { findings: Finding[]; emit: (f: Finding) => void } {
  const findings: Finding[] = [];
  return { findings, emit: (f) => findings.push(f) };
}
