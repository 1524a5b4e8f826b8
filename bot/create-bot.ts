// createBot(config) → { client, start(), stop() }: the whole bot, in-process, so tests and
// the benchmark run exactly what main.ts runs.
import { join } from "node:path";
import { Client, GatewayIntentBits, Partials, ShardClientUtil } from "discord.js";
import type { BotConfig } from "./config.ts";
import { loadSettings, resolveSettings, type BotSettings } from "../contract/settings.ts";
import { Memory } from "./memory/store.ts";
import { HttpAppLink } from "./app-link/http-client.ts";
import { streamPosition } from "./app-link/stream-position.ts";
import type { OuroAppLink } from "./app-link/link.ts";
import { createPermissions, readPolicy, rolesSchema, type RoleMap } from "./permissions/capabilities.ts";
import { Plugins } from "./plugin-host/plugins.ts";
import { FailureLog } from "./plugin-host/failures.ts";
import { BotMetrics } from "./health/metrics.ts";
import { startHealthServer, type HealthServer } from "./health/server.ts";
import { ProgressBoard } from "./progress/board.ts";
import { Conversation } from "./conversation/conversation.ts";
import { createLogger, type Logger } from "./core/logger.ts";
import { coreCommands } from "./commands/registry.ts";
import { events } from "./events/registry.ts";
import type { BotContext } from "./core/context.ts";
import { handoverGate } from "./core/handover-gate.ts";

export interface BotOptions {
  /** The checkout whose bot/plugins the plugin host runs (default: this one). */
  pluginRoot?: string;
  /** Defaults to the values in bot/plugins/settings.json. */
  settings?: Partial<BotSettings>;
  /** Defaults to `roles` in the policy under `policyRoot`/policies/. */
  roles?: RoleMap;
  /** Repository root holding policies/ (default: this checkout): roles, allowed hosts. */
  policyRoot?: string;
  /** Plugin host watchdog: how long an unanswered ping means a frozen host (default 1000 ms). */
  pluginHangMs?: number;
  /** Defaults to the HTTP client for config.app. */
  appLink?: OuroAppLink;
  logger?: Logger;
  /** Conversation history folding (defaults: after 24 turns keep the newest 12). */
  conversation?: { compactAfter?: number; keepTurns?: number };
}

