import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { startFakeApp, type FakeApp } from "./fake-app.ts";

const MAIN = fileURLToPath(new URL("../../bot/main.ts", import.meta.url));
let discord: DiscordStandIn;
let app: FakeApp;
let dataDir: string;
beforeAll(async () => {
  discord = await startDiscord();
  app = await startFakeApp();
  dataDir = mkdtempSync(join(tmpdir(), "ouro-main-"));
});
afterAll(async () => {
  await app?.close();
  await discord?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, output: () => output };
}

describe("bot/main.ts", () => {
  it("refuses to start on bad configuration, naming the variables", async () => {
    const p = start({ LOG_LEVEL: "info", DISCORD_TOKEN: "", OURO_APP_URL: "x" });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/DISCORD_TOKEN[\s\S]*OURO_APP_URL[\s\S]*OURO_ENCRYPTION_KEY/);
  });

  it("starts from the environment, becomes healthy, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const p = start({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API: discord.apiBase,
      OURO_APP_URL: app.url,
      OURO_APP_TOKEN: app.token,
      OURO_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      OURO_DATA_DIR: dataDir,
      OURO_HEALTH_PORT: String(port),
      OURO_VERSION: "deadbeef",
    });
    try {
      const deadline = Date.now() + 45_000; // bounds a failure only: a loaded machine starts the bot slowly
      let body: { status?: string; version?: string } = {};
      while (Date.now() < deadline) {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (r?.ok) {
          body = (await r.json()) as typeof body;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toMatchObject({ status: "ok", version: "deadbeef" });
      await app.streamClients(1); // subscribed to the app's progress
    } finally {
      p.child.kill("SIGTERM");
    }
    expect(await p.exited).toBe(0);
  });
});
