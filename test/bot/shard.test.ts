import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { deployCommands } from "../../bot/register-commands.ts";
import { startFakeApp, type FakeApp } from "./fake-app.ts";
import { until } from "./harness.ts";

const SHARD = fileURLToPath(new URL("../../bot/shard.ts", import.meta.url));
let discord: DiscordStandIn;
let app: FakeApp;
let dataDir: string;
let child: ChildProcess | undefined;

// The base health port (shard 0); shard 1 takes the next one.
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  discord = await startDiscord({ shards: 2 });
  app = await startFakeApp();
  dataDir = mkdtempSync(join(tmpdir(), "ouro-shard-"));
  await deployCommands({ token: discord.botToken, api: discord.apiBase, guildId: discord.guild.id, dataDir });
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
  }
  await app?.close();
  await discord?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("bot/shard.ts", () => {
  it("runs one bot process per recommended shard: own sessions and health ports, commands and progress work, SIGTERM stops all", async () => {
    const base = await freePort();
    child = spawn(process.execPath, [SHARD], {
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: "silent",
        DISCORD_TOKEN: discord.botToken,
        DISCORD_API: discord.apiBase,
        OURO_APP_URL: app.url,
        OURO_APP_TOKEN: app.token,
        OURO_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
        OURO_DATA_DIR: dataDir,
        OURO_HEALTH_PORT: String(base),
      },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    const sessions = await until(
      () => {
        const s = discord.driver.sessions().filter((x) => x.connected);
        return s.length === 2 && s;
      },
      "two shard sessions",
      60_000,
    );
    expect(sessions.map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const port of [base, base + 1]) {
      const health = await until(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok,
        `health on ${port}`,
        30_000,
      );
      expect(health).toBe(true);
    }
    const reply = await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply();
    expect(reply.content).toBe("Pong!");
    await app.streamClients(2); // every shard hears progress; only the guild's shard edits

    const announced = await discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "request",
        options: { text: "sharded request" },
      })
      .reply();
    const thread = await discord.driver.waitForThread({ parent: "general", name: /sharded request/ });
    expect(thread.id).toBe(announced.id);
    const progress = await discord.driver.waitForMessage(thread.id, (m) => m.author.bot === true, { includeExisting: true });
    app.emit({ changeId: "chg-1", state: "checks", message: "checks running on the shard" });
    await until(() => JSON.stringify(discord.driver.message(progress.id)!.embeds).includes("checks running on the shard"), "progress edit");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await until(() => discord.driver.sessions().filter((x) => x.connected).length === 0, "sessions closed");
  }, 120_000); // two bot processes and their plugin hosts start here: minutes on a loaded machine
});
