// The gateway protocol with a raw ws client: HELLO, IDENTIFY, READY, close codes, RESUME, intents, shards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayCloseCodes, GatewayIntentBits as I } from "discord-api-types/v10";
import type { GatewayReadyDispatchData, GatewayGuildCreateDispatchData } from "discord-api-types/v10";
import { startDiscord } from "../../../local/discord/index.ts";
import type { DiscordStandIn } from "../../../local/discord/index.ts";
import { RawGateway } from "./raw-gateway.ts";

let discord: DiscordStandIn;
const open: RawGateway[] = [];
const connect = (query = "?v=10&encoding=json") => {
  const g = new RawGateway(`${discord.gatewayUrl}${query}`);
  open.push(g);
  return g;
};

beforeAll(async () => {
  discord = await startDiscord({ heartbeatIntervalMs: 45_000, disallowedIntents: I.GuildPresences });
});
afterAll(async () => {
  for (const g of open) g.close();
  await discord.close();
});

describe("gateway v10", () => {
  it("HELLO, heartbeat ACK, IDENTIFY → READY then GUILD_CREATE with sequence numbers", async () => {
    const g = connect();
    const hello = await g.next((f) => f.op === 10);
    expect(hello.d).toEqual({ heartbeat_interval: 45_000 });
    g.send({ op: 1, d: null });
    await g.next((f) => f.op === 11);
    g.identify(discord.botToken, I.Guilds | I.GuildMessages);
    const ready = await g.next((f) => f.t === "READY");
    const d = ready.d as GatewayReadyDispatchData;
    expect(ready.s).toBe(1);
    expect(d.v).toBe(10);
    expect(d.user.id).toBe(discord.botUserId);
    expect(d.guilds).toEqual([{ id: discord.guild.id, unavailable: true }]);
    expect(d.resume_gateway_url).toBe(discord.gatewayUrl);
    expect(d.application.id).toBe(discord.applicationId);
    expect(typeof d.session_id).toBe("string");
    const guild = await g.next((f) => f.t === "GUILD_CREATE");
    expect(guild.s).toBe(2);
    const gd = guild.d as GatewayGuildCreateDispatchData;
    expect(gd.channels.map((c) => c.name)).toEqual(["general", "requests"]);
    expect(gd.members.length).toBe(4); // alice, bob, admin and the bot
    expect(gd.roles[0].id).toBe(discord.guild.id); // @everyone
  });

  it.each([
    ["a bad token", (g: RawGateway) => g.identify("nope", I.Guilds), GatewayCloseCodes.AuthenticationFailed],
    ["a payload before IDENTIFY", (g: RawGateway) => g.send({ op: 3, d: { status: "online" } }), GatewayCloseCodes.NotAuthenticated],
    ["invalid JSON", (g: RawGateway) => g.send("{nope"), GatewayCloseCodes.DecodeError],
    ["an unknown opcode", (g: RawGateway) => g.send({ op: 42, d: null }), GatewayCloseCodes.UnknownOpcode],
    ["unknown intent bits", (g: RawGateway) => g.identify(discord.botToken, 1 << 30), GatewayCloseCodes.InvalidIntents],
    [
      "a privileged intent not enabled",
      (g: RawGateway) => g.identify(discord.botToken, I.Guilds | I.GuildPresences),
      GatewayCloseCodes.DisallowedIntents,
    ],
    ["an invalid shard", (g: RawGateway) => g.identify(discord.botToken, I.Guilds, [2, 2]), GatewayCloseCodes.InvalidShard],
  ])("closes on %s with the matching close code", async (_name, act, code) => {
    const g = connect();
    await g.next((f) => f.op === 10);
    act(g);
    expect(await g.closed).toBe(code);
  });

  it("closes 4005 on a second IDENTIFY and 4012 on another API version", async () => {
    const g = connect();
    await g.next((f) => f.op === 10);
    g.identify(discord.botToken, I.Guilds);
    await g.next((f) => f.t === "READY");
    g.identify(discord.botToken, I.Guilds);
    expect(await g.closed).toBe(GatewayCloseCodes.AlreadyAuthenticated);
    expect(await connect("?v=9&encoding=json").closed).toBe(GatewayCloseCodes.InvalidAPIVersion);
  });

  it("RESUME replays what was missed, then RESUMED; an unknown session gets op 9 false", async () => {
    const a = connect();
    await a.next((f) => f.op === 10);
    a.identify(discord.botToken, I.Guilds | I.GuildMessages | I.MessageContent);
    const ready = await a.next((f) => f.t === "READY");
    const { session_id } = ready.d as GatewayReadyDispatchData;
    await a.next((f) => f.t === "GUILD_CREATE");
    const lastSeen = 2;
    a.close();
    await a.closed;
    discord.driver.say({ user: "alice", channel: "general", content: "missed 1" });
    discord.driver.say({ user: "bob", channel: "general", content: "missed 2" });
    const b = connect();
    await b.next((f) => f.op === 10);
    b.send({ op: 6, d: { token: discord.botToken, session_id, seq: lastSeen } });
    const resumed = await b.next((f) => f.t === "RESUMED");
    const replayed = b.frames.filter((f) => f.t === "MESSAGE_CREATE");
    expect(replayed.map((f) => (f.d as { content: string }).content)).toEqual(["missed 1", "missed 2"]);
    expect(replayed.map((f) => f.s)).toEqual([3, 4]);
    expect(resumed.s).toBe(5);
    const c = connect();
    await c.next((f) => f.op === 10);
    c.send({ op: 6, d: { token: discord.botToken, session_id: "unknown", seq: 1 } });
    expect((await c.next((f) => f.op === 9)).d).toBe(false);
  });

  it("after op 9 (not resumable) a client may IDENTIFY again on the same socket", async () => {
    const g = connect();
    await g.next((f) => f.op === 10);
    g.identify(discord.botToken, I.Guilds);
    const first = await g.next((f) => f.t === "READY");
    const sessionId = (first.d as GatewayReadyDispatchData).session_id;
    expect(discord.driver.invalidateSession(false, sessionId)).toBe(1);
    await g.next((f) => f.op === 9);
    g.identify(discord.botToken, I.Guilds);
    const second = await g.next((f) => f.t === "READY" && f !== first);
    expect((second.d as GatewayReadyDispatchData).session_id).not.toBe(sessionId);
    expect(second.s).toBe(1);
  });

  it("filters by intents: no GuildMessages → no MESSAGE_CREATE; no MessageContent → empty content; interactions always", async () => {
    const none = connect();
    const noContent = connect();
    await none.next((f) => f.op === 10);
    await noContent.next((f) => f.op === 10);
    none.identify(discord.botToken, I.Guilds);
    noContent.identify(discord.botToken, I.Guilds | I.GuildMessages);
    await none.next((f) => f.t === "GUILD_CREATE");
    await noContent.next((f) => f.t === "GUILD_CREATE");
    discord.driver.say({ user: "alice", channel: "general", content: "secret words" });
    discord.driver.say({ user: "alice", channel: "general", content: `hey <@${discord.botUserId}>` });
    const m1 = await noContent.next((f) => f.t === "MESSAGE_CREATE");
    const m2 = await noContent.next((f) => f.t === "MESSAGE_CREATE" && f !== m1);
    expect((m1.d as { content: string }).content).toBe("");
    expect((m2.d as { content: string }).content).toBe(`hey <@${discord.botUserId}>`); // mentions keep content
    expect(none.frames.some((f) => f.t === "MESSAGE_CREATE")).toBe(false);
  });

  it("routes guild events to the shard owning the guild", async () => {
    const shards = [connect(), connect()];
    for (const [i, g] of shards.entries()) {
      await g.next((f) => f.op === 10);
      g.identify(discord.botToken, I.Guilds | I.GuildMessages, [i, 2]);
      await g.next((f) => f.t === "READY");
    }
    const owner = Number((BigInt(discord.guild.id) >> 22n) % 2n);
    discord.driver.say({ user: "bob", channel: "general", content: "sharded" });
    await shards[owner].next((f) => f.t === "MESSAGE_CREATE");
    expect(shards[1 - owner].frames.some((f) => f.t === "GUILD_CREATE" || f.t === "MESSAGE_CREATE")).toBe(false);
  });
});
