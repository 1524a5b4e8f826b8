// Reads a pull request's change from a real git repository, the way GitHub shows it:
// the diff from merge-base(base, head) to head (`base...head`), renames detected,
// modes kept, blob texts fetched with ONE `git cat-file --batch` process. A check reads
// its change and the base's policy files with five git processes in all: refs, merge
// base, policy listing, one diff (raw entries and hunks together), one cat-file for every
// blob — each process costs a start-up, more so on a busy machine.
// The repository is untrusted data: we never run its hooks or its config'd drivers
// (--no-ext-diff, --no-textconv) and decide "binary" from the bytes, not from the
// head's .gitattributes (which a PR could use to hide a text file as binary).
import { spawnSync } from "node:child_process";
import type { ChangeSet, ChangedFile, GitMode } from "./types.ts";

/** A git problem the caller should report as a usage/load error (exit 2), not a crash. */
export class GitError extends Error {
  override name = "GitError";
}

const MAX_BUFFER = 1024 * 1024 * 1024;
const GITLINK: GitMode = "160000";
const ZERO_SHA = /^0+$/;

// Hardening for every git call against a repo we do not trust.
const SAFE_CONFIG = [
  "-c",
  "core.quotePath=false",
  "-c",
  "diff.external=",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "diff.noprefix=false",
  "-c",
  "diff.mnemonicPrefix=false",
  "-c",
  "diff.relative=false",
];

/**
 * The environment for git: no inherited GIT_* variables (GIT_DIR, GIT_OBJECT_DIRECTORY,
 * GIT_ALTERNATE_OBJECT_DIRECTORIES… could point git at other objects than repoDir's).
 */
export function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  return { ...env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

function run(repoDir: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync("git", [...SAFE_CONFIG, ...args], {
    cwd: repoDir,
    input,
    maxBuffer: MAX_BUFFER,
    env: gitEnv(),
  });
  if (r.error) throw new GitError(`git ${args[0]} failed in ${repoDir}: ${r.error.message}`);
  if (r.status !== 0) {
    const msg = r.stderr.toString("utf8").trim() || `exit ${r.status}`;
    throw new GitError(`git ${args[0]} failed in ${repoDir}: ${msg}`);
  }
  return r.stdout;
}

/** Refs come from users and payloads; one starting with "-" would be read as an option. */
export function assertRefSyntax(ref: string): void {
  if (ref.length === 0 || ref.startsWith("-") || /[\0\n\r\s]/.test(ref)) {
    throw new GitError(`invalid git ref ${JSON.stringify(ref)}`);
  }
}

/** Resolves a ref to a commit SHA, or throws a GitError naming the ref. */
export function resolveCommit(repoDir: string, ref: string): string {
  return resolveCommits(repoDir, [ref])[0];
}

/**
 * Resolves refs to commit SHAs with one `git cat-file --batch-check` (refs are read as
 * data on its stdin, never as options); throws a GitError naming the first unknown ref.
 */
export function resolveCommits(repoDir: string, refs: string[]): string[] {
  for (const ref of refs) assertRefSyntax(ref);
  const r = spawnSync("git", [...SAFE_CONFIG, "cat-file", "--batch-check=%(objectname) %(objecttype)"], {
    cwd: repoDir,
    input: refs.map((ref) => `${ref}^{commit}\n`).join(""),
    encoding: "utf8",
    env: gitEnv(),
  });
  if (r.error) throw new GitError(`cannot run git in ${repoDir}: ${r.error.message}`);
  if (r.status !== 0) {
    if (/not a git repository/i.test(r.stderr)) throw new GitError(`${repoDir} is not a git repository`);
    throw new GitError(`git cat-file failed in ${repoDir}: ${r.stderr.trim() || `exit ${r.status}`}`);
  }
  const lines = r.stdout.split("\n");
  return refs.map((ref, i) => {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) commit$/.exec(lines[i] ?? "");
    if (!m) throw new GitError(`unknown git ref "${ref}" in ${repoDir}`);
    return m[1];
  });
}

/** Like a pull request: the common ancestor the head branched from. */
export function mergeBase(repoDir: string, base: string, head: string): string {
  const r = spawnSync("git", [...SAFE_CONFIG, "merge-base", base, head], { cwd: repoDir, encoding: "utf8", env: gitEnv() });
  if (r.status !== 0) throw new GitError(`no merge base between ${base} and ${head} in ${repoDir}`);
  return r.stdout.trim();
}

export interface BlobResult {
  /** null when git reports the object missing (e.g. a submodule commit). */
  data: Buffer | null;
}

