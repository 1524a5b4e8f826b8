// The bot's configuration, read from the environment once at start-up and validated,
// so a missing token or a malformed key fails before anything connects.
import { z } from "zod";
import { parseEncryptionKey } from "../contract/sealing.ts";
import { shardPlanFromEnv } from "../contract/shards.ts";

const optionalUrl = z.preprocess((v) => (v === "" ? undefined : v), z.url().optional());
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

/** A model id as OpenAI-compatible APIs spell them: "gpt-4o-mini", "org/model:tag" — no spaces or commas. */
const MODEL_NAME = /^[A-Za-z0-9][\w.:/@-]*$/;

/** 32 bytes, given as 64 hex characters or base64 (the same key scheme as the app's store). */
export { parseEncryptionKey };

export const envSchema = z.object({
  DISCORD_TOKEN: z.string({ error: "DISCORD_TOKEN is required" }).min(1, "DISCORD_TOKEN is required"),
  /** Base of the Discord REST API, e.g. the local stand-in's; default is discord.com's. */
  DISCORD_API: optionalUrl,
  DISCORD_APPLICATION_ID: optionalString,
  /** Register commands in this guild only (instant) instead of globally. */
  DISCORD_GUILD_ID: optionalString,
  OURO_APP_URL: z.url({ error: "OURO_APP_URL must be the URL of the Ouro app's bot interface" }),
  OURO_APP_TOKEN: z.string({ error: "OURO_APP_TOKEN is required" }).min(16, "OURO_APP_TOKEN must be at least 16 characters"),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OURO_MODEL: z.string().min(1).default("gpt-4o-mini"),
  /** Models tried in order when OURO_MODEL fails (429, 5xx, timeout, invalid tool calls): "a,b". */
  OURO_FALLBACK_MODELS: z
    .string()
    .default("")
    .transform((v, ctx) => {
      if (v.trim() === "") return [];
      const items = v.split(",").map((m) => m.trim());
      items.forEach((m, i) => {
        if (!MODEL_NAME.test(m))
          ctx.addIssue({
            code: "custom",
            message: `OURO_FALLBACK_MODELS must be model names separated by commas, e.g. gpt-4o-mini,gpt-4.1-nano: item ${i + 1} ${m === "" ? "is empty" : `(${JSON.stringify(m)}) is not a model name`}`,
          });
      });
      return items;
    }),
  OURO_DATA_DIR: z.string().min(1).default("./data/bot"),
  /** The memory on PostgreSQL (shared by every shard and host); unset: SQLite in OURO_DATA_DIR. */
  DATABASE_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^postgres(?:ql)?:\/\/[^\s]+$/)
      .optional(),
  ),
  OURO_ENCRYPTION_KEY: z.string({ error: "OURO_ENCRYPTION_KEY is required (32 bytes: 64 hex characters or base64)" }).refine((v) => {
    try {
      parseEncryptionKey(v);
      return true;
    } catch {
      return false;
    }
  }, "OURO_ENCRYPTION_KEY must be 32 bytes (64 hex characters or base64)"),
  OURO_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  OURO_HEALTH_HOST: z.string().default("127.0.0.1"),
  OURO_PLUGIN_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(2500),
  /** "unisolated" runs the plugin host without its own network namespace: development only. */
  OURO_PLUGIN_NETWORK: z
    .enum(["isolated", "unisolated"], { error: 'OURO_PLUGIN_NETWORK must be "isolated" (default) or "unisolated"' })
    .default("isolated"),
  /** The guild whose roles grant capabilities (default DISCORD_GUILD_ID); roles elsewhere grant nothing. */
  OURO_ROLES_GUILD_ID: optionalString,
  OURO_VERSION: optionalString,
  /** Set by the deploy hook: this process's release and the handover file (core/handover-gate.ts). */
  OURO_RELEASE: optionalString,
  OURO_HANDOVER_FILE: optionalString,
  /**
   * On SIGTERM, how long interactions and messages already being handled may take to finish
   * before the process disconnects (set by the deploy hook below its SIGKILL grace).
   */
  OURO_DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(8000),
});

export interface BotConfig {
  discordToken: string;
  /** REST base, e.g. "http://127.0.0.1:1234/api"; undefined = discord.com. */
  discordApi?: string;
  applicationId?: string;
  guildId?: string;
  app: { url: string; token: string };
  /** Undefined = no model configured: conversation says so, everything else works. */
  model?: { baseURL?: string; apiKey: string; name: string; fallbacks?: string[] };
  dataDir: string;
  /** DATABASE_URL: the memory is this PostgreSQL database (unset: SQLite in dataDir). */
  databaseUrl?: string;
  encryptionKey: Buffer;
  health: { port: number; host: string };
  pluginTimeoutMs: number;
  /** Whether the plugin host gets a network namespace of its own (no network at all). */
  pluginNetwork: "isolated" | "unisolated";
  /** Member roles count only in this guild; undefined = in none (only "@everyone" rules apply). */
  rolesGuildId?: string;
  version?: string;
  /** Zero-drop deploys: which events this process answers (absent: all). */
  handover?: { release: string; file: string };
  /** On stop, the longest wait for in-flight interactions and messages to be answered (default 8000 ms). */
  drainMs?: number;
  /** Whether this process runs the memory's retention purge (runsRetention below; absent: yes). */
  runsRetention?: boolean;
}

