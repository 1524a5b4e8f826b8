// A live release that keeps dying after its watch window, on real processes: the first death
// restarts it; dying again within the crash-loop window rolls back to the last good release
// and reports a failure on the release's own deployment; with nothing to roll back to it is
// reported once and restarted after a growing pause; deaths further apart all restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../../deploy-hook/deployer.ts";
import { botEnv, HELLO_REPLY, makeDeployFixture, ROOT, type DeployFixture } from "./fixture.ts";
import { killLive, recorder } from "./live-release.ts";

let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let hook: Deployer;

/** The hook's own hooks (a release whose deployment it does not know reports here). */
const fallback = recorder();
/** The deployment of fx.hello. */
const helloDeployment = recorder();
const logs: string[] = [];

function options(crashLoopMs: number): DeployerOptions {
  return {
    repo: fx.dir,
    dataDir: join(tmp, "hook"),
    env: botEnv(discord, join(tmp, "bot-data")),
    depSeeds: [ROOT],
    settleMs: 300,
    healthTimeoutMs: 60_000, // bounds a failure only: a bot that starts answers as soon as it is up
    watchMs: 1000,
    handoverMarginMs: 150,
    confirmMs: 1500,
    handover: "stop",
    crashLoopMs,
    hooks: fallback.hooks,
    log: (m) => {
      logs.push(m);
      if (process.env.DEBUG_DEPLOY) console.error(`[hook] ${m}`);
    },
  };
}

const ask = async (name: string) => (await discord.driver.runCommand({ user: "alice", channel: "general", name }).reply()).content;

beforeAll(async () => {
  discord = await startDiscord();
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-crash-loop-"));
  // A window far longer than any restart takes, even on a loaded machine: a second death right after a restart is inside it.
  hook = new Deployer(options(120_000));
  for (const [sha, hooks] of [
    [fx.base, fallback.hooks],
    [fx.hello, helloDeployment.hooks],
  ] as const) {
    const r = await hook.deploy(sha, hooks);
    if (r.state !== "success") throw new Error(r.description);
    if ((await r.watch) !== "good") throw new Error(`${sha} did not pass its watch window`);
  }
}, 240_000);

afterAll(async () => {
  await hook?.close();
  await discord?.close();
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Each test restarts real bot processes: seconds each, minutes on a loaded machine.
describe("Deployer: a live release that keeps dying", { timeout: 240_000 }, () => {
  it("restarts it after one death; a second death within the window rolls back to the last good release", async () => {
    expect(hook.status()).toMatchObject({ current: fx.hello, lastGood: fx.hello, watching: null });
    const restarted = await killLive(hook);
    expect(restarted.sha).toBe(fx.hello);
    expect(await ask("hello")).toBe(HELLO_REPLY);
    expect(helloDeployment.statuses.map((s) => s.state)).not.toContain("failure");

    const loopsAt = helloDeployment.statuses.length;
    const back = await killLive(hook);
    expect(back.sha).toBe(fx.base);
    // The failure status is the rollback's last step.
    await expect.poll(() => helloDeployment.statuses.slice(loopsAt).map((s) => s.state), { timeout: 60_000 }).toContain("failure");
    expect(helloDeployment.statuses.at(-1)).toMatchObject({
      state: "failure",
      sha: fx.hello,
      description: expect.stringMatching(/^crash loop: died again .* after its last death or restart .*; rolled back to [0-9a-f]{7}$/),
    });
    expect(helloDeployment.failed).toEqual([{ sha: fx.hello, reason: expect.stringMatching(/^crash loop/) }]);
    // Reported on hello's deployment, not the hook's fallback.
    expect(fallback.statuses.filter((s) => s.sha === fx.hello)).toEqual([]);
    expect(hook.status()).toMatchObject({ current: fx.base, lastGood: fx.base, process: { pid: back.pid, alive: true } });
    expect(hook.live).toBe(back);
    expect(back.running).toBe(true);
    expect(await ask("ping")).toBe("Pong!");
  });

  it("supervises the release it rolled back to, with a crash count of its own: its first death restarts it", async () => {
    const failures = helloDeployment.failed.length + fallback.failed.length;
    const restarted = await killLive(hook);
    expect(restarted.sha).toBe(fx.base);
    expect(await ask("ping")).toBe("Pong!");
    expect(helloDeployment.failed.length + fallback.failed.length).toBe(failures);
    expect(hook.status()).toMatchObject({ current: fx.base, process: { pid: restarted.pid, alive: true } });
  });

  it("with nothing to roll back to, reports the crash loop once and keeps restarting after a growing pause", async () => {
    // A restarted hook (it adopts the live process); the failed release is gone, so base has no earlier release.
    hook.detach();
    hook = new Deployer(options(120_000));
    await hook.resume();
    expect(hook.status().releases.map((r) => r.sha)).toEqual([fx.base]);
    logs.length = 0;
    expect((await killLive(hook)).sha).toBe(fx.base);
    expect(fallback.statuses.filter((s) => s.state === "failure")).toEqual([]);

    const again = await killLive(hook);
    expect(again.sha).toBe(fx.base);
    expect(await ask("ping")).toBe("Pong!");
    const failures = () => fallback.statuses.filter((s) => s.state === "failure");
    expect(failures()).toEqual([
      {
        state: "failure",
        sha: fx.base,
        description: expect.stringMatching(
          /^crash loop: .*; no earlier release to roll back to; nothing is serving \(restarting it with backoff\)$/,
        ),
      },
    ]);
    expect(fallback.failed).toEqual([{ sha: fx.base, reason: expect.stringMatching(/^crash loop/) }]);

    expect((await killLive(hook)).sha).toBe(fx.base);
    expect(await ask("ping")).toBe("Pong!");
    expect(failures()).toHaveLength(1); // reported once per crash loop, not per restart
    const pauses = logs.filter((m) => m.startsWith("CRASH LOOP")).map((m) => /restarting it in (\S+ s)$/.exec(m)?.[1]);
    expect(pauses).toEqual(["1.0 s", "2.0 s"]);
  });

  it("deaths further apart than the window each restart the release, without a rollback or a report", async () => {
    const windowMs = 300;
    hook.detach();
    hook = new Deployer(options(windowMs));
    await hook.resume();
    const reported = fallback.statuses.length;
    logs.length = 0;
    const first = await killLive(hook);
    expect(first.sha).toBe(fx.base);
    // The window runs from the restart, which happened before killLive() saw it: one window later is outside it.
    await new Promise((r) => setTimeout(r, windowMs + 100));
    const second = await killLive(hook);
    expect(second.sha).toBe(fx.base);
    expect(await ask("ping")).toBe("Pong!");
    expect(fallback.statuses.length).toBe(reported);
    expect(logs.filter((m) => m.startsWith("CRASH LOOP") || m.startsWith("rolling back"))).toEqual([]);
    expect(logs.filter((m) => /exited \(.*\); restarting it$/.test(m))).toHaveLength(2);
  });
});
