// The app's store on PostgreSQL (DATABASE_URL): its schema, migrated at start, and what its
// errors mean in plain words. The tables are SQLite's (database.ts) as they stand after all of
// its migrations, in PostgreSQL's types: millisecond times and GitHub ids BIGINT, sealed
// personal data BYTEA, AUTOINCREMENT keys identity columns. Migrations are their own list,
// counted in `ouro_migrations` (one row per version applied), and run in one transaction that
// first takes an advisory lock: two processes starting at once migrate once — the second waits,
// then finds nothing to do. The key check runs in that transaction before anything is written,
// so a database written with another key is refused unchanged.
import type { Db } from "../../contract/storage/engine.ts";
import { PostgresDb, PostgresError } from "../../contract/storage/postgres.ts";
import { KEY_CHECK } from "./personal.ts";
import type { PersonalData } from "./personal.ts";

/** The advisory lock that serializes migrations of one database ("ouro" in ASCII). */
export const MIGRATION_LOCK = 0x6f75726f;

/** Each entry brings the schema from version i to i + 1; only ever append. */
const MIGRATIONS: readonly ((db: Db, personal: PersonalData) => void)[] = [
  // 1: everything SQLite's migrations 1–4 made, and the key check (kept as base64 text in kv).
  (db, personal) => {
    db.exec(`
CREATE TABLE changes (
  id TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, source TEXT NOT NULL,
  requester BYTEA NOT NULL, requester_key BYTEA NOT NULL, requester_login BYTEA, text BYTEA NOT NULL, title BYTEA NOT NULL,
  request_json BYTEA NOT NULL, state TEXT NOT NULL, reason TEXT, issue_number BIGINT, issue_url TEXT, pr_number BIGINT, pr_url TEXT,
  branch TEXT, head_sha TEXT, merge_sha TEXT, risk TEXT, verdict_json TEXT, deployment_id BIGINT, revert_of TEXT, revert_change TEXT,
  feedback_json BYTEA NOT NULL, created_at BIGINT NOT NULL, started_at BIGINT, updated_at BIGINT NOT NULL,
  answered_at BIGINT, target_key TEXT, redo_bases_json TEXT NOT NULL DEFAULT '[]', requester_hash TEXT, erased_at BIGINT);
CREATE INDEX changes_state ON changes(state);
CREATE INDEX changes_pr ON changes(pr_number);
CREATE INDEX changes_target ON changes(target_key);
CREATE INDEX changes_requester ON changes(requester_hash);
CREATE TABLE audit (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, change_id TEXT NOT NULL, at TEXT NOT NULL, event TEXT NOT NULL,
  detail BYTEA NOT NULL, subject TEXT);
CREATE INDEX audit_change ON audit(change_id);
CREATE INDEX audit_subject ON audit(subject);
CREATE TABLE progress (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, change_id TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE keys (key TEXT PRIMARY KEY, value TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE votes (change_id TEXT NOT NULL, voter TEXT NOT NULL, vote TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (change_id, voter));
CREATE TABLE joined_requests (request_id TEXT PRIMARY KEY, change_id TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE identities (discord_id TEXT PRIMARY KEY, login TEXT NOT NULL, linked_at BIGINT NOT NULL);
CREATE TABLE identity_codes (code_hash TEXT PRIMARY KEY, discord_id TEXT NOT NULL UNIQUE, login TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at BIGINT NOT NULL);
`);
    db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run(KEY_CHECK, Buffer.from(personal.keyCheck()).toString("base64"));
  },
  // 2: SQLite's migration 5: the console's sessions and unfinished GitHub sign-ins, by the hash of their secret.
  (db) => {
    db.exec(`
CREATE TABLE console_sessions (id_hash TEXT PRIMARY KEY, login TEXT NOT NULL, via TEXT NOT NULL, can_act INTEGER NOT NULL,
  checked_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
CREATE TABLE console_sign_ins (state_hash TEXT PRIMARY KEY, browser_hash TEXT NOT NULL, next TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX console_sign_ins_expiry ON console_sign_ins(expires_at);
`);
  },
];

