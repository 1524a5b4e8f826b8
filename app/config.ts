// The app's configuration, from the environment, validated once at start: a missing or
// malformed value is a clear error before anything listens or writes.
import { readFileSync } from "node:fs";
import { z } from "zod";

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
  /** The public listener: GitHub webhooks and /healthz. */
  port: number;
  host: string;
  /** The bot link (`/bot/v1`, bearer token): its own listener, loopback by default. */
  botLink: { host: string; port: number };
  webhookPath: string;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  /** Octokit retry/throttle tuning (short in tests). */
  octokit: OctokitTuning;
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

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const e = parsed.data;
  let privateKey = e.PRIVATE_KEY?.replace(/\\n/g, "\n");
  if (!privateKey && e.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(e.PRIVATE_KEY_PATH, "utf8");
    } catch (err) {
      throw new ConfigError(`invalid configuration: PRIVATE_KEY_PATH: cannot read ${e.PRIVATE_KEY_PATH} (${(err as Error).message})`);
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
    port: e.PORT,
    host: e.HOST,
    botLink: { host: e.OURO_BOT_LINK_HOST, port: e.OURO_BOT_LINK_PORT },
    webhookPath: e.WEBHOOK_PATH,
    logLevel: e.LOG_LEVEL,
    octokit: { ...DEFAULT_TUNING, writeSpacingMs: e.OURO_WRITE_SPACING_MS },
  };
}
