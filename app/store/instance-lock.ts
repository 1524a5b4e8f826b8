// One Ouro app per SQLite data directory, and the file lock it is made of.
//
// The app holds `ouro-app.lock` in its data directory for its whole life: a small empty SQLite
// database kept inside `BEGIN EXCLUSIVE` on a connection of its own. That is SQLite's own file
// lock (POSIX fcntl on Unix), which the kernel drops when the process ends however it ends, so
// a SIGKILL leaves no stale lock and there is no pid file that can lie. Within one process
// SQLite sees its own locks too, so the data directory's lock is counted per process: a test
// (or a restart in the same process) may take it again while it already holds it.
//
// Who holds a lock is read from the kernel (/proc/locks on Linux), never from a file the holder
// wrote: the pid is named only when the kernel says so.
//
// Nothing here ever opens and closes the lock file with plain fs calls once it may be locked:
// closing any descriptor of a file drops this process's POSIX locks on it (SQLite guards its own).
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";

export const LOCK_FILE = "ouro-app.lock";

/** Another process holds the data directory: this one must not touch it. */
export class DataDirInUse extends Error {
  readonly dataDir: string;
  /** The holder's pid as the kernel reports it; null when it cannot be known. */
  readonly pid: number | null;
  constructor(dataDir: string, pid: number | null) {
    super(
      `another Ouro app${pid ? ` (process ${pid})` : ""} is running on the data directory ${dataDir}, so this one did not start; ` +
        `stop that one first, or give this one its own OURO_DATA_DIR`,
    );
    this.name = "DataDirInUse";
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

/** The data directory cannot be created or its lock file cannot be made or locked. */
export class DataDirUnusable extends Error {
  constructor(dataDir: string, why: string, options?: ErrorOptions) {
    super(
      `cannot use the data directory ${dataDir}: ${why}; make it a directory this user can write, or set OURO_DATA_DIR to one`,
      options,
    );
    this.name = "DataDirUnusable";
  }
}

/** A lock this process holds until release() (or until it ends). */
export interface FileLock {
  release(): void;
}

const SQLITE_BUSY = 5;

/** Open lock connections, kept reachable: a collected connection closes, and its lock goes. */
const HELD = new Set<DatabaseSync>();

/**
 * Takes the lock on `file` (an empty SQLite database, created owner-only if missing), or
 * returns null at once when another holder has it. Throws when the file cannot be created,
 * opened or locked for any other reason (a directory that cannot be written, a read-only file).
 */
export function tryLockFile(file: string): FileLock | null {
  try {
    closeSync(openSync(file, "wx", 0o600)); // "wx": never opens (and closes) a file that exists
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const db = new DatabaseSync(file);
  try {
    // The journal in memory: nothing is ever written, and an exclusive transaction would
    // otherwise make a -journal file beside the lock (journal_mode OFF is not taken here).
    db.exec("PRAGMA busy_timeout = 0; PRAGMA journal_mode = MEMORY");
    db.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    db.close();
    const code = e instanceof Error && "errcode" in e && typeof e.errcode === "number" ? e.errcode & 0xff : null;
    if (code === SQLITE_BUSY) return null;
    throw e;
  }
  let held = true;
  HELD.add(db);
  return {
    release() {
      if (!held) return;
      held = false;
      HELD.delete(db);
      db.close(); // ends the transaction: the lock goes with it
    },
  };
}

/**
 * The process holding a POSIX lock on `file`, as the kernel reports it (Linux /proc/locks,
 * matched by device and inode); null when that cannot be known (another system, another pid
 * namespace, or no holder any more).
 */
export function lockHolder(file: string): number | null {
  let dev: number;
  let ino: number;
  let table: string;
  try {
    ({ dev, ino } = statSync(file));
    table = readFileSync("/proc/locks", "utf8");
  } catch {
    return null;
  }
  // Linux's dev_t: major in bits 8–19 and 32+, minor in bits 0–7 and 20–31.
  const major = Math.floor(dev / 256) % 4096;
  const minor = (dev % 256) + (Math.floor(dev / 1048576) % 4096) * 256;
  const id = `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}:${ino}`;
  for (const line of table.split("\n")) {
    // "1: POSIX  ADVISORY  WRITE 4242 fe:00:4259857 1073741824 1073742335"
    const m = /^\d+:\s+POSIX\s+\S+\s+\S+\s+(-?\d+)\s+(\S+)\s/.exec(line);
    if (!m || m[2] !== id) continue;
    const pid = Number(m[1]);
    if (pid > 0 && pid !== process.pid) return pid;
  }
  return null;
}

/** The data directories this process holds, by real path, with how many holders in this process. */
const held = new Map<string, { lock: FileLock; count: number }>();

/**
 * Takes the data directory for this process (before anything in it is read or written): the
 * first holder in the process takes the file lock, later ones count. Returns the release,
 * which drops the lock when the last holder in the process releases. Throws DataDirInUse when
 * another process holds it, DataDirUnusable when the directory or its lock cannot be made.
 */
export function lockDataDir(dataDir: string): () => void {
  const shown = resolve(dataDir);
  let key: string;
  try {
    mkdirSync(shown, { recursive: true });
    key = realpathSync(shown);
  } catch (e) {
    throw new DataDirUnusable(shown, reason(e), { cause: e });
  }
  let entry = held.get(key);
  if (!entry) {
    const file = join(key, LOCK_FILE);
    let lock: FileLock | null;
    try {
      lock = tryLockFile(file);
    } catch (e) {
      throw new DataDirUnusable(shown, `its lock file ${LOCK_FILE} cannot be made or locked (${reason(e)})`, { cause: e });
    }
    if (!lock) throw new DataDirInUse(shown, lockHolder(file));
    entry = { lock, count: 0 };
    held.set(key, entry);
  }
  entry.count++;
  const taken = entry;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--taken.count > 0) return;
    held.delete(key);
    taken.lock.release();
  };
}

/** An fs or SQLite error in plain words ("permission denied", "read-only file system"…). */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const plain: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted (an immutable or protected directory?)",
    EROFS: "it is on a read-only file system",
    ENOTDIR: "a part of its path is a file, not a directory",
    EEXIST: "a file of that name is in the way",
    ENOSPC: "no space left on the device",
  };
  if (err?.code && err.code in plain) return plain[err.code];
  return e instanceof Error ? e.message : String(e);
}
