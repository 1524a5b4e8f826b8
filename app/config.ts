// The app's configuration, from the environment, validated once at start: a missing or
// malformed value is a clear error before anything listens or writes.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseEncryptionKey } from "../contract/sealing.ts";
import type { ConsoleAuthOptions } from "./console/auth/index.ts";

/** A host name, IPv4 or IPv6 address: no scheme, path or port. */
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

const envSchema = z.object({
  APP_ID: z.coerce.number().int().positive({ message: "APP_ID must be the GitHub App's numeric id" }),
  PRIVATE_KEY: z.string().min(1).optional(),
  PRIVATE_KEY_PATH: z.string().min(1).optional(),
  WEBHOOK_SECRET: z.string().min(8, { message: "WEBHOOK_SECRET must be at least 8 characters" }),
  /** GitHub Enterprise / local mode host, e.g. 127.0.0.1:3030 (Probot's convention). */
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  /** The repository Ouro manages: owner/name. */
  OURO_REPO: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: "OURO_REPO must be owner/name" }),
  /** Shared secret of the bot link (`Authorization: Bearer …`). */
  OURO_APP_TOKEN: z.string().min(16, { message: "OURO_APP_TOKEN must be at least 16 characters" }),
  OURO_DATA_DIR: z.string().min(1).default("data/app"),
  /** The store on PostgreSQL (postgres://user:password@host:port/database); unset: SQLite in OURO_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(?:ql)?:\/\/[^\s]+$/)
    .optional(),
  /** Seals personal data in the store (the bot's key scheme: 32 bytes, 64 hex characters or base64). */
  OURO_ENCRYPTION_KEY: z.string().refine((v) => {
    try {
      parseEncryptionKey(v);
      return true;
    } catch {
      return false;
    }
  }),
  /** Finished changes' personal data is erased this many days after their last update. */
  OURO_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  PORT: z.coerce
    .number({ message: "PORT must be a port number (0–65535)" })
    .int({ message: "PORT must be a port number (0–65535)" })
    .min(0)
    .max(65535)
    .default(3000),
  HOST: z
    .string()
    .regex(HOST_RE, { message: "HOST must be a host name or IP address (no scheme or port), e.g. 0.0.0.0" })
    .default("127.0.0.1"),
  /** The bot link (`/bot/v1`) listens here, never on the public webhook port. */
  OURO_BOT_LINK_HOST: z
    .string()
    .regex(HOST_RE, { message: "OURO_BOT_LINK_HOST must be a host name or IP address (no scheme or port), e.g. 127.0.0.1" })
    .default("127.0.0.1"),
  OURO_BOT_LINK_PORT: z.coerce
    .number({ message: "OURO_BOT_LINK_PORT must be a port number (0–65535)" })
    .int({ message: "OURO_BOT_LINK_PORT must be a port number (0–65535)" })
    .min(0, { message: "OURO_BOT_LINK_PORT must be a port number (0–65535)" })
    .max(65535, { message: "OURO_BOT_LINK_PORT must be a port number (0–65535)" })
    .default(3001),
  WEBHOOK_PATH: z.string().startsWith("/").default("/api/github/webhooks"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  /** Spacing of GitHub write calls (GitHub asks for ≥ 1 s; 0 is fine against the local stand-in). */
  OURO_WRITE_SPACING_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Read by the agent's sandbox (agent/sandbox.ts); checked here so a typo stops the start, not a later run. */
  OURO_SANDBOX: z.enum(["unsafe-none"]).optional(),
  /** The console's sign-in (console/auth): "local" only for local mode on loopback; otherwise production. */
  OURO_CONSOLE: z.enum(["local", "production"]).default("production"),
  /** A token for headless set-ups (`Authorization: Bearer …`) or to paste on the sign-in page. */
  OURO_CONSOLE_TOKEN: z.string().min(32).optional(),
  /** The App's OAuth client (GitHub sign-in); Probot's GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET (what `npm run setup` writes) count too. */
  OURO_GITHUB_CLIENT_ID: z.string().min(1).optional(),
  OURO_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  /** The console's address as browsers reach it; GitHub sends people back to it after signing in. */
  OURO_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/?#\s]+\/?$/)
    .optional(),
});