/** How many migrations there are (the schema version a fresh database ends at). */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Connects to `url`, checks the key and migrates, all in one transaction under the migration
 * lock. Throws WrongKeyError for another key, PostgresError when the server cannot be used.
 */
export function openPostgres(url: string, personal: PersonalData): Db {
  const db = new PostgresDb(url);
  try {
    db.transaction(() => {
      db.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      checkKey(db, personal, url);
      migrate(db, personal);
    });
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

function checkKey(db: Db, personal: PersonalData, url: string): void {
  if (!db.prepare("SELECT to_regclass('kv') IS NOT NULL AS present").get()?.present) return;
  const row = db.prepare("SELECT value FROM kv WHERE key = ?").get(KEY_CHECK);
  const u = new URL(url);
  if (row) personal.verify(Buffer.from(String(row.value), "base64"), `PostgreSQL ${u.host}${u.pathname}`);
}

/** Runs what is missing; writes nothing when the schema is up to date (so a read-only standby still opens). */
function migrate(db: Db, personal: PersonalData): void {
  const counted = db.prepare("SELECT to_regclass('ouro_migrations') IS NOT NULL AS present").get()?.present === true;
  if (!counted) db.exec("CREATE TABLE ouro_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  const at = Number(db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM ouro_migrations").get()?.v ?? 0);
  for (let v = at; v < MIGRATIONS.length; v++) {
    MIGRATIONS[v](db, personal);
    db.prepare("INSERT INTO ouro_migrations (version, applied_at) VALUES (?, ?)").run(v + 1, Date.now());
  }
}

/**
 * Codes that mean the database cannot be written now, whatever the statement, in plain words:
 * SQLSTATEs (class 08 is added below: the connection failed) and Node's network codes.
 */
const UNWRITABLE: Record<string, string> = {
  ECONNREFUSED: "PostgreSQL refused the connection: is the server running, at the address DATABASE_URL names?",
  ENOTFOUND: "PostgreSQL's host was not found: check the host name in DATABASE_URL",
  EAI_AGAIN: "PostgreSQL's host name could not be looked up now",
  EHOSTUNREACH: "PostgreSQL's host cannot be reached",
  ETIMEDOUT: "PostgreSQL did not answer in time",
  TIMEOUT: "PostgreSQL did not answer in time",
  ECONNRESET: "the connection to PostgreSQL was lost",
  CONNECTION_LOST: "the connection to PostgreSQL was lost",
  CONNECTION_CLOSED: "the connection to PostgreSQL is closed",
  "25006": "PostgreSQL refuses writes: the database is read-only (a standby, or default_transaction_read_only is on)",
  "53100": "PostgreSQL's disk is full",
  "53200": "PostgreSQL is out of memory",
  "53300": "PostgreSQL has no connection free (too many connections)",
  "57P01": "PostgreSQL is shutting down",
  "57P02": "PostgreSQL is shutting down",
  "57P03": "PostgreSQL is starting up or shutting down",
};

const pgCode = (e: unknown): string | null => (e instanceof PostgresError ? (e.code ?? "") : null);

/** Whether `e` is a PostgreSQL error that says the database cannot be written now. */
export function isPostgresUnwritable(e: unknown): boolean {
  const code = pgCode(e);
  return code !== null && (code in UNWRITABLE || code.startsWith("08"));
}

/** A PostgreSQL error in plain words with its code; null for an error that is not PostgreSQL's. */
export function describePostgresError(e: unknown): string | null {
  const code = pgCode(e);
  if (code === null) return null;
  const message = (e as PostgresError).message;
  const plain = UNWRITABLE[code] ?? (code.startsWith("08") ? "the connection to PostgreSQL failed" : null);
  if (plain) return `${plain} (${message}; ${code})`;
  return code ? `${message} (PostgreSQL ${code})` : message;
}
