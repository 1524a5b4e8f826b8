// The scale bench's world for one run: the GitHub and Discord stand-ins in this process; the
// app as `app/main.ts` processes (1 or more replicas, each with its own data directory, one
// store: a PostgreSQL database, or SQLite in the one replica's directory); a round-robin proxy
// in front of them for the webhook URL and one for the bot-link URL; and the bot as two hosts
// of `bot/shard.ts` (shards 0,1 and shard 2 of 3), each shard a process, memory on PostgreSQL
// (or each host's SQLite file). The repository Ouro edits is this checkout's HEAD with its
// policy's rate limits raised so that every request may start.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { deployCommands } from "../../bot/register-commands.ts";
import { freeShardPorts } from "../../deploy-hook/bot-process.ts";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { shardOf } from "../../local/discord/gateway.ts";
import { startGitHub, type GitHubStandIn } from "../../local/github/index.ts";
import { appProcessEnv } from "../../local/mode/app-env.ts";
import { startService, type Service } from "../../local/mode/processes.ts";
import { manifestOf } from "../../local/mode/seed.ts";
import { startProxy, type Proxy } from "./proxy.ts";

export const ROOT = join(import.meta.dirname, "..", "..");
export const SHARDS = 3;
/** The shard ids each bot host runs: 1 host × 2 shards + 1 host × 1 shard. */
export const BOT_HOSTS = ["0,1", "2"] as const;

export interface WorldSpec {
  /** Where everything of this run lives (removed by close). */
  dir: string;
  /** A copy of this checkout's HEAD (exportHead), made once for every run. */
  headDir: string;
  replicas: number;
  /** The app store's DATABASE_URL and the bot memory's (unset: SQLite). */
  appDatabase?: string;
  botDatabase?: string;
  /** How many Discord users the requests come from, spread over one guild per shard. */
  users: number;
}

export interface Replica {
  index: number;
  service: Service;
  dataDir: string;
  appUrl: string;
  botLinkUrl: string;
}

export interface User {
  name: string;
  guildId: string;
}

export interface ScaleWorld {
  github: GitHubStandIn;
  discord: DiscordStandIn;
  repo: string;
  replicas: Replica[];
  webhookProxy: Proxy;
  botLinkProxy: Proxy;
  bots: Service[];
  users: User[];
  appToken: string;
  close(): Promise<void>;
}

const OWNER = "ouro";

/** The policy of the bench's repository: the seed's, with limits no request of the bench reaches. */
export function benchPolicy(text: string): string {
  const doc = parseDocument(text);
  doc.setIn(["rateLimits", "perRequesterPerHour"], 100_000);
  doc.setIn(["rateLimits", "globalPerMinute"], 100_000);
  doc.setIn(["rateLimits", "maxOpenPrs"], 100_000);
  doc.setIn(["rateLimits", "burst"], doc.createNode({ edits: 100_000, windowSeconds: 60 }));
  return doc.toString();
}

