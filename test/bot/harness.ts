// The bot under test: the real createBot (real discord.js client) against local/discord,
// with the in-test fake app (our protocol over HTTP) and optionally local/openai.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { startOpenAI, type OpenAIStandIn } from "../../local/openai/index.ts";
import { createBot, type Bot, type BotOptions } from "../../bot/create-bot.ts";
import { deployCommands } from "../../bot/register-commands.ts";
import type { BotConfig } from "../../bot/config.ts";
import { createLogger } from "../../bot/core/logger.ts";
import { startFakeApp, type FakeApp } from "./fake-app.ts";

/** The stand-in's seeded roles (admin, maintainer, member) in the policy's role mapping. */
export const TEST_ROLES = {
  request: ["@everyone"],
  vote: ["member", "maintainer", "admin"],
  rollback: ["maintainer", "admin"],
  stop: ["admin"],
};

/**
 * Polls until `fn` returns a value (for message edits, which the driver does not await).
 * The budget only bounds a failure: it returns as soon as the condition holds, so it is
 * generous enough for a loaded machine.
 */
export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what = "condition",
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Harness {
  discord: DiscordStandIn;
  app: FakeApp;
  openai?: OpenAIStandIn;
  bot: Bot;
  config: BotConfig;
  dataDir: string;
  /** Stops the bot and starts a new one on the same data dir (a restart). */
  restart(opts?: BotOptions, whileDown?: () => void | Promise<void>): Promise<Bot>;
  close(): Promise<void>;
}

/**
 * A plugin call's deadline in tests: long enough for a call that answers, even on a loaded
 * machine (it crosses two processes and the stand-in), short enough that a command that
 * hangs still gets its error reply inside Discord's 3 s (the stand-in enforces that window).
 */
export const TEST_PLUGIN_TIMEOUT_MS = 1500;
/**
 * The plugin host watchdog in tests: a host that is only slow to answer a ping (a loaded
 * machine) must not be killed; tests of a frozen host set `pluginHangMs` themselves.
 */
export const TEST_PLUGIN_HANG_MS = 5000;

export async function startHarness(
  o: { model?: boolean; modelFallbacks?: string[]; bot?: BotOptions; pluginTimeoutMs?: number; handover?: BotConfig["handover"] } = {},
): Promise<Harness> {
  const discord = await startDiscord();
  const app = await startFakeApp();
  const openai = o.model ? await startOpenAI() : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-bot-"));
  const config: BotConfig = {
    discordToken: discord.botToken,
    discordApi: discord.apiBase,
    applicationId: discord.applicationId,
    guildId: discord.guild.id,
    app: { url: app.url, token: app.token },
    model: openai ? { baseURL: openai.baseURL, apiKey: openai.apiKey, name: "ouro-local", fallbacks: o.modelFallbacks } : undefined,
    dataDir,
    encryptionKey: randomBytes(32),
    health: { port: 0, host: "127.0.0.1" },
    pluginTimeoutMs: o.pluginTimeoutMs ?? TEST_PLUGIN_TIMEOUT_MS,
    pluginNetwork: "isolated",
    rolesGuildId: discord.guild.id,
    version: "test-version",
    handover: o.handover,
  };
  const logger = createLogger(process.env.LOG_LEVEL ?? "silent");
  await deployCommands({
    token: config.discordToken,
    api: config.discordApi,
    applicationId: config.applicationId,
    guildId: config.guildId,
    dataDir,
    pluginRoot: o.bot?.pluginRoot,
  });
  discord.driver.createUser({ name: "mia", roles: ["maintainer"] });
  const botOptions: BotOptions = { logger, roles: TEST_ROLES, pluginHangMs: TEST_PLUGIN_HANG_MS, ...o.bot };
  let bot = createBot(config, botOptions);
  await bot.start();
  await app.streamClients(1);
  const h: Harness = {
    discord,
    app,
    openai,
    bot,
    config,
    dataDir,
    async restart(opts, whileDown) {
      await bot.stop();
      await whileDown?.();
      bot = createBot(config, { ...botOptions, ...opts });
      await bot.start();
      h.bot = bot;
      return bot;
    },
    async close() {
      await bot.stop();
      await app.close();
      await openai?.close();
      await discord.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}
