// The app's database: by default SQLite (node:sqlite) under the data directory — the file name
// and the tables are those every earlier version wrote, so an existing data directory opens as
// it is; migrations run in order, once each, counted in `PRAGMA user_version` — or PostgreSQL
// when DATABASE_URL names one (postgres-schema.ts). Also what tells "the database cannot be
// written now" (read-only, immutable, full, locked, unreachable) from other errors.
// The files (the database, its -wal and -shm) are the owner's alone (0600): created so, and
// tightened at open when an earlier version left them readable to others. Personal data in
// them is sealed (personal.ts); a store written with another key is refused before anything
// is read or written.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Db, Row } from "../../contract/storage/engine.ts";
import { SqliteDb } from "../../contract/storage/sqlite.ts";
import { describePostgresError, isPostgresUnwritable, openPostgres } from "./postgres-schema.ts";
import { sealExistingRows } from "./seal-existing.ts";
import { KEY_CHECK } from "./personal.ts";
import type { PersonalData } from "./personal.ts";

export const DATABASE_FILE = "ouro-app.sqlite";

/** Each entry brings the schema from version i to i + 1 (SQL, or a function for what SQL cannot do); only ever append. */
const MIGRATIONS: readonly (string | ((db: Db, personal: PersonalData) => void))[] = [
  // 1: the tables as the app first created them (IF NOT EXISTS: data directories from before
  //    user_version was counted already have them).
  `
CREATE TABLE IF NOT EXISTS changes (
  id TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, source TEXT NOT NULL,
  requester TEXT NOT NULL, requester_key TEXT NOT NULL, requester_login TEXT, text TEXT NOT NULL, title TEXT NOT NULL,
  request_json TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, issue_number INTEGER, issue_url TEXT, pr_number INTEGER, pr_url TEXT, branch TEXT,
  head_sha TEXT, merge_sha TEXT, risk TEXT, verdict_json TEXT, deployment_id INTEGER, revert_of TEXT, revert_change TEXT,
  feedback_json TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL, started_at INTEGER, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS changes_state ON changes(state);
CREATE INDEX IF NOT EXISTS changes_pr ON changes(pr_number);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL, at TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_change ON audit(change_id);
CREATE TABLE IF NOT EXISTS progress (seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, value TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS votes (change_id TEXT NOT NULL, voter TEXT NOT NULL, vote TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (change_id, voter));
`,
  // 2: a change from the bot waits for its answer (answered_at null until the 201 was written;
  //    changes stored before were all answered); target_key names what a change changes (a
  //    plugin, a setting, or one requester's text) so overlapping requests meet; redo_bases_json
  //    lists the base commits the agent redid a conflicting PR on; joined_requests maps a
  //    request that joined an open change to that change (a retry finds it again).
  `
ALTER TABLE changes ADD COLUMN answered_at INTEGER;
UPDATE changes SET answered_at = created_at;
ALTER TABLE changes ADD COLUMN target_key TEXT;
ALTER TABLE changes ADD COLUMN redo_bases_json TEXT NOT NULL DEFAULT '[]';
CREATE INDEX IF NOT EXISTS changes_target ON changes(target_key);
CREATE TABLE IF NOT EXISTS joined_requests (request_id TEXT PRIMARY KEY, change_id TEXT NOT NULL, at INTEGER NOT NULL);
`,
  // 3: personal data sealed at rest (seal-existing.ts): the columns keep their names and hold
  //    sealed BLOBs; requester_hash (a keyed hash of the requester) finds a person's changes and
  //    audit.subject the audit rows about a person, for /forget; erased_at says when a change's
  //    personal data was erased (the audit skeleton stays). kv KEY_CHECK tells the key.
  (db, personal) => {
    db.exec(`
ALTER TABLE changes ADD COLUMN requester_hash TEXT;
ALTER TABLE changes ADD COLUMN erased_at INTEGER;
CREATE INDEX IF NOT EXISTS changes_requester ON changes(requester_hash);
ALTER TABLE audit ADD COLUMN subject TEXT;
CREATE INDEX IF NOT EXISTS audit_subject ON audit(subject);
`);
    sealExistingRows(db, personal);
    db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
      KEY_CHECK,
      personal.keyCheck(),
    );
  },
  // 4: Discord users linked to GitHub logins (/link github) and the pending one-time codes
  //    that prove a link, stored as hashes (identities.ts).
  `
CREATE TABLE IF NOT EXISTS identities (discord_id TEXT PRIMARY KEY, login TEXT NOT NULL, linked_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS identity_codes (code_hash TEXT PRIMARY KEY, discord_id TEXT NOT NULL UNIQUE, login TEXT NOT NULL, expires_at INTEGER NOT NULL);
`,
  // 5: the console's sessions and its GitHub sign-ins not finished yet, shared by every replica
  //    (console-sessions.ts): each found by the SHA-256 of its secret, never the secret.
  `
CREATE TABLE IF NOT EXISTS console_sessions (id_hash TEXT PRIMARY KEY, login TEXT NOT NULL, via TEXT NOT NULL, can_act INTEGER NOT NULL,
  checked_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS console_sessions_expiry ON console_sessions(expires_at);
CREATE TABLE IF NOT EXISTS console_sign_ins (state_hash TEXT PRIMARY KEY, browser_hash TEXT NOT NULL, next TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS console_sign_ins_expiry ON console_sign_ins(expires_at);
`,
];

