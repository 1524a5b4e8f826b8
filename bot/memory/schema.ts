// Tables of the bot's memory. Every column holding something a user wrote or said
// is a *_enc BLOB (AES-256-GCM); ids and timestamps stay clear for lookups and retention.
// Every user-owned table has a user_id column: /forget deletes by it, /export reads by it.
// On PostgreSQL (DATABASE_URL) the same tables in its types: POSTGRES_SCHEMA_SQL.
export const SCHEMA_VERSION = 1;

export const USER_TABLES = ["profiles", "preferences", "messages", "summaries", "feature_offers"] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (
  user_id TEXT PRIMARY KEY,
  name_enc BLOB NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS preferences (
  user_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value_enc BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE TABLE IF NOT EXISTS guild_context (
  guild_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value_enc BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (guild_id, key)
);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  conversation TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content_enc BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation, id);
CREATE INDEX IF NOT EXISTS messages_by_user ON messages (user_id);
CREATE TABLE IF NOT EXISTS summaries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  conversation TEXT NOT NULL,
  content_enc BLOB NOT NULL,
  turns INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS summaries_by_user ON summaries (user_id);
CREATE TABLE IF NOT EXISTS feature_offers (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  text_enc BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
-- Where a change's live progress is shown. No user data: the request itself lives in the app.
CREATE TABLE IF NOT EXISTS progress_messages (
  change_id TEXT PRIMARY KEY,
  -- which shard edits it (NULL: a DM, shard 0)
  guild_id TEXT,
  channel_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  state TEXT NOT NULL,
  -- the last progress event (JSON: PR url, risk, votes), public data
  detail TEXT,
  updated_at INTEGER NOT NULL
);
-- Each plugin's own key-value store (the plugin API's \`store\`): keys clear, values sealed.
CREATE TABLE IF NOT EXISTS plugin_kv (
  plugin TEXT NOT NULL,
  key TEXT NOT NULL,
  value_enc BLOB NOT NULL,
  size INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (plugin, key)
);
`;

/**
 * SCHEMA_SQL in PostgreSQL's types: BLOB is BYTEA, AUTOINCREMENT keys are identity columns, and
 * every other INTEGER (millisecond times, sizes, counts) is BIGINT.
 */
export const POSTGRES_SCHEMA_SQL = SCHEMA_SQL.replaceAll(
  "INTEGER PRIMARY KEY AUTOINCREMENT",
  "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
)
  .replaceAll(" INTEGER", " BIGINT")
  .replaceAll(" BLOB", " BYTEA");
