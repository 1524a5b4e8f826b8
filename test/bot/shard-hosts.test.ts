// Shards on several hosts: two shard managers (two "hosts") with OURO_SHARDS=3 run shards 0,1
// and 2 — three gateway sessions with the right shard pairs, and each guild's events reach
// exactly one of them (the stand-in routes by guild id, as Discord does).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startDiscord, type DiscordStandIn, type GuildView } from "../../local/discord/index.ts";
import { shardOf } from "../../local/discord/gateway.ts";
import { deployCommands } from "../../bot/register-commands.ts";
import { startFakeApp, type FakeApp } from "./fake-app.ts";
import { until } from "./harness.ts";

const SHARD = fileURLToPath(new URL("../../bot/shard.ts", import.meta.url));
const TOTAL = 3;
let discord: DiscordStandIn;
let app: FakeApp;
let tmp: string;
const hosts: ChildProcess[] = [];
/** One guild per shard: guilds[n] lives on shard n. */
const guilds: GuildView[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  discord = await startDiscord();
  app = await startFakeApp();
  tmp = mkdtempSync(join(tmpdir(), "ouro-shard-hosts-"));
  // Guild ids are snowflakes (time-based): new guilds until every shard has one.
  const seeded = discord.driver.guild();
  guilds[shardOf(seeded.id, TOTAL)] = seeded;
  for (let n = 0; guilds.filter(Boolean).length < TOTAL; n++) {
    if (n > 500) throw new Error("could not make a guild for every shard");
    const g = discord.driver.createGuild({ guild: { name: `Guild ${n}` } });
    guilds[shardOf(g.id, TOTAL)] ??= g;
    await new Promise((r) => setTimeout(r, 1)); // the next snowflake's millisecond: another shard
  }
  await deployCommands({ token: discord.botToken, api: discord.apiBase, dataDir: tmp }); // global: every guild
});

afterAll(async () => {
  for (const h of hosts) if (h.exitCode === null && h.signalCode === null) h.kill("SIGKILL");
  await app?.close();
  await discord?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A host: bot/shard.ts running `ids` of TOTAL shards, with its own data dir. */
function startHost(ids: string, healthPort: number): ChildProcess {
  const child = spawn(process.execPath, [SHARD], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: "silent",
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API: discord.apiBase,
      OURO_APP_URL: app.url,
      OURO_APP_TOKEN: app.token,
      OURO_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      OURO_DATA_DIR: join(tmp, `host-${ids}`),
      OURO_HEALTH_PORT: String(healthPort),
      OURO_SHARDS: String(TOTAL),
      OURO_SHARD_IDS: ids,
    },
    stdio: "ignore",
  });
  hosts.push(child);
  return child;
}

const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => c.once("exit", (code) => r(code)));

describe("shards on two hosts", () => {
  it("hosts 0,1 and 2 of 3: three sessions, each guild's events reach exactly one shard, SIGTERM stops each host", async () => {
    const [baseA, baseB] = [await freePort(), await freePort()];
    const a = startHost("0,1", baseA);
    const b = startHost("2", baseB);
    const exits = [exitOf(a), exitOf(b)];
    const sessions = await until(
      () => {
        const s = discord.driver.sessions().filter((x) => x.connected);
        return s.length === TOTAL && s;
      },
      "three shard sessions",
      90_000,
    );
    expect(sessions.map((s) => s.shard).sort((x, y) => x[0] - y[0])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    // Health ports are OURO_HEALTH_PORT + shard id on each host: A 0 and 1, B 2.
    for (const port of [baseA, baseA + 1, baseB + 2])
      await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, `health on ${port}`, 60_000);

    const seqs = () => new Map(discord.driver.sessions().map((s) => [s.shard[0], s.seq]));
    for (const [shard, g] of guilds.entries()) {
      // A message: one dispatch, to the guild's shard only.
      const before = seqs();
      discord.driver.say({ user: "alice", guild: g.id, channel: "general", content: `hello shard ${shard}` });
      const after = seqs();
      expect(
        [0, 1, 2].map((id) => after.get(id)! - before.get(id)!),
        `guild on shard ${shard}`,
      ).toEqual([0, 1, 2].map((id) => (id === shard ? 1 : 0)));
      // A command: answered once, by the host running that shard (a second answer would be refused).
      const reply = await discord.driver.runCommand({ user: "alice", guild: g.id, channel: "general", name: "ping" }).reply();
      expect(reply.content).toBe("Pong!");
      const answered = seqs();
      expect(answered.get(shard)).toBeGreaterThan(after.get(shard)!);
      for (const other of [0, 1, 2].filter((id) => id !== shard)) expect(answered.get(other)).toBe(after.get(other));
    }

    a.kill("SIGTERM");
    b.kill("SIGTERM");
    expect(await Promise.all(exits)).toEqual([0, 0]);
    await until(() => discord.driver.sessions().filter((x) => x.connected).length === 0, "sessions closed");
  }, 180_000); // three bot processes and their plugin hosts: minutes on a loaded machine
});
