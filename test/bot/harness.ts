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

/** Polls until `fn` returns a value (for message edits, which the driver does not await). */
export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what = "condition",
  ms = 4000,
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

export async function startHarness(
  o: { model?: boolean; bot?: BotOptions; pluginTimeoutMs?: number; handover?: BotConfig["handover"] } = {},
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
    model: openai ? { baseURL: openai.baseURL, apiKey: openai.apiKey, name: "ouro-local" } : undefined,
    dataDir,
    encryptionKey: randomBytes(32),
    health: { port: 0, host: "127.0.0.1" },
    pluginTimeoutMs: o.pluginTimeoutMs ?? 300,
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
  let bot = createBot(config, { logger, roles: TEST_ROLES, ...o.bot });
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
      bot = createBot(config, { logger, roles: TEST_ROLES, ...o.bot, ...opts });
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
