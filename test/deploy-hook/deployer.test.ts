// The deploy hook on real processes: real git releases of this repository, the real bot
// started from each release, real local/discord answering slash commands.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../../deploy-hook/deployer.ts";
import type { DeployHooks, DeployState } from "../../deploy-hook/types.ts";
import { interactionCounts } from "../../deploy-hook/health.ts";
import { botEnv, CRASH_CUE, HELLO_REPLY, makeDeployFixture, ROOT, type DeployFixture } from "./fixture.ts";

let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let dataDir: string;
let hook: Deployer;
const statuses: { state: DeployState; description: string; sha: string }[] = [];
const failed: { sha: string; reason: string }[] = [];
const hooks: DeployHooks = {
  onStatus: (state, description, { sha }) => void statuses.push({ state, description, sha }),
  onFailed: (sha, reason) => void failed.push({ sha, reason }),
};

function options(): DeployerOptions {
  return {
    repo: fx.dir,
    dataDir,
    env: botEnv(discord, join(tmp, "bot-data")),
    depSeeds: [ROOT],
    settleMs: 300,
    healthTimeoutMs: 60_000, // bounds a failure only: a bot that starts answers as soon as it is up
    watchMs: 2500,
    handoverMarginMs: 150,
    // A release that dies as it takes over must be seen dying inside this window, however
    // loaded the machine (the default 500 ms leaves little room for a slow process exit).
    confirmMs: 1500,
    keep: 2,
    handover: "stop", // the old process goes at the switch (gate.test.ts covers the standby)
    hooks,
    ...(process.env.DEBUG_DEPLOY ? { log: (m: string, d?: unknown) => console.error(`[hook] ${m}`, d ?? "") } : {}),
  };
}

const ask = async (name: string) => (await discord.driver.runCommand({ user: "alice", channel: "general", name }).reply()).content;
const answered = async (d: Deployer, command: string) => {
  const r = await fetch(`${d.live!.healthUrl}/metrics`);
  const text = await r.text();
  return interactionCounts(
    text
      .split("\n")
      .filter((l) => l.includes(`command="${command}"`))
      .join("\n"),
  ).total;
};
const lastStatus = () => statuses.at(-1)!;

beforeAll(async () => {
  discord = await startDiscord();
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-"));
  dataDir = join(tmp, "hook");
  hook = new Deployer(options());
}, 180_000);

