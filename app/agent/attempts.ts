// A scratch directory per agent attempt, and the clean-up of what a killed attempt left.
//
// An attempt is `<root>/<name>~<12 hex>/` beside its lock file `<name>~<12 hex>.lock`, which the
// attempt holds for its life (tryLockFile: SQLite's file lock, dropped by the kernel when the
// process dies, however it dies). The lock file is made and locked before the directory and
// removed after it, so a directory whose lock file is gone, or is not locked, is a leftover:
// sweepAttempts() removes those and never touches a live attempt's directory, whichever
// process it belongs to (a second app on another data directory, the agent CLI, a test).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryLockFile } from "../store/instance-lock.ts";
import type { FileLock } from "../store/instance-lock.ts";

export interface Attempt {
  /** The attempt's own directory (empty at first). */
  dir: string;
  /** `<name>~<12 hex>`: the directory's name under the root. */
  id: string;
  /** Removes the directory, then its lock file, then lets the lock go. Safe to call twice. */
  release(): void;
}

/** What an attempt may be named after: a change id or another safe word. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** An attempt's directory name. */
const ATTEMPT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}~[0-9a-f]{12}$/;

/**
 * A new attempt's directory under `root` (created if missing), named after `name` with a
 * random suffix, held until release().
 */
export function startAttempt(root: string, name: string): Attempt {
  if (!NAME.test(name)) throw new Error(`cannot name a scratch directory after "${name}": only letters, digits, ".", "_" and "-"`);
  mkdirSync(root, { recursive: true });
  for (let tries = 0; tries < 3; tries++) {
    const id = `${name}~${randomBytes(6).toString("hex")}`;
    const lockFile = join(root, `${id}.lock`);
    const lock = tryLockFile(lockFile);
    if (!lock) continue; // a sweep has it for a moment: another name
    // A sweep may have removed the file between its making and our lock: then this lock is on
    // nothing anyone can see, so take another name.
    if (!existsSync(lockFile)) {
      lock.release();
      continue;
    }
    const dir = join(root, id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      drop(dir, lockFile, lock);
      throw e;
    }
    let released = false;
    return {
      dir,
      id,
      release() {
        if (released) return;
        released = true;
        drop(dir, lockFile, lock);
      },
    };
  }
  throw new Error(`could not take a scratch directory under ${root}`);
}

/** The directory first (while the lock is held), then the lock file, then the lock. */
function drop(dir: string, lockFile: string, lock: FileLock): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${lockFile}-journal`, { force: true }); // none is made (journal in memory), but never leave one
    rmSync(lockFile, { force: true });
  } finally {
    lock.release();
  }
}

/**
 * Removes the attempts under `root` that no live process holds (left by a process that was
 * killed mid-attempt), and directories whose lock file is gone (a clean-up cut short).
 * Returns the ids removed. Entries that are not attempts are left alone.
 */
export function sweepAttempts(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.endsWith(".lock") || !ATTEMPT.test(entry.slice(0, -".lock".length))) continue;
    const id = entry.slice(0, -".lock".length);
    const lock = tryLockFile(join(root, entry));
    if (!lock) continue; // live
    drop(join(root, id), join(root, entry), lock);
    removed.push(id);
  }
  for (const entry of readdirSync(root)) {
    // A live attempt's lock file exists before its directory and until after it.
    if (!ATTEMPT.test(entry) || existsSync(join(root, `${entry}.lock`))) continue;
    rmSync(join(root, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

/**
 * Where the agent's scratch worktrees go: this user's own directory under the system's temp
 * directory (created 0755, so the sandbox user can read a worktree but not write). One that
 * another user made, a link, or one others can write is refused: it could be swapped under us.
 */
export function agentScratchRoot(): string {
  const uid = process.getuid?.() ?? null;
  const root = join(tmpdir(), `ouro-agent-${uid ?? "user"}`);
  let made = false;
  try {
    mkdirSync(root, { mode: 0o755 });
    made = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = lstatSync(root);
  if (!st.isDirectory() || (uid !== null && st.uid !== uid) || (st.mode & 0o022) !== 0)
    throw new Error(
      `the agent's scratch directory ${root} is not this user's own directory (a link, another owner, or writable by others); remove it, or set TMPDIR to another place`,
    );
  if (made) chmodSync(root, 0o755); // past the umask: the sandbox user must be able to enter it
  return root;
}
