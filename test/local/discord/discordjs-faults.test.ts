// discord.js under faults the stand-in injects: bad token, 429s, op 7 reconnect + RESUME, op 9 invalid session.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { once } from "node:events";
import { Client, Events, GatewayIntentBits, REST, Routes } from "discord.js";
import type { TextChannel } from "discord.js";
import { startDiscord } from "../../../local/discord/index.ts";
import type { DiscordStandIn } from "../../../local/discord/index.ts";
import { readyClient } from "./helpers.ts";

let discord: DiscordStandIn;
const clients: Client[] = [];

beforeEach(async () => {
  discord = await startDiscord();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy();
  await discord.close();
});

async function client(
  intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
): Promise<Client> {
  const c = await readyClient(discord, intents);
  clients.push(c);
  return c;
}

describe("discord.js under faults", () => {
  it("a bad token fails login (401 from /gateway/bot → TokenInvalid); REST gets Discord's 401 shape", async () => {
    const c = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
    clients.push(c);
    await expect(c.login("not-the-token")).rejects.toMatchObject({ code: "TokenInvalid" });
    const res = await fetch(`${discord.apiBase}/v10/users/@me`, { headers: { authorization: "Bot nope" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "401: Unauthorized", code: 0 });
    const rest = new REST({ api: discord.apiBase }).setToken("wrong");
    await expect(rest.get(Routes.user("@me"))).rejects.toMatchObject({ status: 401, code: 0 });
  });

  it("an injected 429 is waited out and retried by @discordjs/rest", async () => {
    const c = await client();
    const channel = c.channels.cache.get(discord.guild.channels.general) as TextChannel;
    const limited = new Promise((resolve) => c.rest.once("rateLimited", resolve));
    discord.driver.injectRateLimit({ route: `/channels/${discord.guild.channels.general}/messages`, retryAfter: 0.3 });
    const t0 = Date.now();
    const sent = await channel.send("after the limit");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await limited).toMatchObject({ retryAfter: expect.any(Number), scope: "user" });
    expect(sent.content).toBe("after the limit");
    expect(discord.driver.rateLimitHits()).toHaveLength(1);
    expect(discord.driver.messages("general").map((m) => m.content)).toEqual(["after the limit"]); // sent once, not twice
  });

  it("a global 429 carries X-RateLimit-Global and is also retried", async () => {
    const c = await client();
    discord.driver.injectRateLimit({ route: "/channels/", retryAfter: 0.2, global: true });
    const res = await fetch(`${discord.apiBase}/v10/channels/${discord.guild.channels.general}`, {
      headers: { authorization: `Bot ${discord.botToken}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("x-ratelimit-global")).toBe("true");
    expect(await res.json()).toEqual({ message: "You are being rate limited.", retry_after: 0.2, global: true });
    discord.driver.injectRateLimit({ route: "/channels/", retryAfter: 0.2, global: true });
    const fetched = await c.channels.fetch(discord.guild.channels.requests, { force: true });
    expect(fetched?.id).toBe(discord.guild.channels.requests);
  });

  it("op 7 → the client reconnects and RESUMEs; dispatches missed meanwhile are replayed", async () => {
    const c = await client();
    const [before] = discord.driver.sessions();
    const resumed = once(c, Events.ShardResume);
    expect(discord.driver.reconnect()).toBe(1);
    // Sent while the client is between sockets: must arrive through the RESUME replay.
    const got = once(c, Events.MessageCreate);
    discord.driver.say({ user: "alice", channel: "general", content: "while you were away" });
    const [[msg]] = await Promise.all([got, resumed]);
    expect(msg.content).toBe("while you were away");
    const after = discord.driver.sessions();
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(before.id);
    expect(after[0].connected).toBe(true);
  });

  it("a dropped connection (no close frame) is resumed too", async () => {
    const c = await client();
    const resumed = once(c, Events.ShardResume);
    discord.driver.dropConnections();
    await resumed;
    expect(discord.driver.sessions()[0].connected).toBe(true);
  });

  it("op 9 (not resumable) → the client IDENTIFIEs again with a new session", async () => {
    const c = await client();
    const [before] = discord.driver.sessions();
    const readyAgain = once(c, Events.ShardReady);
    expect(discord.driver.invalidateSession(false)).toBe(1);
    await readyAgain;
    await discord.driver.waitForBot();
    const after = discord.driver.sessions();
    expect(after).toHaveLength(1);
    expect(after[0].id).not.toBe(before.id);
    const reply = discord.driver.waitForMessage("general", (m) => m.content === "still here");
    c.once(Events.MessageCreate, (m) => void m.channel.send("still here"));
    discord.driver.say({ user: "bob", channel: "general", content: "are you there?" });
    expect((await reply).author.id).toBe(discord.botUserId);
  });

  it("op 9 (resumable) → the client RESUMEs on the same session", async () => {
    const c = await client();
    const [before] = discord.driver.sessions();
    const resumed = once(c, Events.ShardResume);
    discord.driver.invalidateSession(true);
    await resumed;
    expect(discord.driver.sessions()[0].id).toBe(before.id);
  });

  it("a corrupt state file is a clear error and is left as it was", async () => {
    const { mkdtempSync, rmSync, writeFileSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "ouro-discord-"));
    try {
      writeFileSync(join(dir, "discord-state.json"), "{oops");
      await expect(startDiscord({ dataDir: dir })).rejects.toThrow(/discord-state.json is not valid JSON/);
      writeFileSync(join(dir, "discord-state.json"), JSON.stringify({ version: 2 }));
      await expect(startDiscord({ dataDir: dir })).rejects.toThrow(/is not a valid state file/);
      expect(readFileSync(join(dir, "discord-state.json"), "utf8")).toBe(JSON.stringify({ version: 2 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("state persists across a restart with dataDir", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "ouro-discord-"));
    try {
      const first = await startDiscord({ dataDir: dir });
      const c1 = await readyClient(first);
      await c1.application!.commands.set([{ name: "ping", description: "Ping" }]);
      await (c1.channels.cache.get(first.guild.channels.general) as TextChannel).send("remember me");
      await c1.destroy();
      await first.close();
      const second = await startDiscord({ dataDir: dir });
      try {
        expect(second.botToken).toBe(first.botToken);
        expect(second.guild).toEqual(first.guild);
        expect(second.driver.commands().map((x) => x.name)).toEqual(["ping"]);
        expect(second.driver.messages("general").map((m) => m.content)).toEqual(["remember me"]);
        const c2 = await readyClient(second);
        expect(c2.guilds.cache.get(second.guild.id)?.name).toBe("Ouro Local");
        await c2.destroy();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