afterAll(async () => {
  await hook?.close();
  await discord?.close();
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Each test starts real bot processes: minutes on a loaded machine, not a tight race.
describe("Deployer", { timeout: 180_000 }, () => {
  it("refuses an unknown commit with a clear error status and changes nothing", async () => {
    const r = await hook.deploy("0123456789abcdef0123456789abcdef01234567");
    expect(r.state).toBe("error");
    expect(r.description).toMatch(/unknown commit/);
    expect(statuses.map((s) => s.state)).toEqual(["in_progress", "error"]);
    expect(failed).toEqual([]);
    expect(hook.status()).toMatchObject({ current: null, releases: [] });
    expect(existsSync(join(dataDir, "current"))).toBe(false);
    expect((await hook.deploy("not a sha; rm -rf /")).state).toBe("error");
  });

  it("deploys a first release that answers slash commands, and marks it good after the watch window", async () => {
    statuses.length = 0;
    const r = await hook.deploy(fx.base);
    expect(r).toMatchObject({ state: "success", sha: fx.base });
    expect(statuses.map((s) => s.state)).toEqual(["in_progress", "in_progress", "success"]);
    expect(readlinkSync(join(dataDir, "current"))).toBe(join("releases", fx.base));
    expect(await ask("ping")).toBe("Pong!");
    expect(await r.watch).toBe("good");
    expect(hook.status()).toMatchObject({ current: fx.base, lastGood: fx.base });
  });

  it("switches to a new release beside the old one; the new one answers its new command", async () => {
    const old = hook.live!;
    const r = await hook.deploy(fx.hello);
    expect(r.state).toBe("success");
    expect(old.running).toBe(false);
    expect(hook.live!.sha).toBe(fx.hello);
    expect(await ask("hello")).toBe(HELLO_REPLY);
    await expect.poll(() => answered(hook, "hello"), { timeout: 15_000 }).toBe(1); // counted just after the reply
    expect(await r.watch).toBe("good");
    expect(hook.status().lastGood).toBe(fx.hello);
  });

  it("refuses a second deployment while one runs; a release that crashes at start fails the gate and the old one keeps answering", async () => {
    statuses.length = 0;
    const live = hook.live!;
    const first = hook.deploy(fx.crashAtStart);
    const second = await hook.deploy(fx.base);
    expect(second.state).toBe("error");
    expect(second.description).toMatch(/another deployment is running/);
    const r = await first;
    expect(r.state).toBe("failure");
    expect(r.description).toMatch(/exited .* before it was healthy; [0-9a-f]{7} keeps serving/);
    expect(failed.map((f) => f.sha)).toEqual([fx.crashAtStart]);
    expect(statuses.filter((s) => s.sha === fx.crashAtStart).at(-1)!.state).toBe("failure");
    expect(hook.live).toBe(live);
    expect(live.running).toBe(true);
    expect(hook.status().current).toBe(fx.hello);
    expect(readlinkSync(join(dataDir, "current"))).toBe(join("releases", fx.hello));
    expect(await ask("hello")).toBe(HELLO_REPLY);
  });

  it("fails a release whose dependencies do not install, before starting anything", async () => {
    failed.length = 0;
    const live = hook.live!;
    const r = await hook.deploy(fx.brokenInstall);
    expect(r.state).toBe("failure");
    expect(r.description).toMatch(/npm ci failed/);
    expect(failed.map((f) => f.sha)).toEqual([fx.brokenInstall]);
    expect(hook.live).toBe(live);
    expect(existsSync(join(dataDir, "releases", fx.brokenInstall))).toBe(false);
  });

  it("rolls back by hand to the previous release at once; its commands come back", async () => {
    failed.length = 0;
    const r = await hook.rollback();
    expect(r).toMatchObject({ state: "success", sha: fx.base });
    expect(hook.live!.sha).toBe(fx.base);
    expect(readlinkSync(join(dataDir, "current"))).toBe(join("releases", fx.base));
    expect(failed.map((f) => f.sha)).toEqual([fx.hello]);
    expect(() => discord.driver.runCommand({ user: "alice", channel: "general", name: "hello" })).toThrow(/no slash command \/hello/);
    expect(await ask("ping")).toBe("Pong!");
  });

  it("a release that dies as it takes over hands the events straight back to the old process", async () => {
    failed.length = 0;
    statuses.length = 0;
    const old = hook.live!;
    const r = await hook.deploy(fx.crashWhenLive);
    expect(r.state).toBe("failure");
    expect(r.description).toMatch(/exited \(7\) as it took over; [0-9a-f]{7} took the events back/);
    expect(hook.live).toBe(old);
    expect(old.running).toBe(true);
    expect(failed.map((f) => f.sha)).toEqual([fx.crashWhenLive]);
    expect(hook.status()).toMatchObject({ current: fx.base, process: { pid: old.pid } });
    expect(readlinkSync(join(dataDir, "current"))).toBe(join("releases", fx.base));
    expect(await ask("ping")).toBe("Pong!");
  });

  it("rolls back automatically when the new release crashes in the watch window", async () => {
    failed.length = 0;
    statuses.length = 0;
    const r = await hook.deploy(fx.crashOnCue);
    expect(r.state).toBe("success");
    // Live and watched now: the release crashes when cued, not after a fixed delay.
    const cue = join(tmp, "bot-data", CRASH_CUE);
    writeFileSync(cue, "");
    try {
      expect(await r.watch).toBe("rolled-back");
    } finally {
      rmSync(cue, { force: true });
    }
    expect(hook.live!.sha).toBe(fx.base);
    expect(hook.live!.running).toBe(true);
    expect(failed).toEqual([{ sha: fx.crashOnCue, reason: expect.stringMatching(/crashed in the watch window/) }]);
    expect(lastStatus()).toMatchObject({ state: "failure", sha: fx.crashOnCue, description: expect.stringMatching(/rolled back to/) });
    expect(await ask("ping")).toBe("Pong!");
    // A failed release is not kept for rollback.
    expect(hook.status().releases.map((x) => x.sha)).not.toContain(fx.crashOnCue);
    expect(existsSync(join(dataDir, "releases", fx.crashOnCue))).toBe(false);
  });

  it("keeps at most K releases besides the live and last good ones", async () => {
    const dirs = readdirSync(join(dataDir, "releases"));
    expect(dirs.length).toBeLessThanOrEqual(3);
    expect(dirs).toContain(fx.base);
  });

  it("a restarted hook knows what is live, adopts its process, and can still roll back", async () => {
    const pid = hook.live!.pid;
    hook.detach();
    hook = new Deployer(options());
    const st = await hook.resume();
    expect(st).toMatchObject({ current: fx.base, process: { pid, alive: true } });
    expect(await ask("ping")).toBe("Pong!");
    const r = await hook.deploy(fx.hello);
    expect(r.state).toBe("success");
    expect(await ask("hello")).toBe(HELLO_REPLY);
    await r.watch;
    const back = await hook.rollback();
    expect(back.sha).toBe(fx.base);
    expect(await ask("ping")).toBe("Pong!");
  });

  it("a live bot that dies later is restarted from its directory", async () => {
    const dead = hook.live!;
    process.kill(dead.pid, "SIGKILL");
    await expect.poll(() => hook.live !== dead && hook.live!.running, { timeout: 20_000, interval: 100 }).toBe(true);
    expect(hook.live!.sha).toBe(dead.sha);
    expect(hook.status().process).toMatchObject({ pid: hook.live!.pid, alive: true });
    expect(await ask("ping")).toBe("Pong!");
  });
});
