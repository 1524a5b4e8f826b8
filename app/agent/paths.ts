// Where the agent may read and write inside its worktree. Writes go only where the base's
// policy allows (editable, not protected: see policy.ts); traversal, absolute paths, .git
// and symlinks are refused before any byte is written.
import { lstatSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";

/** Why the policy refuses a write to a repo-relative path, or undefined when it allows it. */
export type WriteGuard = (rel: string) => string | undefined;

export class PathRefused extends Error {}

/** Normalizes a model- or recipe-given path to repo-relative posix form, or throws PathRefused. */
export function normalizeRepoPath(input: string): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 300)
    throw new PathRefused("path must be a non-empty string of at most 300 characters");
  if (/[\u0000-\u001f\u007f\\]/.test(input)) throw new PathRefused(`path "${input}" has control characters or backslashes`);
  if (input.startsWith("/") || /^[a-zA-Z]:/.test(input) || input.startsWith("~"))
    throw new PathRefused(`path "${input}" must be relative to the repository root`);
  const segments = input.split("/");
  if (segments.includes("..")) throw new PathRefused(`path "${input}" leaves the repository (..)`);
  const norm = posix.normalize(input).replace(/^\.\//, "").replace(/\/$/, "");
  if (norm === "." || norm === "") return ".";
  const first = norm.split("/")[0];
  if (first === ".git" || norm.split("/").includes(".git")) throw new PathRefused(`path "${input}" is inside .git`);
  if (first === "node_modules") throw new PathRefused(`path "${input}" is inside node_modules`);
  return norm;
}

/** Refuses when any existing component of the path (below root) is a symlink. */
export function assertNoSymlink(root: string, rel: string): void {
  let cur = root;
  for (const seg of rel.split("/")) {
    cur = join(cur, seg);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return; // the rest does not exist yet
    }
    if (st.isSymbolicLink()) throw new PathRefused(`path "${rel}" goes through a symlink (${seg})`);
  }
}

export function resolveReadable(root: string, input: string): string {
  const rel = normalizeRepoPath(input);
  if (rel !== ".") assertNoSymlink(root, rel);
  return rel;
}

export function resolveWritable(root: string, input: string, guard: WriteGuard): string {
  const rel = normalizeRepoPath(input);
  const refusal = guard(rel);
  if (refusal) throw new PathRefused(refusal);
  assertNoSymlink(root, rel);
  return rel;
}

/** Writes through a temp file and rename, so a file is never left half-written. */
export function atomicWrite(root: string, rel: string, text: string): void {
  const full = join(root, rel);
  mkdirSync(dirname(full), { recursive: true });
  const tmp = `${full}.ouro-tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, full);
}
