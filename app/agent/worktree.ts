// A scratch git worktree per run: the agent never edits the running bot's tree, and a
// failed run leaves nothing behind but (maybe) nothing — the branch only appears at the end.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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

export function createWorktree(repoDir: string, baseRef: string, nodeModules?: string): Worktree {
  const baseSha = resolveSha(repoDir, baseRef);
  const holder = mkdtempSync(join(tmpdir(), "ouro-agent-"));
  // The sandbox user (nobody) reads the tree; it never gets to write it.
  chmodSync(holder, 0o755);
  const dir = join(holder, "tree");
  git(repoDir, ["worktree", "add", "--detach", "--quiet", dir, baseSha]);
  const modules = nodeModules ?? (existsSync(join(repoDir, "node_modules")) ? join(repoDir, "node_modules") : APP_NODE_MODULES);
  symlinkSync(resolve(modules), join(dir, "node_modules"), "dir");
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
      rmSync(holder, { recursive: true, force: true });
      git(repoDir, ["worktree", "prune"]);
    },
  };
}

/** Paths the worktree changed relative to its HEAD (excluding the node_modules link). */
export function changedPaths(wt: Worktree): string[] {
  git(wt.dir, ["add", "-A", "--", ".", ":(exclude)node_modules"]);
  const out = git(wt.dir, ["diff", "--cached", "--name-only", "-z", "--no-renames", wt.baseSha]);
  return out.split("\0").filter(Boolean);
}

/** Commits the worktree's current state on top of `parent` without moving any branch. */
export function snapshot(wt: Worktree, parent: string, message: string, who: GitIdentity = OURO_IDENTITY): string {
  git(wt.dir, ["add", "-A", "--", ".", ":(exclude)node_modules"]);
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