export interface AppConfig {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  /** REST base URL (Octokit `baseUrl`). */
  apiUrl: string;
  /** Where git clones come from: `${gitUrl}/owner/name.git`. */
  gitUrl: string;
  owner: string;
  repo: string;
  appToken: string;
  dataDir: string;
  /** DATABASE_URL: the store is this PostgreSQL database (unset: SQLite in dataDir). */
  databaseUrl?: string;
  /** OURO_ENCRYPTION_KEY as 64 hex characters: seals personal data in the store (store/personal.ts). */
  encryptionKey: string;
  /** Retention: finished changes' personal data is erased this many days after their last update (default 90). */
  retentionDays?: number;
  /** The public listener: GitHub webhooks and /healthz. */
  port: number;
  host: string;
  /** The bot link (`/bot/v1`, bearer token): its own listener, loopback by default. */
  botLink: { host: string; port: number };
  webhookPath: string;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  /** Octokit retry/throttle tuning (short in tests). */
  octokit: OctokitTuning;
  /** The console's sign-in; absent = production with no way in (the console is off). */
  console?: ConsoleAuthOptions;
}

export interface OctokitTuning {
  retries: number;
  /** Base of the retry backoff (ms); plugin-retry waits base × (attempt)². */
  retryBaseMs: number;
  /** Spacing of write requests (ms); GitHub asks for ≥ 1 s between content-creating calls. */
  writeSpacingMs: number;
}

export const DEFAULT_TUNING: OctokitTuning = { retries: 3, retryBaseMs: 1000, writeSpacingMs: 1000 };

/** Whether a host is a loopback address (only this machine can connect). */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\./.test(host);
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The variables that make a GitHub App's credentials (Probot's names). */
const CREDENTIALS = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"] as const;

const CONSOLE_VARS = [
  "OURO_CONSOLE",
  "OURO_CONSOLE_TOKEN",
  "OURO_GITHUB_CLIENT_ID",
  "OURO_GITHUB_CLIENT_SECRET",
  "GITHUB_CLIENT_ID",
  "GITHUB_CLIENT_SECRET",
  "OURO_PUBLIC_URL",
];

const BLANK_IS_UNSET: ReadonlySet<string> = new Set([...CREDENTIALS, "GHE_HOST", "GHE_PROTOCOL", "DATABASE_URL", ...CONSOLE_VARS]);

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

/** The credential variables still missing (PRIVATE_KEY and PRIVATE_KEY_PATH count as one). */
function missingCredentials(env: Record<string, string | undefined>): string[] {
  const missing: string[] = [];
  if (!isSet(env.APP_ID)) missing.push("APP_ID");
  if (!isSet(env.PRIVATE_KEY) && !isSet(env.PRIVATE_KEY_PATH)) missing.push("PRIVATE_KEY (or PRIVATE_KEY_PATH)");
  if (!isSet(env.WEBHOOK_SECRET)) missing.push("WEBHOOK_SECRET");
  return missing;
}

/**
 * How much of a GitHub App the environment names: "none" (no APP_ID, PRIVATE_KEY,
 * PRIVATE_KEY_PATH or WEBHOOK_SECRET: local mode), "partial" (some: an error listing the
 * rest) or "complete" (production). Empty values count as unset.
 */
export function credentialsIn(env: Record<string, string | undefined>): "none" | "partial" | "complete" {
  if (!CREDENTIALS.some((k) => isSet(env[k]))) return "none";
  return missingCredentials(env).length === 0 ? "complete" : "partial";
}

/** "APP_ID is set but PRIVATE_KEY (or PRIVATE_KEY_PATH) is not", or null when nothing is half set. */
export function partialCredentialsError(env: Record<string, string | undefined>): string | null {
  if (credentialsIn(env) !== "partial") return null;
  const set = CREDENTIALS.filter((k) => isSet(env[k]));
  const missing = missingCredentials(env);
  const list = (xs: readonly string[]) => (xs.length === 1 ? xs[0] : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);
  return `${list(set)} ${set.length === 1 ? "is" : "are"} set but ${list(missing)} ${missing.length === 1 ? "is" : "are"} not`;
}

