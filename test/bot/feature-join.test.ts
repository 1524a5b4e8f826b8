// The bot against the REAL Ouro app: a second /feature asking for the same recipe joins the
// change already open — the app answers with that change (`joined`), and the bot points the
// second requester at the first thread's progress message instead of opening another thread
// (which would take that message's updates away).
import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { createBot, type Bot } from "../../bot/create-bot.ts";
import { deployCommands } from "../../bot/register-commands.ts";
import { createLogger } from "../../bot/core/logger.ts";
import { startWorld, TOKEN, REPO, type World } from "../app/harness.ts";
import { TEST_ROLES, until } from "./harness.ts";

let world: World;
let discord: DiscordStandIn;
let bot: Bot;
let dataDir: string;

beforeAll(async () => {
  world = await startWorld();
  discord = await startDiscord();
  dataDir = mkdtempSync(join(tmpdir(), "ouro-bot-join-"));
  await deployCommands({ token: discord.botToken, api: discord.apiBase, guildId: discord.guild.id, dataDir });
  bot = createBot(
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
});
afterAll(async () => {
  await bot?.stop();
  await discord?.close();
  await world?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it("a second /feature for the same recipe joins the open change and links its progress message; one thread, one issue", async () => {
  const hello = { name: "hello", description: "Says hello", reply: "Hello!" };
  const feature = (user: string) =>
    discord.driver.runCommand({ user, channel: "general", name: "feature", subcommand: "add-command", options: hello }).reply();
  const first = await feature("alice");
  const changeId = /`(discord-\d+)`/.exec(first.content)?.[1];
  expect(changeId, first.content).toBeTruthy();
  const thread = await discord.driver.waitForThread({ parent: "general", name: new RegExp(changeId!) });
  const progress = await discord.driver.waitForMessage(thread.id, (m) => m.author.bot === true, { includeExisting: true });
  await until(() => bot.context.memory.progressMessage(changeId!), "the first request's progress message registered");

  const second = await feature("bob");
  expect(second.content).toContain(`this asks for the same as change \`${changeId}\``);
  expect(second.content).toContain(`https://discord.com/channels/${discord.guild.id}/${thread.id}/${progress.id}`);
  expect(second.content).toMatch(/Tracking issue: <http:\/\/[^>]+\/acme\/bot\/issues\/\d+>/);
  await world.settle();
  expect(discord.driver.threads("general").filter((t) => t.name?.includes(changeId!))).toHaveLength(1);
  const issues = ((await world.gh.driver.issues(REPO, "all")) as { body: string; pull_request?: unknown }[]).filter(
    (i) => !i.pull_request && i.body.includes("ouro:change:"),
  );
  expect(issues).toHaveLength(1);
});
