// The app's sqlite database (node:sqlite) under the data directory: the file name and the
// tables are those every earlier version wrote, so an existing data directory opens as it
// is. Migrations run in order, once each, counted in `PRAGMA user_version`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export const DATABASE_FILE = "ouro-app.sqlite";

/** Each entry brings the schema from version i to i + 1; only ever append. */
const MIGRATIONS: readonly string[] = [
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
];

/** A row as node:sqlite returns it. */
export type Row = Record<string, unknown>;

/** Opens (creating if needed) the database in `dataDir` and brings its schema up to date. */
export function openDatabase(dataDir: string): DatabaseSync {
  mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(join(dataDir, DATABASE_FILE));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  const at = Number((db.prepare("PRAGMA user_version").get() as Row).user_version);
  for (let v = at; v < MIGRATIONS.length; v++) {
    inTransaction(db, () => {
      db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }
}

/** Runs fn in one transaction: all of its writes happen, or none. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}