/** What each variable must hold, in plain words: the only wording a schema failure is shown in. */
const EXPECTED: Record<string, string> = {
  APP_ID: "APP_ID must be the GitHub App's numeric id (a whole number, e.g. 123456)",
  WEBHOOK_SECRET: "WEBHOOK_SECRET must be at least 8 characters",
  GHE_HOST: "GHE_HOST must be a host name, e.g. github.example.com or 127.0.0.1:3030",
  GHE_PROTOCOL: 'GHE_PROTOCOL must be "http" or "https"',
  OURO_REPO: "OURO_REPO must be owner/name, e.g. acme/ouro",
  OURO_APP_TOKEN: "OURO_APP_TOKEN must be at least 16 characters",
  OURO_DATA_DIR: "OURO_DATA_DIR must be a directory path",
  DATABASE_URL:
    "DATABASE_URL must be a PostgreSQL address, postgres://user:password@host:5432/database (or postgresql://…); leave it unset for SQLite in OURO_DATA_DIR",
  OURO_ENCRYPTION_KEY: "OURO_ENCRYPTION_KEY must be 32 bytes: 64 hex characters or base64 (`openssl rand -hex 32`)",
  OURO_RETENTION_DAYS: "OURO_RETENTION_DAYS must be a whole number of days (1–3650)",
  PORT: "PORT must be a port number (0–65535)",
  HOST: "HOST must be a host name or IP address (no scheme or port), e.g. 0.0.0.0",
  OURO_BOT_LINK_HOST: "OURO_BOT_LINK_HOST must be a host name or IP address (no scheme or port), e.g. 127.0.0.1",
  OURO_BOT_LINK_PORT: "OURO_BOT_LINK_PORT must be a port number (0–65535)",
  WEBHOOK_PATH: "WEBHOOK_PATH must be a path starting with /, e.g. /api/github/webhooks",
  LOG_LEVEL: "LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent",
  OURO_WRITE_SPACING_MS: "OURO_WRITE_SPACING_MS must be a whole number of milliseconds (0–60000)",
  OURO_SANDBOX:
    "OURO_SANDBOX takes only unsafe-none (run the agent's checks unisolated where namespaces are unavailable), or leave it unset",
  OURO_CONSOLE: 'OURO_CONSOLE must be "production" (sign-in required; the default) or "local" (local mode on loopback only)',
  OURO_CONSOLE_TOKEN: "OURO_CONSOLE_TOKEN must be at least 32 characters (e.g. `openssl rand -hex 32`)",
  OURO_PUBLIC_URL: "OURO_PUBLIC_URL must be the console's address as browsers reach it: http(s)://host[:port], no path",
};

