// Where the policy files come from: ALWAYS a trusted source — the base ref of the
// repository (CLI) or the base checkout's policies/ folder (Action) — never the PR head.
import { readdirSync, readFileSync, lstatSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { POLICY_DIR, isPolicyFile, type PolicyFile } from "./policy/load.ts";
import { readChangeAndBaseFiles, readTreeFilesAtRef, decodeText, GitError } from "./git.ts";
import type { ChangeSet } from "./types.ts";

/** A problem reading the policy files themselves (not their content): exit 2 / setFailed. */
export class PolicySourceError extends Error {
  override name = "PolicySourceError";
}

/** The policy files in `policies/` at `ref` (the BASE ref). */
export function readPolicyFilesAtRef(repoDir: string, ref: string): PolicyFile[] {
  return readTreeFilesAtRef(repoDir, ref, POLICY_DIR)
    .filter((f) => isPolicyFile(f.path))
    .map(({ path, text }) => ({ path, text }));
}

/** The policy files in `policies/` at the BASE ref and the change base...head, read together. */
export function readPolicyFilesAndChange(repoDir: string, base: string, head: string): { policyFiles: PolicyFile[]; change: ChangeSet } {
  const { change, baseFiles } = readChangeAndBaseFiles(repoDir, base, head, POLICY_DIR);
  return { policyFiles: baseFiles.filter((f) => isPolicyFile(f.path)).map(({ path, text }) => ({ path, text })), change };
}

/**
 * The policy files in a plain directory (the Action's base checkout), named as they
 * would be in the repo (`policies/<relative path>`). Symlinks are not followed.
 */
export function readPolicyFilesFromDir(dir: string): PolicyFile[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch (e) {
    throw new PolicySourceError(`cannot read policies directory ${dir}: ${(e as Error).message}`);
  }
  const files: PolicyFile[] = [];
  for (const name of names.sort()) {
    const full = join(dir, name);
    if (!lstatSync(full).isFile()) continue;
    const path = `${POLICY_DIR}/${relative(dir, full).split(sep).join("/")}`;
    if (!isPolicyFile(path)) continue;
    const text = decodeText(readFileSync(full));
    if (text === undefined) throw new PolicySourceError(`${path} is not a UTF-8 text file`);
    files.push({ path, text });
  }
  return files;
}

export { GitError };
