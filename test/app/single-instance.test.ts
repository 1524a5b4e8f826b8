// One Ouro app per SQLite data directory (app/store/instance-lock.ts), with real app processes
// (`node app/main.ts`, configured by environment) against the GitHub stand-in: a second app on
// the same data directory refuses before it touches anything and the first keeps serving; a
// SIGKILL or a normal stop leaves no stale lock; a data directory that cannot be written gets
// a plain error. In one process the lock is counted, so a restart in the same process works.
// A start also removes the agent's scratch worktrees that killed attempts left, never a live one.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { GitHubStandIn, RegisteredApp } from "../../local/github/index.ts";
import { startAttempt } from "../../app/agent/attempts.ts";
import { DATABASE_FILE } from "../../app/store/database.ts";
import { LOCK_FILE, lockDataDir } from "../../app/store/instance-lock.ts";
import { ENCRYPTION_KEY, REPO, startRepoWithOuro, TOKEN } from "./harness.ts";
import { setImmutable } from "./immutable.ts";

const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
let gh: GitHubStandIn;
let reg: RegisteredApp;
let dir: string;
const running = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ouro-single-instance-"));
  ({ gh, reg } = await startRepoWithOuro({ "README.md": "# bot\n" }));
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) c();
  for (const child of running) await stop(child, "SIGKILL");
});

