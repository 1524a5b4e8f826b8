// The bot's memory: one node:sqlite file in the data directory, or the PostgreSQL database
// DATABASE_URL names (shared by shard processes on several hosts). Content is sealed
// (contract/sealing.ts) before it is written; everything survives a restart because it is only
// ever read back from the database.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createSealer, type Sealer } from "../../contract/sealing.ts";
import type { Db } from "../../contract/storage/engine.ts";
import { PostgresDb } from "../../contract/storage/postgres.ts";
import { SqliteDb } from "../../contract/storage/sqlite.ts";
import { POSTGRES_SCHEMA_SQL, SCHEMA_SQL, SCHEMA_VERSION, USER_TABLES } from "./schema.ts";

export type Role = "user" | "assistant";
export interface Turn {
  role: Role;
  content: string;
  at: number;
}
export interface ConversationContext {
  summaries: string[];
  turns: Turn[];
}
export interface ProgressMessageRef {
  changeId: string;
  guildId?: string;
  channelId: string;
  messageId: string;
  state: string;
  /** The last progress event as JSON. */
  detail?: string;
}
export type RowCounts = Record<(typeof USER_TABLES)[number], number>;

export interface UserExport {
  userId: string;
  exportedAt: string;
  profile: { name: string; firstSeen: string; lastSeen: string } | null;
  preferences: Record<string, string>;
  messages: { conversation: string; role: Role; content: string; at: string }[];
  summaries: { conversation: string; content: string; turns: number; at: string }[];
  featureOffers: { id: string; text: string; at: string }[];
}

export interface MemoryOptions {
  dataDir: string;
  key: Buffer;
  /** Injected clock, for retention tests. */
  now?: () => number;
  /** DATABASE_URL (postgres://…): the memory is that PostgreSQL database; nothing is kept in dataDir. */
  databaseUrl?: string | undefined;
}

/** The advisory lock that serializes shards creating the memory's tables at once ("omem" in ASCII). */
const SCHEMA_LOCK = 0x6f6d656d;

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

export class Memory {
  /** Where the memory is: the SQLite file, or the PostgreSQL database (without its password). */
  readonly path: string;
  private db: Db;
  private sealer: Sealer;
  private now: () => number;

  constructor(opts: MemoryOptions) {
    if (opts.databaseUrl) {
      const u = new URL(opts.databaseUrl);
      this.path = `PostgreSQL ${u.host}${u.pathname}`;
      const db = new PostgresDb(opts.databaseUrl);
      try {
        // shards starting at once: one creates the tables, the others wait and find them
        db.transaction(() => {
          db.exec(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
          db.exec(POSTGRES_SCHEMA_SQL);
          this.markVersion(db);
        });
      } catch (e) {
        db.close();
        throw e;
      }
      this.db = db;
    } else {
      mkdirSync(opts.dataDir, { recursive: true });
      this.path = join(opts.dataDir, "memory.sqlite");
      this.db = new SqliteDb(this.path);
      // busy_timeout: shard processes share the file; a writer waits instead of failing.
      this.db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
      this.db.exec(SCHEMA_SQL);
      this.markVersion(this.db);
    }
    this.sealer = createSealer(opts.key);
    this.now = opts.now ?? Date.now;
  }

  private markVersion(db: Db): void {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT DO NOTHING").run(String(SCHEMA_VERSION));
  }

  private seal(text: string, aad: string): Uint8Array {
    return this.sealer.seal(text, aad);
  }
  private open(blob: unknown, aad: string): string {
    return this.sealer.open(blob as Uint8Array, aad);
  }

  /** Runs `fn` in one transaction: all of it is written or none of it. */
  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  touchProfile(userId: string, name: string): void {
    const t = this.now();
    this.db
      .prepare(
        `INSERT INTO profiles (user_id, name_enc, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET name_enc = excluded.name_enc, last_seen = excluded.last_seen`,
      )
      .run(userId, this.seal(name, `profiles:${userId}`), t, t);
  }

  profile(userId: string): { name: string; firstSeen: number; lastSeen: number } | undefined {
    const row = this.db.prepare("SELECT name_enc, first_seen, last_seen FROM profiles WHERE user_id = ?").get(userId);
    if (!row) return undefined;
    return { name: this.open(row.name_enc, `profiles:${userId}`), firstSeen: Number(row.first_seen), lastSeen: Number(row.last_seen) };
  }

  setPreference(userId: string, key: string, value: string): void {
    this.db
      .prepare(
        `INSERT INTO preferences (user_id, key, value_enc, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, key) DO UPDATE SET value_enc = excluded.value_enc, updated_at = excluded.updated_at`,
      )
      .run(userId, key, this.seal(value, `preferences:${userId}:${key}`), this.now());
  }

  preferences(userId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const row of this.db.prepare("SELECT key, value_enc FROM preferences WHERE user_id = ? ORDER BY key").all(userId)) {
      out[String(row.key)] = this.open(row.value_enc, `preferences:${userId}:${row.key}`);
    }
    return out;
  }

