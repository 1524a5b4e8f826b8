// The real bot (discord.js on the Discord stand-in) linked to the REAL Ouro app (the app
// harness's world on the GitHub stand-in), with the guild's commands registered: what the
// tests that drive the app from Discord share.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBot, type Bot } from "../../bot/create-bot.ts";
import { createLogger } from "../../bot/core/logger.ts";
import { deployCommands } from "../../bot/register-commands.ts";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { startWorld, TOKEN, type World } from "../app/harness.ts";
import { TEST_ROLES } from "./harness.ts";

export interface BotWithApp {
  world: World;
  discord: DiscordStandIn;
  bot: Bot;
  close(): Promise<void>;
}

export async function startBotWithApp(worldOpts: Parameters<typeof startWorld>[0] = {}): Promise<BotWithApp> {
  const world = await startWorld(worldOpts);
  const discord = await startDiscord();
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-bot-app-"));
  await deployCommands({ token: discord.botToken, api: discord.apiBase, guildId: discord.guild.id, dataDir });
  const bot = createBot(
    {
      discordToken: discord.botToken,
      discordApi: discord.apiBase,
      app: { url: world.app.botLinkUrl, token: TOKEN },
      dataDir,
      encryptionKey: randomBytes(32),
      health: { port: 0, host: "127.0.0.1" },
      pluginTimeoutMs: 2500,
      pluginNetwork: "isolated",
      rolesGuildId: discord.guild.id,
    },
    { roles: TEST_ROLES, logger: createLogger(process.env.LOG_LEVEL ?? "silent") },
  );
  await bot.start();
  return {
    world,
    discord,
    bot,
    async close() {
      await bot.stop();
      await discord.close();
      await world.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