afterAll(async () => {
  await gh?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a started app process came to: listening (its URLs), or exited (its code and stderr). */
type Outcome = { listening: true; url: string; child: ChildProcess } | { listening: false; code: number | null; stderr: string };

/** `node app/main.ts` on `dataDir`, as `npm start` runs it; resolves once it listens or exits. */
function startAppProcess(dataDir: string): Promise<Outcome> {
  const child = spawn(process.execPath, ["app/main.ts"], {
    cwd: PROJECT,
    env: {
      PATH: process.env.PATH,
      APP_ID: String(reg.appId),
      PRIVATE_KEY_PATH: reg.privateKeyFile,
      WEBHOOK_SECRET: reg.webhookSecret,
      GHE_HOST: new URL(gh.url).host,
      GHE_PROTOCOL: "http",
      OURO_REPO: REPO,
      OURO_APP_TOKEN: TOKEN,
      OURO_ENCRYPTION_KEY: ENCRYPTION_KEY,
      OURO_DATA_DIR: dataDir,
      PORT: "0",
      OURO_BOT_LINK_PORT: "0",
      OURO_WRITE_SPACING_MS: "0",
      LOG_LEVEL: "info",
      TMPDIR: join(dir, "tmp"), // where the agent's scratch worktrees go (attempts.ts)
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return new Promise<Outcome>((resolve) => {
    let out = "";
    let stderr = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /Ouro app listening on (http:\/\/[\d.:]+) /.exec(out);
      if (m) resolve({ listening: true, url: m[1], child });
    });
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    child.once("close", (code) => resolve({ listening: false, code, stderr }));
  });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill(signal);
  return exited;
}

function listening(o: Outcome): { url: string; child: ChildProcess } {
  if (!o.listening) throw new Error(`the app did not start (exit ${o.code}): ${o.stderr}`);
  return o;
}

/** The store file's bytes and times, and what the data directory holds. */
function footprint(dataDir: string) {
  const file = join(dataDir, DATABASE_FILE);
  const st = statSync(file);
  return { bytes: readFileSync(file).toString("base64"), mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, entries: readdirSync(dataDir).sort() };
}

it("a second app on the same data directory refuses, naming the directory and the first's pid; the first keeps serving", async () => {
  const data = join(dir, "shared");
  const first = listening(await startAppProcess(data));
  expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  const before = footprint(data);

  const second = await startAppProcess(data);
  expect(second.listening).toBe(false);
  if (second.listening) return;
  expect(second.code).toBe(2);
  expect(second.stderr.trim()).toBe(
    `another Ouro app (process ${first.child.pid}) is running on the data directory ${data}, so this one did not start; ` +
      "stop that one first, or give this one its own OURO_DATA_DIR",
  );
  expect(footprint(data)).toEqual(before); // no migration, no resume, no new file
  expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  expect(first.child.exitCode).toBe(null);
}, 120_000);

it("after a SIGKILL the next start takes the data directory (no stale lock) and sweeps dead scratch; after a normal stop too", async () => {
  const data = join(dir, "restarts");
  const first = listening(await startAppProcess(data));
  await stop(first.child, "SIGKILL");
  expect(readdirSync(data)).toContain(LOCK_FILE); // the file stays; only the kernel's lock went with the process

  // What an agent attempt killed with the app left (its lock file, no longer held, and its
  // worktree), beside an attempt that is live in this process: the start sweeps only the first.
  const scratch = join(dir, "tmp", `ouro-agent-${process.getuid!()}`);
  mkdirSync(join(scratch, "discord-9~0123456789ab", "tree"), { recursive: true });
  writeFileSync(join(scratch, "discord-9~0123456789ab", "tree", "half-done.ts"), "export {};\n");
  writeFileSync(join(scratch, "discord-9~0123456789ab.lock"), "");
  const live = startAttempt(scratch, "discord-10");
  cleanups.push(() => live.release());
  const work = join(data, "work"); // the data directory's attempt directories, swept alike
  mkdirSync(join(work, "discord-11~0123456789ab", "repo"), { recursive: true });
  writeFileSync(join(work, "discord-11~0123456789ab.lock"), "");

  const second = listening(await startAppProcess(data));
  expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
  expect(readdirSync(scratch).sort()).toEqual([live.id, `${live.id}.lock`].sort());
  expect(readdirSync(work)).toEqual([]);
  expect(await stop(second.child, "SIGTERM")).toBe(0);

  const third = listening(await startAppProcess(data));
  expect((await fetch(`${third.url}/healthz`)).status).toBe(200);
  expect(await stop(third.child, "SIGTERM")).toBe(0);
}, 120_000);

it("a data directory the process cannot write: a plain error, exit 2, nothing made in it", async () => {
  const data = join(dir, "immutable");
  mkdirSync(data);
  setImmutable([data], true);
  cleanups.push(() => setImmutable([data], false));
  const o = await startAppProcess(data);
  expect(o.listening).toBe(false);
  if (o.listening) return;
  expect(o.code).toBe(2);
  expect(o.stderr.trim()).toBe(
    `cannot use the data directory ${data}: its lock file ${LOCK_FILE} cannot be made or locked ` +
      "(operation not permitted (an immutable or protected directory?)); make it a directory this user can write, or set OURO_DATA_DIR to one",
  );
  expect(readdirSync(data)).toEqual([]);

  const file = join(dir, "a-file");
  writeFileSync(file, "not a directory\n");
  const notDir = await startAppProcess(join(file, "data"));
  expect(notDir.listening).toBe(false);
  if (notDir.listening) return;
  expect(notDir.code).toBe(2);
  expect(notDir.stderr.trim()).toBe(
    `cannot use the data directory ${join(file, "data")}: a part of its path is a file, not a directory; ` +
      "make it a directory this user can write, or set OURO_DATA_DIR to one",
  );
}, 120_000);

it("in one process the lock is counted: taken again while held, dropped when the last holder releases", async () => {
  const data = join(dir, "in-process");
  const a = lockDataDir(data);
  const b = lockDataDir(data); // e.g. a restart in the same process before the old app let go
  a();
  a(); // releasing twice counts once
  expect(await lockInChild(data)).toBe(`in use by ${process.pid}`);
  b();
  expect(await lockInChild(data)).toBe("locked");
  const c = lockDataDir(data);
  c();
});

/** Another process tries to take `data`: "locked", or "in use by <pid>" as the error named it. */
async function lockInChild(data: string): Promise<string> {
  const script = [
    `import { lockDataDir, DataDirInUse } from ${JSON.stringify(join(PROJECT, "app/store/instance-lock.ts"))};`,
    `try { lockDataDir(${JSON.stringify(data)}); console.log("locked"); }`,
    `catch (e) { if (!(e instanceof DataDirInUse)) throw e; console.log("in use by " + e.pid); }`,
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.once("close", r));
  return out.trim();
}
