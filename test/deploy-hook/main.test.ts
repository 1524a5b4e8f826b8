// The CLI's bad-input paths: clear message, exit 2, nothing written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeRepo, type TestRepo } from "../helpers/git.ts";
import { startDiscord } from "../../local/discord/index.ts";
import { botEnv, makeDeployFixture, ROOT } from "./fixture.ts";

const CLI = fileURLToPath(new URL("../../deploy-hook/main.ts", import.meta.url));
let tmp: string;
let repo: TestRepo;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-cli-"));
  repo = makeRepo();
  repo.write({ "README.md": "x\n" });
  repo.commit("init");
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  repo.cleanup();
});
// A bound for failures only: on a loaded machine starting the CLI alone can take many seconds.
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000 });

// Every test starts the CLI (and the last one a bot): minutes on a loaded machine, not a tight race.
describe("deploy-hook/main.ts", { timeout: 180_000 }, () => {
  it("explains bad usage with exit 2", () => {
    for (const args of [
      ["frobnicate", "--data", tmp],
      ["deploy", "--data", tmp, "--repo", repo.dir],
      ["status"],
      ["deploy", "abc", "--data", tmp],
      ["status", "--data", tmp, "--keep", "zero"],
    ]) {
      const r = cli(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^deploy: .+\nusage:/);
    }
  });

  it("refuses bad shard settings with a sentence (exit 2), flags or environment", () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ["--shards", "3", "--shard-ids", "0,3"],
        {},
        /--shard-ids \(OURO_SHARD_IDS\): shard 3 is out of range: with OURO_SHARDS=3 the shard ids are 0 to 2/,
      ],
      [["--shards", "3", "--shard-ids", "1,1"], {}, /--shard-ids \(OURO_SHARD_IDS\) names shard 1 twice/],
      [["--shard-ids", "2"], {}, /--shard-ids \(OURO_SHARD_IDS\) \(2\) needs OURO_SHARDS/],
      [["--shards", "none"], {}, /--shards \(OURO_SHARDS\) must be the total number of shards/],
      [[], { OURO_SHARDS: "2", OURO_SHARD_IDS: "2" }, /shard 2 is out of range: with OURO_SHARDS=2 the shard ids are 0 to 1/],
    ];
    for (const [args, env, message] of cases) {
      const r = spawnSync(process.execPath, [CLI, "status", "--data", join(tmp, "shards"), ...args], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, OURO_SHARDS: "", OURO_SHARD_IDS: "", ...env },
      });
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(tmp, "shards"))).toBe(false); // nothing written
    }
  });

  it("the documented command runs on the project's Node 24 (npm run deploy-hook), with --bot-env", () => {
    const env = join(tmp, "bot.env");
    writeFileSync(env, "OURO_PROBE=1\n");
    // PATH as a user's shell has it: the system's node first; npm puts node_modules/.bin ahead.
    const npm = (...args: string[]) =>
      spawnSync("npm", ["run", "-s", "deploy-hook", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    const ok = npm("status", "--data", join(tmp, "npm"), "--bot-env", env);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ current: null });
    const missing = npm("status", "--data", join(tmp, "npm"), "--bot-env", join(tmp, "nope.env"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^deploy: cannot read --bot-env .*nope\.env: no such file\n/);
  });

  it("prints the state of an empty data dir", () => {
    const r = cli("status", "--data", join(tmp, "empty"));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ current: null, lastGood: null, releases: [], process: null });
  });

  it("refuses an unknown commit and a rollback with nothing live, changing nothing", () => {
    const data = join(tmp, "hook");
    const r = cli("deploy", "0123456789abcdef0123456789abcdef01234567", "--repo", repo.dir, "--data", data);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/status error: unknown commit/);
    const back = cli("rollback", "--repo", repo.dir, "--data", data);
    expect(back.status).toBe(2);
    expect(back.stdout).toMatch(/status error: nothing is live/);
    expect(existsSync(join(data, "current"))).toBe(false);
    expect(existsSync(join(data, "deploy.lock"))).toBe(false);
  });

  it("deploys by hand through the watch window, leaves the bot serving, and reports it in status", async () => {
    const discord = await startDiscord();
    const fx = makeDeployFixture();
    const data = join(tmp, "by-hand");
    let pid: number | undefined;
    try {
      const env = { ...process.env, ...botEnv(discord, join(tmp, "by-hand-bot")) };
      // The policy's health timeout (10 s) is for a production host; a loaded test machine can take longer to start a bot.
      const common = [
        "--repo",
        fx.dir,
        "--data",
        data,
        "--seed",
        ROOT,
        "--settle-ms",
        "200",
        "--watch-ms",
        "500",
        "--health-timeout-ms",
        "60000",
      ];
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, "deploy", fx.base, ...common], { env });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("exit", (code) => resolve({ code, out }));
      });
      expect(r.out).toMatch(/status success: [0-9a-f]{7} is live/);
      expect(r.out).toMatch(/watch window: good/);
      expect(r.code).toBe(0);
      const st = JSON.parse(cli("status", "--data", data).stdout);
      pid = st.process.pid;
      expect(st).toMatchObject({ current: fx.base, lastGood: fx.base, process: { alive: true } });
      expect((await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply()).content).toBe("Pong!");
    } finally {
      if (pid) process.kill(pid, "SIGTERM");
      await discord.close();
      fx.cleanup();
    }
  });
});