/** Which value is wrong and what it must be; "X is not set" for a missing one. */
function plainIssues(issues: readonly z.core.$ZodIssue[], env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const key = String(issue.path[0] ?? "");
    const expected = EXPECTED[key] ?? `${key} has a value that is not allowed`;
    const line = env[key] === undefined ? `${key} is not set` : env[key].trim() === "" ? `${key} is empty (${expected})` : expected;
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

const fail = (problems: string[]): ConfigError => new ConfigError(`invalid configuration: ${problems.join("; ")}`);

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // An empty credential or GitHub host (`APP_ID=` in a .env template) means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([k, v]) => isSet(v) || !BLANK_IS_UNSET.has(k)));
  const credentials = credentialsIn(given);
  if (credentials === "none")
    throw fail([
      "no GitHub App is configured: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET (`npm run setup` writes them to .env)",
    ]);
  const parsed = envSchema.safeParse(given);
  const partial = partialCredentialsError(given);
  // A credential that is missing is already named by the partial-credentials line.
  const issues = parsed.success
    ? []
    : parsed.error.issues.filter((i) => !(partial && (CREDENTIALS as readonly unknown[]).includes(i.path[0])));
  const problems = [...(partial ? [partial] : []), ...plainIssues(issues, given)];
  if (!parsed.success || problems.length > 0) throw fail(problems);
  const e = parsed.data;
  let privateKey = e.PRIVATE_KEY?.replace(/\\n/g, "\n");
  if (!privateKey && e.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(e.PRIVATE_KEY_PATH, "utf8");
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
      throw new ConfigError(`invalid configuration: PRIVATE_KEY_PATH: cannot read ${e.PRIVATE_KEY_PATH} (${why})`);
    }
  }
  if (!privateKey || !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey)) {
    throw new ConfigError("invalid configuration: PRIVATE_KEY or PRIVATE_KEY_PATH must hold the App's PEM private key");
  }
  if (e.OURO_BOT_LINK_PORT !== 0 && e.OURO_BOT_LINK_PORT === e.PORT) {
    throw new ConfigError(
      `invalid configuration: OURO_BOT_LINK_PORT: the bot link must not share the public port (PORT=${e.PORT}); choose another port`,
    );
  }
  const [owner, repo] = e.OURO_REPO.split("/");
  const web = e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}` : "https://github.com";
  const consoleOptions = consoleFrom(e, given, web);
  return {
    appId: e.APP_ID,
    privateKey,
    webhookSecret: e.WEBHOOK_SECRET,
    apiUrl: e.GHE_HOST ? `${web}/api/v3` : "https://api.github.com",
    gitUrl: web,
    owner,
    repo,
    appToken: e.OURO_APP_TOKEN,
    dataDir: e.OURO_DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    encryptionKey: parseEncryptionKey(e.OURO_ENCRYPTION_KEY).toString("hex"),
    retentionDays: e.OURO_RETENTION_DAYS,
    port: e.PORT,
    host: e.HOST,
    botLink: { host: e.OURO_BOT_LINK_HOST, port: e.OURO_BOT_LINK_PORT },
    webhookPath: e.WEBHOOK_PATH,
    logLevel: e.LOG_LEVEL,
    octokit: { ...DEFAULT_TUNING, writeSpacingMs: e.OURO_WRITE_SPACING_MS },
    console: consoleOptions,
  };
}

/**
 * The console's sign-in from the environment: local mode (loopback HOST only), or production
 * with the token and/or the App's OAuth client (both halves, or an error naming the missing one).
 */
function consoleFrom(e: z.infer<typeof envSchema>, env: Record<string, string | undefined>, webUrl: string): ConsoleAuthOptions {
  if (e.OURO_CONSOLE === "local") {
    if (!isLoopback(e.HOST))
      throw new ConfigError(
        `invalid configuration: OURO_CONSOLE=local serves the console without sign-in, so HOST must be loopback (it is ${e.HOST}); unset OURO_CONSOLE for production sign-in`,
      );
    return { mode: "local" };
  }
  const id = e.OURO_GITHUB_CLIENT_ID ?? (isSet(env.GITHUB_CLIENT_ID) ? env.GITHUB_CLIENT_ID : undefined);
  const secret = e.OURO_GITHUB_CLIENT_SECRET ?? (isSet(env.GITHUB_CLIENT_SECRET) ? env.GITHUB_CLIENT_SECRET : undefined);
  if ((id === undefined) !== (secret === undefined))
    throw new ConfigError(
      `invalid configuration: ${id === undefined ? "OURO_GITHUB_CLIENT_SECRET is set but OURO_GITHUB_CLIENT_ID is not" : "OURO_GITHUB_CLIENT_ID is set but OURO_GITHUB_CLIENT_SECRET is not"}: GitHub sign-in needs the App's client id and client secret (its settings page, or what \`npm run setup\` wrote)`,
    );
  return {
    mode: "production",
    ...(e.OURO_CONSOLE_TOKEN ? { token: e.OURO_CONSOLE_TOKEN } : {}),
    ...(id && secret ? { github: { clientId: id, clientSecret: secret, webUrl } } : {}),
    ...(e.OURO_PUBLIC_URL ? { publicUrl: e.OURO_PUBLIC_URL.replace(/\/+$/, "") } : {}),
  };
}
