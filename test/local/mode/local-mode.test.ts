// Local mode as a new user runs it: `npm start` with no credentials (a real process), then
// `npm run demo` (another real process) plays the whole story through the stand-ins, the real
// workflows, the app and the deploy hook. Then the defects local mode once had stay fixed:
// the App has exactly app.yml's permissions, the guild has the policy's roles, one bot answers,
// Ctrl-C stops everything, a second start on the same data refuses, a restart resumes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const CREDENTIALS = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "DISCORD_TOKEN", "OPENAI_API_KEY"];

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !CREDENTIALS.includes(k)) env[k] = v;
  return env;
}

/**
 * A block of seven free ports (the page and the six services after it), kept across the
 * resume test's restart: taken in 26000–32767, below Linux's ephemeral range (32768+) and
 * apart from the crash tests' 20000–25999, so neither an outgoing connection nor a test
 * running at the same time takes one meanwhile.
 */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = 26_000 + Math.floor(Math.random() * (32_768 - 7 - 26_000));
    const ok = await Promise.all(
      Array.from({ length: 7 }, (_, i) => {
        const s = createServer();
        return new Promise<boolean>((resolve) => {
          s.once("error", () => resolve(false));
          s.listen(base + i, "127.0.0.1", () => s.close(() => resolve(true)));
        });
      }),
    );
    if (ok.every(Boolean)) return base;
  }
}

interface Run {
  child: ChildProcess;
  lines: string[];
  /** The first line (already printed or to come) matching `re`; rejects when the process exits first. */
  line(re: RegExp): Promise<string>;
  exit: Promise<number | null>;
}

function start(script: string, args: string[], env = cleanEnv()): Run {
  const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const s of [child.stdout!, child.stderr!])
    createInterface({ input: s }).on("line", (l) => {
      lines.push(l);
      for (const w of waiters) w();
    });
  const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    lines,
    exit,
    line: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit) {
            waiters.delete(check);
            resolve(hit);
          }
        };
        waiters.add(check);
        check();
        void exit.then(() => {
          if (waiters.delete(check)) reject(new Error(`exited before printing ${re}:\n${lines.join("\n")}`));
        });
      }),
  };
}

const data = mkdtempSync(join(tmpdir(), "ouro-local-mode-"));
let running: Run | null = null;
afterAll(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill("SIGINT");
    await running.exit;
  }
  rmSync(data, { recursive: true, force: true });
});

describe("npm start with no credentials: local mode", { timeout: 900_000 }, () => {
  let base = 0;
  let endpoints: { github: { apiUrl: string; url: string }; discord: { driverUrl: string }; page: string };

  it("starts in one command and prints one line: the URL to open and how to stop", async () => {
    base = await freeBase();
    running = start("main.ts", ["--data", data, "--port", String(base)]);
    const ready = await running.line(/local mode is ready/);
    expect(ready).toContain(`open http://127.0.0.1:${base}`);
    expect(ready).toContain("Ctrl-C");
    endpoints = JSON.parse(readFileSync(join(data, "endpoints.json"), "utf8"));
    const page = await fetch(endpoints.page);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("npm run demo");
  });

  it("registers the App with exactly app.yml's permissions and events", async () => {
    const manifest = parse(readFileSync(join(ROOT, "app.yml"), "utf8")) as { default_permissions: object; default_events: string[] };
    const state = JSON.parse(readFileSync(join(data, "github/state.json"), "utf8")) as {
      apps: Record<string, { slug: string; permissions: object; events: string[] }>;
    };
    const app = Object.values(state.apps).find((a) => a.slug === "ouro")!;
    expect(app.permissions).toEqual(manifest.default_permissions);
    expect([...app.events].sort()).toEqual([...manifest.default_events].sort());
  });

  it("seeds the guild with the roles the policy names and a maintainer, a member and a newcomer", async () => {
    const guild = (await (await fetch(`${endpoints.discord.driverUrl}/guild`)).json()) as {
      roles: Record<string, string>;
      users: Record<string, string>;
    };
    expect(Object.keys(guild.roles)).toEqual(expect.arrayContaining(["Ouro Maintainer", "Ouro Admin"]));
    expect(Object.keys(guild.users)).toEqual(expect.arrayContaining(["maya", "max", "nia"]));
  });

  it("npm run demo plays every step: request → PR → real workflows → merge → deploy → /hello → /rollback (replied) → gone → revert PR", async () => {
    const demo = start("local/mode/demo.ts", ["--data", data, "--port", String(base)]);
    const code = await demo.exit;
    expect(demo.lines.join("\n")).toMatch(/Demo complete: 10 steps/);
    expect(code).toBe(0);
    // one bot answered all along: the hook's release, never a second copy
    const sessions = (await (await fetch(`${endpoints.discord.driverUrl}/sessions`)).json()) as { connected: boolean }[];
    expect(sessions.filter((s) => s.connected)).toHaveLength(1);
  });

  it("a second start on the same data directory refuses, in plain words", async () => {
    const second = start("main.ts", ["--data", data, "--port", String(base + 100)]);
    expect(await second.exit).toBe(1);
    expect(second.lines.join("\n")).toMatch(/already running on .* \(process \d+\)/);
  });

  it("Ctrl-C stops everything; a second npm start resumes from the data directory", async () => {
    const hookState = JSON.parse(readFileSync(join(data, "hook/deploy-state.json"), "utf8")) as { process: { pid: number } };
    running!.child.kill("SIGINT");
    expect(await running!.exit).toBe(0);
    expect(() => process.kill(hookState.process.pid, 0)).toThrow(); // the live bot stopped too
    running = start("main.ts", ["--data", data, "--port", String(base)]);
    expect(await running.line(/local mode is ready/)).toContain("(resumed)");
    const status = (await (await fetch(`${endpoints.discord.driverUrl}/sessions`)).json()) as { connected: boolean }[];
    expect(status.filter((s) => s.connected)).toHaveLength(1);
  });
});

describe("npm start with half the credentials", () => {
  it("says in one line what is missing and starts nothing", async () => {
    const r = start("main.ts", [], { ...cleanEnv(), APP_ID: "123" });
    expect(await r.exit).toBe(2);
    expect(r.lines.join("\n")).toMatch(/APP_ID is set but PRIVATE_KEY \(or PRIVATE_KEY_PATH\) and WEBHOOK_SECRET are not/);
    expect(r.lines.join("\n")).not.toMatch(/Invalid input|expected number/);
  });
});
