// /link github through the real bot (discord.js on the Discord stand-in) and the REAL Ouro app
// (on the GitHub stand-in): the ephemeral reply carries a one-time code and the issue to post
// it on; posted from that GitHub login, it links the Discord user. A missing or malformed
// login gets a plain reply and nothing is asked of the app; `remove:true` removes the link.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { MessageFlags } from "discord.js";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { createBot, type Bot } from "../../bot/create-bot.ts";
import { deployCommands } from "../../bot/register-commands.ts";
import { createLogger } from "../../bot/core/logger.ts";
import { startWorld, TOKEN, REPO, type World } from "../app/harness.ts";
import { TEST_ROLES } from "./harness.ts";

let world: World;
let discord: DiscordStandIn;
let bot: Bot;
let dataDir: string;

beforeAll(async () => {
  world = await startWorld();
  discord = await startDiscord();
  dataDir = mkdtempSync(join(tmpdir(), "ouro-bot-link-"));
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

const ephemeral = (m: { flags?: number }) => ((m.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
const link = (options: Record<string, string | boolean>) =>
  discord.driver.runCommand({ user: "alice", channel: "general", name: "link", subcommand: "github", options }).reply();
const aliceId = () => discord.driver.user("alice").id;
const codes = () => world.app.store.db.prepare("SELECT COUNT(*) AS n FROM identity_codes").get();

describe("/link github", () => {
  it("without a login, or with one that is not a GitHub login: a plain reply, nothing asked of the app", async () => {
    const none = await link({});
    expect(ephemeral(none)).toBe(true);
    expect(none.content).toBe("Which GitHub account? Use `/link github login:<your GitHub login>`. Nothing was linked.");
    const bad = await link({ login: "not a login" });
    expect(ephemeral(bad)).toBe(true);
    expect(bad.content).toMatch(/^`not a login` is not a GitHub login \(.*\)\. Nothing was linked\.$/);
    expect(codes()).toEqual({ n: 0 });
  });

  it("with a login: an ephemeral code to post from that account; posted, it links the Discord user", async () => {
    const reply = await link({ login: "@alice-gh" });
    expect(ephemeral(reply)).toBe(true);
    const code = /`\/ouro link ([2-9A-Z]{4}-[2-9A-Z]{4})`/.exec(reply.content)?.[1];
    const issue = Number(/\/acme\/bot\/issues\/(\d+)>/.exec(reply.content)?.[1]);
    expect(code, reply.content).toBeTruthy();
    expect(reply.content).toMatch(/^To link GitHub `alice-gh`, post this comment from that GitHub account within 15 minutes:/);
    await world.gh.driver.user("alice-gh").comment(REPO, issue, `/ouro link ${code}`);
    await world.settle();
    expect(world.app.store.identities.loginOf(aliceId())).toBe("alice-gh");
  });

  it("remove:true removes the link", async () => {
    const reply = await link({ remove: true });
    expect(ephemeral(reply)).toBe(true);
    expect(reply.content).toBe("🔓 Your Discord account is no longer linked to GitHub `alice-gh`.");
    expect(world.app.store.identities.loginOf(aliceId())).toBeNull();
    expect((await link({ remove: true })).content).toBe("Your Discord account was not linked to GitHub.");
  });
});