/** Fetches many objects with one `git cat-file --batch` process. */
export function readBlobs(repoDir: string, shas: string[]): Map<string, Buffer | null> {
  const unique = [...new Set(shas)];
  const out = new Map<string, Buffer | null>();
  if (unique.length === 0) return out;
  const stdout = run(repoDir, ["cat-file", "--batch"], Buffer.from(unique.join("\n") + "\n"));
  let pos = 0;
  for (const sha of unique) {
    const nl = stdout.indexOf(0x0a, pos);
    if (nl < 0) throw new GitError(`git cat-file: truncated output for ${sha}`);
    const header = stdout.toString("latin1", pos, nl);
    pos = nl + 1;
    if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
      out.set(sha, null);
      continue;
    }
    const m = /^([0-9a-f]+) (\S+) (\d+)$/.exec(header);
    if (!m) throw new GitError(`git cat-file: unexpected header ${JSON.stringify(header)}`);
    const size = Number(m[3]);
    out.set(sha, stdout.subarray(pos, pos + size));
    pos += size + 1; // content is followed by a newline
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Text, or undefined when the bytes are binary: a NUL in the first 8000 bytes (git's own rule) or invalid UTF-8. */
export function decodeText(data: Buffer): string | undefined {
  const probe = data.subarray(0, 8000);
  if (probe.includes(0)) return undefined;
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

interface RawEntry {
  oldMode: string;
  newMode: string;
  oldSha: string;
  newSha: string;
  status: string;
  path: string;
  oldPath?: string;
}

/** Parses `git diff --raw -z` output. */
export function parseRaw(out: Buffer): RawEntry[] {
  return splitRaw(out).entries;
}

/**
 * Parses the `--raw -z` records at the start of `out`; `end` is where they stop: after the
 * empty record that separates them from a patch (`git diff --raw -z -p`), or at the end.
 */
function splitRaw(out: Buffer): { entries: RawEntry[]; end: number } {
  const entries: RawEntry[] = [];
  let pos = 0;
  const field = (): string => {
    const nul = out.indexOf(0, pos);
    if (nul < 0) throw new GitError("git diff --raw: truncated output");
    const text = out.toString("utf8", pos, nul);
    pos = nul + 1;
    return text;
  };
  while (pos < out.length) {
    if (out[pos] === 0) return { entries, end: pos + 1 };
    const meta = field();
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])(\d*)$/.exec(meta);
    if (!m) throw new GitError(`git diff --raw: unexpected entry ${JSON.stringify(meta)}`);
    const [, oldMode, newMode, oldSha, newSha, status] = m;
    if (status === "R" || status === "C") {
      const oldPath = field();
      const path = field();
      entries.push({ oldMode, newMode, oldSha, newSha, status, path, oldPath });
    } else {
      entries.push({ oldMode, newMode, oldSha, newSha, status, path: field() });
    }
  }
  return { entries, end: pos };
}

export interface Hunks {
  addedLines: number[];
  removedLineCount: number;
}

/**
 * Splits `git diff -U0` output into one entry per file (same order as --raw) and
 * collects added head line numbers and removed line counts from the hunk headers.
 * Content lines always start with " ", "+", "-" or "\\", so "diff --git " and "@@ "
 * at the start of a line can only be headers.
 */
export function parseHunks(patch: string): Hunks[] {
  const files: Hunks[] = [];
  let cur: Hunks | undefined;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ") || line.startsWith("diff --cc ")) {
      cur = { addedLines: [], removedLineCount: 0 };
      files.push(cur);
      continue;
    }
    if (!cur || !line.startsWith("@@ ")) continue;
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!m) continue;
    const removed = m[2] === undefined ? 1 : Number(m[2]);
    const start = Number(m[3]);
    const added = m[4] === undefined ? 1 : Number(m[4]);
    cur.removedLineCount += removed;
    for (let n = 0; n < added; n++) cur.addedLines.push(start + n);
  }
  return files;
}

/**
 * One Hunks per --raw entry. A type change (file ⇄ symlink ⇄ submodule) is one raw entry but
 * two patches — the old path deleted, then the new one added — so those two are paired up.
 */
function alignHunks(raw: { status: string; path: string }[], patches: Hunks[]): Hunks[] {
  const out: Hunks[] = [];
  let i = 0;
  for (const e of raw) {
    if (e.status === "T") {
      const [gone, added] = [patches[i], patches[i + 1]];
      i += 2;
      if (!gone || !added) break;
      out.push({ addedLines: added.addedLines, removedLineCount: gone.removedLineCount });
    } else if (patches[i]) out.push(patches[i++]);
    else break;
  }
  if (out.length !== raw.length || i !== patches.length) {
    throw new GitError(`git diff: ${raw.length} changed files but ${patches.length} patches`);
  }
  return out;
}

const STATUS: Record<string, ChangedFile["status"]> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type-changed",
};

const DIFF_FLAGS = ["--no-ext-diff", "--no-textconv", "--no-color", "--find-renames", "--ignore-submodules=none", "--full-index"];

/** The change a pull request from `headRef` into `baseRef` proposes (`base...head`). */
export function readChangeSet(repoDir: string, baseRef: string, headRef: string): ChangeSet {
  const [baseSha, headSha] = resolveCommits(repoDir, [baseRef, headRef]);
  const diff = readDiff(repoDir, baseSha, headSha);
  return changeSetOf(diff, readBlobs(repoDir, diff.wanted));
}

/**
 * The change base...head and the files under `dir/` at the BASE (the policies the change
 * is judged by), with one cat-file process for the blobs of both.
 */