  setGuildContext(guildId: string, key: string, value: string): void {
    this.db
      .prepare(
        `INSERT INTO guild_context (guild_id, key, value_enc, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (guild_id, key) DO UPDATE SET value_enc = excluded.value_enc, updated_at = excluded.updated_at`,
      )
      .run(guildId, key, this.seal(value, `guild_context:${guildId}:${key}`), this.now());
  }

  guildContext(guildId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const row of this.db.prepare("SELECT key, value_enc FROM guild_context WHERE guild_id = ? ORDER BY key").all(guildId)) {
      out[String(row.key)] = this.open(row.value_enc, `guild_context:${guildId}:${row.key}`);
    }
    return out;
  }

  appendTurn(userId: string, conversation: string, role: Role, content: string): void {
    this.db
      .prepare("INSERT INTO messages (user_id, conversation, role, content_enc, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(userId, conversation, role, this.seal(content, `messages:${userId}`), this.now());
  }

  context(conversation: string): ConversationContext {
    const summaries = this.db
      .prepare("SELECT user_id, content_enc FROM summaries WHERE conversation = ? ORDER BY id")
      .all(conversation)
      .map((r) => this.open(r.content_enc, `summaries:${r.user_id}`));
    const turns = this.db
      .prepare("SELECT user_id, role, content_enc, created_at FROM messages WHERE conversation = ? ORDER BY id")
      .all(conversation)
      .map((r) => ({ role: r.role as Role, content: this.open(r.content_enc, `messages:${r.user_id}`), at: Number(r.created_at) }));
    return { summaries, turns };
  }

  /**
   * Keeps the newest `keep` turns of a conversation verbatim and folds the older ones
   * into one summary row (written with the turns' deletion in one transaction).
   */
  async compact(
    userId: string,
    conversation: string,
    keep: number,
    summarize: (turns: Turn[]) => Promise<string> | string,
  ): Promise<boolean> {
    const rows = this.db.prepare("SELECT id FROM messages WHERE conversation = ? ORDER BY id").all(conversation);
    if (rows.length <= keep) return false;
    const cutoffId = Number(rows[rows.length - keep - 1].id);
    const older = this.db
      .prepare("SELECT user_id, role, content_enc, created_at FROM messages WHERE conversation = ? AND id <= ? ORDER BY id")
      .all(conversation, cutoffId)
      .map((r) => ({ role: r.role as Role, content: this.open(r.content_enc, `messages:${r.user_id}`), at: Number(r.created_at) }));
    const summary = await summarize(older);
    this.tx(() => {
      this.db
        .prepare("INSERT INTO summaries (user_id, conversation, content_enc, turns, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(userId, conversation, this.seal(summary, `summaries:${userId}`), older.length, this.now());
      this.db.prepare("DELETE FROM messages WHERE conversation = ? AND id <= ?").run(conversation, cutoffId);
    });
    return true;
  }

  /** Deletes conversation history and summaries older than `days`; returns rows deleted. */
  purgeOlderThan(days: number): number {
    const cutoff = this.now() - days * DAY;
    return this.tx(() => {
      let n = 0;
      n += Number(this.db.prepare("DELETE FROM messages WHERE created_at < ?").run(cutoff).changes);
      n += Number(this.db.prepare("DELETE FROM summaries WHERE created_at < ?").run(cutoff).changes);
      n += Number(this.db.prepare("DELETE FROM feature_offers WHERE created_at < ?").run(cutoff).changes);
      // Finished changes' progress messages need no more edits.
      n += Number(
        this.db.prepare("DELETE FROM progress_messages WHERE updated_at < ? AND state IN ('deployed', 'rolled-back', 'failed')").run(cutoff)
          .changes,
      );
      return n;
    });
  }

  saveOffer(userId: string, text: string): string {
    const id = randomUUID();
    this.db
      .prepare("INSERT INTO feature_offers (id, user_id, text_enc, created_at) VALUES (?, ?, ?, ?)")
      .run(id, userId, this.seal(text, `feature_offers:${userId}`), this.now());
    return id;
  }

  /** Reads and deletes an offer, so one click submits at most one request. */
  takeOffer(id: string): { userId: string; text: string } | undefined {
    return this.tx(() => {
      const row = this.db.prepare("SELECT user_id, text_enc FROM feature_offers WHERE id = ?").get(id);
      if (!row) return undefined;
      this.db.prepare("DELETE FROM feature_offers WHERE id = ?").run(id);
      const userId = String(row.user_id);
      return { userId, text: this.open(row.text_enc, `feature_offers:${userId}`) };
    });
  }

  counts(userId: string): RowCounts {
    const out = {} as RowCounts;
    for (const table of USER_TABLES) {
      out[table] = Number(this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`).get(userId)!.n);
    }
    return out;
  }

  /** Deletes every row of this user in every user table, in one transaction. */
  forget(userId: string): RowCounts {
    return this.tx(() => {
      const out = {} as RowCounts;
      for (const table of USER_TABLES) {
        out[table] = Number(this.db.prepare(`DELETE FROM ${table} WHERE user_id = ?`).run(userId).changes);
      }
      return out;
    });
  }

  export(userId: string): UserExport {
    const p = this.profile(userId);
    return {
      userId,
      exportedAt: iso(this.now()),
      profile: p ? { name: p.name, firstSeen: iso(p.firstSeen), lastSeen: iso(p.lastSeen) } : null,
      preferences: this.preferences(userId),
      messages: this.db
        .prepare("SELECT conversation, role, content_enc, created_at FROM messages WHERE user_id = ? ORDER BY id")
        .all(userId)
        .map((r) => ({
          conversation: String(r.conversation),
          role: r.role as Role,
          content: this.open(r.content_enc, `messages:${userId}`),
          at: iso(Number(r.created_at)),
        })),
      summaries: this.db
        .prepare("SELECT conversation, content_enc, turns, created_at FROM summaries WHERE user_id = ? ORDER BY id")
        .all(userId)
        .map((r) => ({
          conversation: String(r.conversation),
          content: this.open(r.content_enc, `summaries:${userId}`),
          turns: Number(r.turns),
          at: iso(Number(r.created_at)),
        })),
      featureOffers: this.db
        .prepare("SELECT id, text_enc, created_at FROM feature_offers WHERE user_id = ? ORDER BY created_at")
        .all(userId)
        .map((r) => ({ id: String(r.id), text: this.open(r.text_enc, `feature_offers:${userId}`), at: iso(Number(r.created_at)) })),
    };
  }

  setProgressMessage(ref: ProgressMessageRef): void {
    this.db
      .prepare(
        `INSERT INTO progress_messages (change_id, guild_id, channel_id, message_id, state, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (change_id) DO UPDATE SET guild_id = excluded.guild_id, channel_id = excluded.channel_id, message_id = excluded.message_id,
           state = excluded.state, detail = excluded.detail, updated_at = excluded.updated_at`,
      )
      .run(ref.changeId, ref.guildId ?? null, ref.channelId, ref.messageId, ref.state, ref.detail ?? null, this.now());
  }

  progressMessage(changeId: string): ProgressMessageRef | undefined {
    const r = this.db
      .prepare("SELECT change_id, guild_id, channel_id, message_id, state, detail FROM progress_messages WHERE change_id = ?")
      .get(changeId);
    if (!r) return undefined;
    return {
      changeId: String(r.change_id),
      ...(r.guild_id == null ? {} : { guildId: String(r.guild_id) }),
      channelId: String(r.channel_id),
      messageId: String(r.message_id),
      state: String(r.state),
      ...(r.detail == null ? {} : { detail: String(r.detail) }),
    };
  }

  meta(key: string): string | undefined {
    const r = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key);
    return r ? String(r.value) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** An offer's owner and text, without taking it. */
  peekOffer(id: string): { userId: string; text: string } | undefined {
    const row = this.db.prepare("SELECT user_id, text_enc FROM feature_offers WHERE id = ?").get(id);
    if (!row) return undefined;
    const userId = String(row.user_id);
    return { userId, text: this.open(row.text_enc, `feature_offers:${userId}`) };
  }

  /** A plugin's stored value (the plugin API's store; the quota is checked by the caller). */
  pluginGet(plugin: string, key: string): string | undefined {
    const row = this.db.prepare("SELECT value_enc FROM plugin_kv WHERE plugin = ? AND key = ?").get(plugin, key);
    return row ? this.open(row.value_enc, `plugin_kv:${plugin}:${key}`) : undefined;
  }

  /** Writes a value unless the plugin would then hold more than `quota` (keys and bytes). */
  pluginSet(plugin: string, key: string, value: string, quota: { keys: number; bytes: number }): void {
    const size = Buffer.byteLength(key) + Buffer.byteLength(value);
    this.tx(() => {
      const used = this.db
        .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM plugin_kv WHERE plugin = ? AND key != ?")
        .get(plugin, key)!;
      if (Number(used.n) + 1 > quota.keys) throw new Error(`the store of plugin "${plugin}" is full: at most ${quota.keys} keys`);
      if (Number(used.bytes) + size > quota.bytes) throw new Error(`the store of plugin "${plugin}" is full: at most ${quota.bytes} bytes`);
      this.db
        .prepare(
          "INSERT INTO plugin_kv (plugin, key, value_enc, size, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (plugin, key) DO UPDATE SET value_enc = excluded.value_enc, size = excluded.size, updated_at = excluded.updated_at",
        )
        .run(plugin, key, this.seal(value, `plugin_kv:${plugin}:${key}`), size, this.now());
    });
  }

  pluginDelete(plugin: string, key: string): void {
    this.db.prepare("DELETE FROM plugin_kv WHERE plugin = ? AND key = ?").run(plugin, key);
  }

  pluginKeys(plugin: string): string[] {
    return this.db
      .prepare("SELECT key FROM plugin_kv WHERE plugin = ? ORDER BY key")
      .all(plugin)
      .map((r) => String(r.key));
  }

  /** Statements sent to the database so far (on PostgreSQL, each a round trip the bot waits for). */
  get statements(): number {
    return this.db.statements;
  }

  /** A cheap query, for /healthz. */
  ping(): void {
    this.db.prepare("SELECT 1").get();
  }

  close(): void {
    this.db.close();
  }
}