export interface Bot {
  client: Client;
  context: BotContext;
  /** Set once started. */
  health?: HealthServer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RETENTION_EVERY_MS = 60 * 60 * 1000;

/** The shards this process runs, when it runs under a ShardingManager. */
function sharded(client: Client): { ids: number[]; count: number } | undefined {
  const { shards, shardCount } = client.options;
  if (!process.env.SHARDING_MANAGER || !Array.isArray(shards) || !shardCount || shardCount <= 1) return undefined;
  return { ids: shards, count: shardCount };
}

export function createBot(config: BotConfig, opts: BotOptions = {}): Bot {
  const log = opts.logger ?? createLogger();
  const settings = opts.settings ? resolveSettings(opts.settings) : loadSettings();
  const policy = readPolicy(opts.policyRoot);
  const permissions = createPermissions(opts.roles ?? rolesSchema.parse(policy.roles));
  const metrics = new BotMetrics();
  const memory = new Memory({ dataDir: config.dataDir, key: config.encryptionKey, databaseUrl: config.databaseUrl });
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    partials: [Partials.Channel],
    ...(config.discordApi ? { rest: { api: config.discordApi } } : {}),
  });
  // Under bot/shard.ts (ShardingManager) this process runs some shards: discord.js reads them
  // from the environment. Each shard process gets its own health port and stream position.
  const sharding = sharded(client);
  const LAST_EVENT_ID = sharding ? `app_last_event_id:shard-${sharding.ids[0]}` : "app_last_event_id";
  // The event stream resumes where the last run stopped, so no progress is missed across a restart.
  const position = streamPosition(memory, LAST_EVENT_ID);
  const appLink =
    opts.appLink ??
    new HttpAppLink({
      url: config.app.url,
      token: config.app.token,
      onWarning: (m) => log.warn({ appLink: true }, m),
      lastEventId: position.stored,
      onEventId: (id) => position.advance(id),
    });
  const plugins = new Plugins({
    host: {
      root: opts.pluginRoot,
      cacheDir: join(config.dataDir, "plugin-host"),
      packages: policy.imports.packages,
      builtins: policy.imports.builtins,
      network: config.pluginNetwork,
      timeoutMs: config.pluginTimeoutMs,
      hangMs: opts.pluginHangMs,
      reservedCommands: coreCommands().map((c) => c.data.name),
      log,
      onRestart: (reason) => metrics.pluginHostRestarts.inc({ reason: reason.split(" ")[0] }),
    },
    failures: new FailureLog({
      onError: (plugin, kind) => metrics.pluginErrors.inc({ plugin, kind }),
      report: (r) => appLink.reportError(r),
      version: config.version,
    }),
    shared: { memory, allowedHosts: policy.network.allowedHosts },
    settings,
  });
  const handover = handoverGate(config.handover?.release, config.handover?.file);
  // Progress edits go to the guild's shard, and during a deploy to the process owning the present.
  const progress = new ProgressBoard(
    client,
    memory,
    log,
    (guildId) =>
      handover.ownsNow() &&
      (sharding ? sharding.ids.includes(guildId ? ShardClientUtil.shardIdForGuildId(guildId, sharding.count) : 0) : true),
  );
  const conversation = new Conversation({ model: config.model, memory, plugins, settings, log, ...opts.conversation });
  const context: BotContext = {
    client,
    config,
    settings,
    memory,
    appLink,
    permissions,
    plugins,
    metrics,
    progress,
    conversation,
    log,
    handover,
    startedAt: Date.now(),
  };

  // Events being handled: stop() lets them finish (bounded) before disconnecting, so the
  // interaction a release received is answered by it even when the deploy hook stops it
  // right after a switch (e.g. the /rollback that asked for the switch).
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  for (const e of events) {
    const handler = (...args: unknown[]) => {
      const work = Promise.resolve((e.execute as (ctx: BotContext, ...a: unknown[]) => unknown)(context, ...args));
      // A failure stays unhandled as before (main.ts logs and reports it); this copy only tracks the end.
      const done = work.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(done);
      void done.then(() => inFlight.delete(done));
    };
    if (e.once) client.once(e.name, handler);
    else client.on(e.name, handler);
  }
  client.on("error", (err) => log.error({ err }, "discord client error"));

  let unsubscribe: (() => void) | undefined;
  let retention: NodeJS.Timeout | undefined;
  let stopped = false;

  const bot: Bot = {
    client,
    context,
    async start() {
      if (!config.rolesGuildId)
        log.warn("no DISCORD_GUILD_ID or OURO_ROLES_GUILD_ID: member roles grant nothing, only rules for @everyone apply");
      // Plugins load first: a release whose plugins cannot load does not start (the deploy gate sees it).
      await plugins.host.start();
      // One process purges the memory it shares with other shards (config.ts runsRetention).
      if (config.runsRetention !== false) {
        memory.purgeOlderThan(settings.historyRetentionDays);
        retention = setInterval(() => memory.purgeOlderThan(settings.historyRetentionDays), RETENTION_EVERY_MS).unref();
      }
      bot.health = await startHealthServer({
        port: config.health.port === 0 || !sharding ? config.health.port : config.health.port + sharding.ids[0],
        host: config.health.host,
        metrics,
        probe: {
          ready: () => !stopping && client.isReady() && plugins.host.ready(),
          check: () => memory.ping(),
          appStream: () => appLink.streaming?.(),
          version: config.version,
          startedAt: context.startedAt,
        },
      });
      const ready = new Promise<void>((resolve) => client.once("clientReady", () => resolve()));
      await client.login(config.discordToken);
      await ready;
      // Progress edits need a logged-in client; the stream resumes from the stored position.
      unsubscribe = appLink.subscribe((event, seq) => void progress.handle(event, seq));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping = true; // /healthz says unavailable from here on
      if (inFlight.size) {
        const pending = inFlight.size;
        const drainMs = config.drainMs ?? 8000;
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          Promise.allSettled([...inFlight]).then(() => true),
          new Promise<false>((r) => (timer = setTimeout(() => r(false), drainMs))),
        ]);
        clearTimeout(timer);
        if (drained) log.info({ pending }, "stopping: in-flight events answered");
        else log.warn({ pending, left: inFlight.size, drainMs }, "stopping: in-flight events not answered in time");
      }
      unsubscribe?.();
      clearInterval(retention);
      await progress.idle();
      position.flush();
      await client.destroy();
      await plugins.host.stop();
      await appLink.close();
      await bot.health?.close();
      memory.close();
    },
  };
  return bot;
}