export function readChangeAndBaseFiles(
  repoDir: string,
  baseRef: string,
  headRef: string,
  dir: string,
): { change: ChangeSet; baseFiles: TreeFile[] } {
  const [baseSha, headSha] = resolveCommits(repoDir, [baseRef, headRef]);
  const listed = listTree(repoDir, baseSha, dir);
  const diff = readDiff(repoDir, baseSha, headSha);
  const blobs = readBlobs(repoDir, [...listed.map((e) => e.sha), ...diff.wanted]);
  return { change: changeSetOf(diff, blobs), baseFiles: treeFiles(listed, blobs, baseRef) };
}

interface Diff {
  from: string;
  head: string;
  raw: RawEntry[];
  hunks: Hunks[];
  /** Blob SHAs the change's texts need. */
  wanted: string[];
}

function readDiff(repoDir: string, baseSha: string, headSha: string): Diff {
  const from = mergeBase(repoDir, baseSha, headSha);
  // One process: the raw entries (-z), then the hunks (-U0). --text: hunks for every file
  // whatever the head's .gitattributes say.
  const out = run(repoDir, ["diff", "--raw", "-z", "--no-abbrev", "-p", "-U0", "--text", ...DIFF_FLAGS, from, headSha, "--"]);
  const { entries: raw, end } = splitRaw(out);
  const hunks = alignHunks(raw, parseHunks(out.toString("latin1", end)));
  const wanted: string[] = [];
  for (const e of raw) {
    if (!ZERO_SHA.test(e.oldSha) && e.oldMode !== GITLINK) wanted.push(e.oldSha);
    if (!ZERO_SHA.test(e.newSha) && e.newMode !== GITLINK) wanted.push(e.newSha);
  }
  return { from, head: headSha, raw, hunks, wanted };
}

function changeSetOf({ from, head, raw, hunks }: Diff, blobs: Map<string, Buffer | null>): ChangeSet {
  const files = raw.map((e, i): ChangedFile => {
    const status = STATUS[e.status];
    if (!status) throw new GitError(`git diff: unsupported status ${e.status} for ${e.path}`);
    const beforeBytes = ZERO_SHA.test(e.oldSha) ? undefined : (blobs.get(e.oldSha) ?? undefined);
    const afterBytes = ZERO_SHA.test(e.newSha) ? undefined : (blobs.get(e.newSha) ?? undefined);
    const before = beforeBytes ? decodeText(beforeBytes) : undefined;
    const after = afterBytes ? decodeText(afterBytes) : undefined;
    const binary = (beforeBytes !== undefined && before === undefined) || (afterBytes !== undefined && after === undefined);
    const file: ChangedFile = {
      path: e.path,
      status,
      binary,
      addedLines: binary ? [] : hunks[i].addedLines,
      removedLineCount: binary ? 0 : hunks[i].removedLineCount,
    };
    if (e.oldPath !== undefined) file.oldPath = e.oldPath;
    if (e.oldMode !== "000000") file.oldMode = e.oldMode;
    if (e.newMode !== "000000") file.newMode = e.newMode;
    if (!binary) {
      if (before !== undefined) file.before = before;
      if (after !== undefined) file.after = after;
    }
    return file;
  });
  return { base: from, head, files };
}

export interface TreeFile {
  path: string;
  mode: string;
  text: string;
}

/**
 * Regular files under `dir/` at `ref` (a trusted ref: the BASE), one cat-file process.
 * Symlinks and submodules are skipped; non-UTF-8 content is an error that names the file.
 */
export function readTreeFilesAtRef(repoDir: string, ref: string, dir: string): TreeFile[] {
  const listed = listTree(repoDir, resolveCommit(repoDir, ref), dir);
  return treeFiles(
    listed,
    readBlobs(
      repoDir,
      listed.map((e) => e.sha),
    ),
    ref,
  );
}

interface TreeEntry {
  mode: string;
  sha: string;
  path: string;
}

/** The regular files under `dir/` in commit `sha`. */
function listTree(repoDir: string, sha: string, dir: string): TreeEntry[] {
  const listing = run(repoDir, ["ls-tree", "-r", "-z", "--full-tree", sha, "--", `${dir}/`]).toString("utf8");
  const entries: TreeEntry[] = [];
  for (const rec of listing.split("\0")) {
    if (rec === "") continue;
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (!m) throw new GitError(`git ls-tree: unexpected entry ${JSON.stringify(rec)}`);
    const [, mode, type, objSha, path] = m;
    if (type === "blob" && (mode === "100644" || mode === "100755")) entries.push({ mode, sha: objSha, path });
  }
  return entries;
}

function treeFiles(entries: TreeEntry[], blobs: Map<string, Buffer | null>, ref: string): TreeFile[] {
  return entries.map((e) => {
    const data = blobs.get(e.sha);
    const text = data ? decodeText(data) : undefined;
    if (text === undefined) throw new GitError(`${e.path} at ${ref} is not a UTF-8 text file`);
    return { path: e.path, mode: e.mode, text };
  });
}