/** What a variable without a message of its own must hold, in plain words. */
const EXPECTED: Record<string, string> = {
  DISCORD_API: "DISCORD_API must be a URL, e.g. https://discord.com/api",
  DISCORD_APPLICATION_ID: "DISCORD_APPLICATION_ID must be the application id from the Discord developer portal",
  DISCORD_GUILD_ID: "DISCORD_GUILD_ID must be a server (guild) id",
  OPENAI_BASE_URL: "OPENAI_BASE_URL must be a URL, e.g. https://api.openai.com/v1",
  OPENAI_API_KEY: "OPENAI_API_KEY must not be blank",
  OURO_MODEL: "OURO_MODEL must be a model name, e.g. gpt-4o-mini",
  OURO_DATA_DIR: "OURO_DATA_DIR must be a directory path",
  DATABASE_URL:
    "DATABASE_URL must be a PostgreSQL address, postgres://user:password@host:5432/database (or postgresql://…); leave it unset for SQLite in OURO_DATA_DIR",
  OURO_HEALTH_PORT: "OURO_HEALTH_PORT must be a port number (0–65535)",
  OURO_HEALTH_HOST: "OURO_HEALTH_HOST must be a host name or IP address, e.g. 127.0.0.1",
  OURO_PLUGIN_TIMEOUT_MS: "OURO_PLUGIN_TIMEOUT_MS must be a whole number of milliseconds (10–60000)",
  OURO_ROLES_GUILD_ID: "OURO_ROLES_GUILD_ID must be a server (guild) id",
};

/** Zod's own wording ("Invalid input: expected number, received NaN") is never shown. */
const SCHEMA_JARGON = /^(Invalid|Too (small|big)|expected|Expected)|received /;

/** Parses `process.env`-like input; throws one readable error listing every bad variable. */
export function configFromEnv(env: Record<string, string | undefined>): BotConfig {
  const parsed = envSchema.safeParse(env);
  let shardProblem: string | undefined;
  try {
    shardPlanFromEnv(env);
  } catch (err) {
    shardProblem = (err as Error).message;
  }
  if (!parsed.success || shardProblem) {
    const lines: string[] = [];
    for (const issue of parsed.success ? [] : parsed.error.issues) {
      const key = String(issue.path[0] ?? "");
      const line = SCHEMA_JARGON.test(issue.message) ? (EXPECTED[key] ?? `${key} has a value that is not allowed`) : issue.message;
      if (!lines.includes(line)) lines.push(line);
    }
    if (shardProblem) lines.push(shardProblem);
    throw new Error(`invalid bot configuration: ${lines.join("; ")}`);
  }
  const e = parsed.data;
  return {
    discordToken: e.DISCORD_TOKEN,
    discordApi: e.DISCORD_API,
    applicationId: e.DISCORD_APPLICATION_ID,
    guildId: e.DISCORD_GUILD_ID,
    app: { url: e.OURO_APP_URL, token: e.OURO_APP_TOKEN },
    model: e.OPENAI_API_KEY
      ? { baseURL: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY, name: e.OURO_MODEL, fallbacks: e.OURO_FALLBACK_MODELS }
      : undefined,
    dataDir: e.OURO_DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    encryptionKey: parseEncryptionKey(e.OURO_ENCRYPTION_KEY),
    health: { port: e.OURO_HEALTH_PORT, host: e.OURO_HEALTH_HOST },
    pluginTimeoutMs: e.OURO_PLUGIN_TIMEOUT_MS,
    pluginNetwork: e.OURO_PLUGIN_NETWORK,
    rolesGuildId: e.OURO_ROLES_GUILD_ID ?? e.DISCORD_GUILD_ID,
    version: e.OURO_VERSION,
    handover: e.OURO_RELEASE && e.OURO_HANDOVER_FILE ? { release: e.OURO_RELEASE, file: e.OURO_HANDOVER_FILE } : undefined,
    drainMs: e.OURO_DRAIN_MS,
    runsRetention: runsRetention(env),
  };
}

/**
 * Whether this process runs the memory's retention purge, so it runs once and not once per
 * shard: a process outside a ShardingManager always does; a shard process does when it runs
 * the lowest shard id of the memory it shares — shard 0 when the memory is PostgreSQL
 * (DATABASE_URL: one memory for every host), else the lowest id of this host (one memory
 * file per host). `SHARDS`/`SHARD_COUNT` are what discord.js's ShardingManager gives each shard.
 */
export function runsRetention(env: Record<string, string | undefined>): boolean {
  if (!env.SHARDING_MANAGER || env.SHARDS === undefined) return true;
  let mine: number[];
  try {
    const parsed: unknown = JSON.parse(env.SHARDS);
    mine = (Array.isArray(parsed) ? parsed : [parsed]).map(Number);
  } catch {
    return true; // not a shard list discord.js wrote: behave as one process
  }
  if (env.DATABASE_URL) return mine.includes(0);
  let lowest = 0;
  try {
    lowest = shardPlanFromEnv(env).ids?.[0] ?? 0;
  } catch {
    /* bot/shard.ts validated these before starting any shard */
  }
  return mine.includes(lowest);
}