export type { Db, Row };

/** Where the store lives: SQLite in the data directory, or the PostgreSQL database `databaseUrl` names. */
export interface StoreLocation {
  dataDir: string;
  databaseUrl?: string | undefined;
}

/**
 * Opens the store's database, checks it was written with this key (WrongKeyError if not, before
 * anything is written) and brings its schema up to date.
 */
export function openDatabase(where: StoreLocation, personal: PersonalData): Db {
  return where.databaseUrl ? openPostgres(where.databaseUrl, personal) : openSqlite(where.dataDir, personal);
}

/** A connection as it is, without the checks and migrations (SQLite on a file that cannot be written). */
export function openAsIs(where: StoreLocation): Db {
  if (where.databaseUrl) throw new Error("a PostgreSQL store is only ever opened whole");
  return new SqliteDb(databaseFile(where.dataDir));
}

/**
 * Opens (creating if needed) the SQLite database in `dataDir`, owner-only, checks it was written
 * with this key (WrongKeyError if not) and brings its schema up to date.
 */
function openSqlite(dataDir: string, personal: PersonalData): Db {
  mkdirSync(dataDir, { recursive: true });
  ownerOnly(databaseFile(dataDir));
  const db = new SqliteDb(databaseFile(dataDir));
  try {
    // secure_delete: what is erased or sealed over is zeroed in the file, not left in free pages.
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;");
    ownerOnly(databaseFile(dataDir)); // SQLite gives -wal and -shm the database file's mode; older ones are tightened here
    checkKey(db, personal, databaseFile(dataDir));
    if (migrate(db, personal)) flushWal(db);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

export const databaseFile = (dataDir: string): string => join(dataDir, DATABASE_FILE);

/** The database file (created empty if missing) and its -wal and -shm, if present: mode 0600. */
function ownerOnly(file: string): void {
  try {
    if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  } catch {
    // a file that cannot be changed now (read-only filesystem, immutable): SQLite's own open and
    // the store's probe say so; it is tightened at the first open that can
  }
}

/** A store that already has a key check must open with this key; nothing is written before. */
function checkKey(db: Db, personal: PersonalData, file: string): void {
  const kv = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get();
  if (!kv) return;
  const row = db.prepare("SELECT value FROM kv WHERE key = ?").get(KEY_CHECK) as Row | undefined;
  if (row) personal.verify(row.value, file);
}

/**
 * SQLite's primary result codes that mean the file cannot be written now, whatever the
 * statement: PERM, BUSY (locked past busy_timeout), READONLY (a connection SQLite opened
 * read-only because the file was not writable stays so), IOERR, FULL, CANTOPEN.
 */
const UNWRITABLE: Record<number, string> = {
  3: "SQLITE_PERM",
  5: "SQLITE_BUSY",
  8: "SQLITE_READONLY",
  10: "SQLITE_IOERR",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
};

const sqliteCode = (e: unknown): number | null =>
  e instanceof Error && "errcode" in e && typeof e.errcode === "number" ? e.errcode & 0xff : null;

/** Whether `e` says the database cannot be written now (as opposed to a wrong statement). */
export function isUnwritable(e: unknown): boolean {
  if (isPostgresUnwritable(e)) return true;
  const code = sqliteCode(e);
  return code !== null && code in UNWRITABLE;
}

/**
 * `e` in plain words with its code, e.g. "attempt to write a readonly database (SQLITE_READONLY)",
 * or for PostgreSQL "the database refuses writes: it is read-only (… ) (25006)".
 */
export function describeStoreError(e: unknown): string {
  const pg = describePostgresError(e);
  if (pg !== null) return pg;
  const code = sqliteCode(e);
  const message = e instanceof Error ? e.message : String(e);
  return code !== null && code in UNWRITABLE ? `${message} (${UNWRITABLE[code]})` : message;
}

/** Brings the schema up to date; returns whether any migration ran. */
function migrate(db: Db, personal: PersonalData): boolean {
  const at = Number((db.prepare("PRAGMA user_version").get() as Row).user_version);
  for (let v = at; v < MIGRATIONS.length; v++) {
    inTransaction(db, () => {
      const step = MIGRATIONS[v];
      if (typeof step === "string") db.exec(step);
      else step(db, personal);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }
  return at < MIGRATIONS.length;
}

/**
 * Writes the WAL into the database file and empties it, so page versions from before an
 * erasure or a sealing (plaintext) are not left in the -wal file. Best effort: with a reader
 * still open it is done at a later checkpoint.
 */
export function flushWal(db: Db): void {
  if (db.engine !== "sqlite") return; // PostgreSQL keeps no WAL file beside the data directory
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch {
    // busy: SQLite's own checkpoints get to it
  }
}

/** Runs fn in one transaction: all of its writes happen, or none. */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn);
}
