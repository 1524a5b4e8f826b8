// The app's start log says where the console is and how one signs in — and never a token or
// secret: the real app (startApp) on the GitHub stand-in, its pino log read line by line.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsoleAuthOptions } from "../../../app/console/auth/index.ts";
import { startApp } from "../../../app/start.ts";
import { fixedWriter, startWorld } from "../harness.ts";
import type { World } from "../harness.ts";
import { CONSOLE_TOKEN } from "./world.ts";

let w: World;
beforeAll(async () => {
  w = await startWorld();
  await w.app.close(); // its data directory is free for the starts below (one app per data directory)
}, 60_000);
afterAll(() => w?.close());

interface LogLine {
  level: number;
  msg: string;
}

/** Starts the app with `console`, returns what it logged while starting, and stops it. */
async function startLog(console: ConsoleAuthOptions): Promise<{ lines: LogLine[]; url: string }> {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  const app = await startApp({
    config: { ...w.config, console },
    writer: fixedWriter,
    logger: pino({ level: "info" }, sink),
    tickMs: 3_600_000,
  });
  const url = app.url;
  await app.close();
  return { lines, url };
}

const consoleLines = (lines: LogLine[]) => lines.filter((l) => l.msg.startsWith("console: "));

describe("the console's line in the start log", () => {
  it("production with a token and GitHub: the public address, both ways in, the callback URL; no secret", async () => {
    const secret = "client-secret-never-logged-0123456789";
    const { lines } = await startLog({
      mode: "production",
      token: CONSOLE_TOKEN,
      github: { clientId: "Iv1.abc", clientSecret: secret, webUrl: w.gh.url },
      publicUrl: "https://ouro.example.com",
    });
    const found = consoleLines(lines);
    expect(found).toHaveLength(1);
    expect(found[0].level).toBe(30); // info
    expect(found[0].msg).toBe(
      "console: https://ouro.example.com/console/ (sign in with GitHub through the App (callback URL https://ouro.example.com/console/auth/callback) or the console token)",
    );
    const all = JSON.stringify(lines);
    expect(all).not.toContain(CONSOLE_TOKEN);
    expect(all).not.toContain(secret);
  });

  it("production with only a token and no public address: the address the app listens on", async () => {
    const { lines, url } = await startLog({ mode: "production", token: CONSOLE_TOKEN });
    expect(consoleLines(lines).map((l) => l.msg)).toEqual([`console: ${url}/console/ (sign in with the console token)`]);
    expect(JSON.stringify(lines)).not.toContain(CONSOLE_TOKEN);
  });

  it("production with no way in: a warning saying the console is off and what to set", async () => {
    const { lines } = await startLog({ mode: "production" });
    const found = consoleLines(lines);
    expect(found).toHaveLength(1);
    expect(found[0].level).toBe(40); // warn
    expect(found[0].msg).toMatch(/^console: off — no way to sign in is configured\. Set OURO_CONSOLE_TOKEN .*then restart$/);
  });

  it("local mode: the address and that nobody signs in", async () => {
    const { lines, url } = await startLog({ mode: "local" });
    expect(consoleLines(lines).map((l) => l.msg)).toEqual([`console: ${url}/console/ (local mode: no sign-in, this machine only)`]);
  });
});
