// A scratch git worktree per attempt: the agent never edits the running bot's tree, and a
// failed run leaves nothing behind — the branch only appears at the end. Each worktree lives
// in an attempt directory of its own (attempts.ts), held while the attempt runs, so two runs
// never share one, and what an attempt killed mid-way left is removed at the app's next start
// (sweepAttempts) without touching a live one.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { agentScratchRoot, startAttempt } from "./attempts.ts";

export interface GitIdentity {
  name: string;
  email: string;
}
export const OURO_IDENTITY: GitIdentity = { name: "Ouro", email: "ouro@users.noreply.local" };

export function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...env },
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** Where node_modules comes from when the repo has none (tests, fresh clones): the app's own. */
export const APP_NODE_MODULES = fileURLToPath(new URL("../../node_modules", import.meta.url));

export interface Worktree {
  dir: string;
  repoDir: string;
  baseSha: string;
  remove(): void;
}

export function resolveSha(repoDir: string, ref: string): string {
  if (ref.startsWith("-")) throw new Error(`bad ref "${ref}"`);
  return git(repoDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
}

/** Where a worktree's attempt directory goes and what it is named after. */
export interface ScratchOptions {
  /** The directory attempts go under (default: agentScratchRoot(), this user's under the temp dir). */
  root?: string;
  /** What the attempt is named after, e.g. the change id (default "run"). */
  name?: string;
}

export function createWorktree(repoDir: string, baseRef: string, nodeModules?: string, scratch: ScratchOptions = {}): Worktree {
  const baseSha = resolveSha(repoDir, baseRef);
  const attempt = startAttempt(scratch.root ?? agentScratchRoot(), scratch.name ?? "run");
  const dir = join(attempt.dir, "tree");
  try {
    // The sandbox user (nobody) reads the tree; it never gets to write it.
    chmodSync(attempt.dir, 0o755);
    git(repoDir, ["worktree", "add", "--detach", "--quiet", dir, baseSha]);
    const modules = nodeModules ?? (existsSync(join(repoDir, "node_modules")) ? join(repoDir, "node_modules") : APP_NODE_MODULES);
    symlinkSync(resolve(modules), join(dir, "node_modules"), "dir");
  } catch (e) {
    attempt.release();
    pruneQuietly(repoDir);
    throw e;
  }
  let removed = false;
  return {
    dir,
    repoDir,
    baseSha,
    remove() {
      if (removed) return;
      removed = true;
      try {
        git(repoDir, ["worktree", "remove", "--force", dir]);
      } catch {
        // already gone or never registered: pruning below cleans the metadata
      }
      attempt.release();
      pruneQuietly(repoDir);
    },
  };
}

/** Drops the repo's records of worktrees that are gone (best effort: the repo may be gone too). */
function pruneQuietly(repoDir: string): void {
  try {
    git(repoDir, ["worktree", "prune"]);
  } catch {
    // a clone already removed: nothing to prune
  }
}

/** Paths the worktree changed relative to its HEAD (excluding the node_modules link). */
export function changedPaths(wt: Worktree): string[] {
  git(wt.dir, ["add", "-A", "--", ".", ":(exclude)node_modules"]);
  const out = git(wt.dir, ["diff", "--cached", "--name-only", "-z", "--no-renames", wt.baseSha]);
  return out.split("\0").filter(Boolean);
}

/**
 * Commits the worktree's current state on top of `parent` without moving any branch.
 * `staged`: changedPaths staged exactly this state a moment ago, with nothing in between
 * (the same synchronous stretch of code), so the index need not be read from disk again.
 */
export function snapshot(wt: Worktree, parent: string, message: string, who: GitIdentity = OURO_IDENTITY, staged = false): string {
  if (!staged) git(wt.dir, ["add", "-A", "--", ".", ":(exclude)node_modules"]);
  const tree = git(wt.dir, ["write-tree"]);
  return commitTree(wt.dir, tree, parent, message, who);
}

function commitTree(cwd: string, tree: string, parent: string, message: string, who: GitIdentity): string {
  return execFileSync("git", ["commit-tree", tree, "-p", parent, "-F", "-"], {
    cwd,
    input: message,
    encoding: "utf8",
    env: { ...process.env, ...identityEnv(who) },
    stdio: ["pipe", "pipe", "pipe"],
  }).trim();
}

function identityEnv(who: GitIdentity): Record<string, string> {
  return { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
}

/** Creates `refs/heads/<branch>` at sha; refuses when it exists (one request → one branch). */
export function createBranch(repoDir: string, branch: string, sha: string): void {
  git(repoDir, ["update-ref", `refs/heads/${branch}`, sha, "0".repeat(40)]);
}

/** Moves an existing branch from `expected` to `sha` (compare-and-swap). */
export function advanceBranch(repoDir: string, branch: string, sha: string, expected: string): void {
  git(repoDir, ["update-ref", `refs/heads/${branch}`, sha, expected]);
}