export async function startScaleWorld(spec: WorldSpec): Promise<ScaleWorld> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    mkdirSync(join(spec.dir, "logs"), { recursive: true });
    const appToken = randomBytes(24).toString("hex");
    const encryptionKey = randomBytes(32).toString("hex");
    const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? spec.dir, LANG: "C.UTF-8" };

    // ── GitHub: the repository (this checkout's HEAD, limits raised) and the Ouro App ──
    const github = await startGitHub({ dataDir: join(spec.dir, "github"), logLevel: "warn" });
    cleanups.push(() => github.close());
    const name = "ouro";
    const repo = `${OWNER}/${name}`;
    await github.createRepo({ owner: OWNER, name, fromDir: spec.headDir, ownerType: "Organization" });
    const manifest = manifestOf(readFileSync(join(ROOT, "app.yml"), "utf8"));
    const ouro = await github.registerApp({ name: "ouro", owner: OWNER, ...manifest });
    github.installApp(ouro.appId, repo);

    // ── the app replicas, started at once (their migrations must not trip over each other) ──
    const started = Array.from({ length: spec.replicas }, async (_, index): Promise<Replica> => {
      const dataDir = join(spec.dir, `app-${index}`);
      const service = startService(`app replica ${index}`, [join(ROOT, "app/main.ts")], {
        cwd: ROOT,
        logFile: join(spec.dir, "logs", `app-${index}.log`),
        env: {
          ...base,
          ...appProcessEnv({ github, app: ouro, repo, appToken, encryptionKey, dataDir, port: 0, botLinkPort: 0 }),
          ...(spec.appDatabase ? { DATABASE_URL: spec.appDatabase } : {}),
        },
      });
      cleanups.push(() => service.stop());
      const line = await service.waitFor(/listening on (http:\/\/\S+) .*bot link on (http:\/\/[^/\s"]+)/, "it listened");
      const [, appUrl, botLinkUrl] = /listening on (http:\/\/\S+) .*bot link on (http:\/\/[^/\s"]+)/.exec(line)!;
      return { index, service, dataDir, appUrl, botLinkUrl };
    });
    const replicas = await Promise.all(started);
    const webhookProxy = await startProxy(replicas.map((r) => `${r.appUrl}`));
    cleanups.push(() => webhookProxy.close());
    const botLinkProxy = await startProxy(replicas.map((r) => r.botLinkUrl));
    cleanups.push(() => botLinkProxy.close());
    github.setWebhook(ouro.appId, `${webhookProxy.url}/api/github/webhooks`, ouro.webhookSecret);

    // ── Discord: one guild per shard, the users spread over them, the commands registered ──
    const discord = await startDiscord({ seed: { guild: { name: "scale-0" }, channels: ["general", "requests"], users: [] } });
    cleanups.push(() => discord.close());
    const guildOf = new Map<number, string>([[shardOf(discord.guild.id, SHARDS), discord.guild.id]]);
    for (let i = 1; guildOf.size < SHARDS && i < 1000; i++) {
      const g = discord.driver.createGuild({ guild: { name: `scale-${i}` }, channels: ["general", "requests"], users: [] });
      const shard = shardOf(g.id, SHARDS);
      if (!guildOf.has(shard)) guildOf.set(shard, g.id);
      await new Promise((r) => setTimeout(r, 2)); // a snowflake's shard moves with its millisecond
    }
    if (guildOf.size < SHARDS) throw new Error(`could not make a guild for each of the ${SHARDS} shards`);
    const guilds = [...guildOf.entries()].sort((a, b) => a[0] - b[0]).map(([, id]) => id);
    const users: User[] = [];
    for (let i = 0; i < spec.users; i++) {
      const guildId = guilds[i % guilds.length];
      const u = { name: `user${String(i + 1).padStart(3, "0")}`, guildId };
      discord.driver.createUser({ name: u.name, guild: guildId });
      users.push(u);
    }
    const commandsDir = join(spec.dir, "commands");
    mkdirSync(commandsDir, { recursive: true });
    await deployCommands({ token: discord.botToken, api: discord.apiBase, dataDir: commandsDir });

    // ── the bot: two hosts of shards ──
    const bots: Service[] = [];
    for (const [h, ids] of BOT_HOSTS.entries()) {
      // each shard listens on base + its id: all of them tried free (a random base once collided)
      const healthBase = await freeShardPorts(ids.split(",").map(Number));
      const bot = startService(`bot host ${h} (shards ${ids})`, [join(ROOT, "bot/shard.ts")], {
        cwd: ROOT,
        logFile: join(spec.dir, "logs", `bot-${h}.log`),
        env: {
          ...base,
          DISCORD_TOKEN: discord.botToken,
          DISCORD_API: discord.apiBase,
          DISCORD_APPLICATION_ID: discord.applicationId,
          OURO_APP_URL: botLinkProxy.url,
          OURO_APP_TOKEN: appToken,
          OURO_ENCRYPTION_KEY: encryptionKey,
          OURO_DATA_DIR: join(spec.dir, `bot-${h}`),
          OURO_HEALTH_PORT: String(healthBase),
          OURO_SHARDS: String(SHARDS),
          OURO_SHARD_IDS: ids,
          LOG_LEVEL: "info",
          ...(spec.botDatabase ? { DATABASE_URL: spec.botDatabase } : {}),
        },
      });
      cleanups.push(() => bot.stop());
      bots.push(bot);
    }
    await Promise.all(bots.map((b) => b.waitFor(/all shards ready/, "all its shards were ready")));

    return { github, discord, repo, replicas, webhookProxy, botLinkProxy, bots, users, appToken, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Writes the bench's policy into an exported copy of the checkout. */
export function raiseLimits(headDir: string): void {
  const file = join(headDir, "policies", "ouro.yml");
  writeFileSync(file, benchPolicy(readFileSync(file, "utf8")));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
