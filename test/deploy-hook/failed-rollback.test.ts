// A rollback whose target does not come up either, on real processes: the failure status
// says so; the next older good release goes live, or — with none that comes up — the status
// says nothing is serving and the hook retries with backoff until something serves. A deploy
// that fails while the live bot died meanwhile says nothing is serving, too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import type { BotProcess } from "../../deploy-hook/bot-process.ts";
import { Deployer } from "../../deploy-hook/deployer.ts";
import { botEnv, CRASH_CUE, makeDeployFixture, NO_START_CUE, ROOT, type DeployFixture } from "./fixture.ts";
import { killLive, recorder } from "./live-release.ts";

let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let botData: string;
let hook: Deployer;

/** The deployment of fx.base (its crash loop is reported there). */
const baseDeployment = recorder();
const logs: string[] = [];
const short = (sha: string) => sha.slice(0, 7);
/** What a release started while NO_START_CUE exists tells the health gate. */
const EXITS_AT_START = "the process exited (3) before it was healthy";

const ask = async (name: string) => (await discord.driver.runCommand({ user: "alice", channel: "general", name }).reply()).content;

const cue = (name: string) => writeFileSync(join(botData, name), "");
const uncue = (name: string) => rmSync(join(botData, name), { force: true });
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

beforeAll(async () => {
  discord = await startDiscord();
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-failed-rollback-"));
  botData = join(tmp, "bot-data");
  hook = new Deployer({
    repo: fx.dir,
    dataDir: join(tmp, "hook"),
    env: botEnv(discord, botData),
    depSeeds: [ROOT],
    settleMs: 300,
    healthTimeoutMs: 60_000, // bounds a failure only: a bot that starts answers as soon as it is up
    watchMs: 1000,
    handoverMarginMs: 150,
    confirmMs: 1500,
    handover: "stop", // a rollback starts its target from its directory (where the cue stops it)
    // A window far longer than any restart takes, even on a loaded machine: a death right after a restart is inside it.
    crashLoopMs: 120_000,
    hooks: recorder().hooks,
    log: (m) => {
      logs.push(m);
      if (process.env.DEBUG_DEPLOY) console.error(`[hook] ${m}`);
    },
  });
  // base, then noStartOnCue: the last good release, older releases behind it.
  for (const [sha, hooks] of [
    [fx.base, baseDeployment.hooks],
    [fx.noStartOnCue, recorder().hooks],
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

// Each test starts real bot processes: seconds each, minutes on a loaded machine.
describe("Deployer: a rollback whose target does not come up", { timeout: 240_000 }, () => {
  it("in the watch window: the status says so, and the next older good release goes live", async () => {
    expect(hook.status()).toMatchObject({ current: fx.noStartOnCue, lastGood: fx.noStartOnCue });
    const crashing = recorder();
    const r = await hook.deploy(fx.crashOnCue, crashing.hooks);
    expect(r.state).toBe("success");
    logs.length = 0;
    // The last good release will not start again; then the live one crashes (inside its watch window, cued).
    cue(NO_START_CUE);
    cue(CRASH_CUE);
    try {
      expect(await r.watch).toBe("rolled-back");
    } finally {
      uncue(CRASH_CUE);
      uncue(NO_START_CUE);
    }
    expect(crashing.statuses.at(-1)).toEqual({
      state: "failure",
      sha: fx.crashOnCue,
      description: `crashed in the watch window (exit 7); rollback to ${short(fx.noStartOnCue)} failed too: ${EXITS_AT_START}; rolled back to ${short(fx.base)}`,
    });
    expect(crashing.failed).toEqual([{ sha: fx.crashOnCue, reason: "crashed in the watch window (exit 7)" }]);
    expect(logs.filter((m) => m.startsWith("ROLLBACK FAILED"))).toHaveLength(1);
    expect(hook.live!.sha).toBe(fx.base);
    expect(hook.live!.running).toBe(true);
    expect(hook.status()).toMatchObject({ current: fx.base, lastGood: fx.base, process: { pid: hook.live!.pid, alive: true } });
    // The target that did not come up is not judged bad: it stays, to be tried again.
    expect(hook.status().releases.find((x) => x.sha === fx.noStartOnCue)?.status).toBe("good");
    expect(await ask("ping")).toBe("Pong!");
  });

  it("a deploy that fails after the live bot died says nothing is serving, then the live release is restarted", async () => {
    const dead = hook.live!;
    const statuses: string[] = [];
    const r = await hook.deploy(fx.crashAtStart, {
      // The live bot dies while the candidate starts beside it.
      onStatus: async (state, description) => {
        statuses.push(`${state}: ${description}`);
        if (description.startsWith("starting ")) {
          process.kill(dead.pid, "SIGKILL");
          await dead.exited;
        }
      },
    });
    expect(r.state).toBe("failure");
    expect(r.description).toBe(
      `health gate: the process exited (1) before it was healthy; nothing is serving (${short(fx.base)} is down: restarting it)`,
    );
    expect(statuses.at(-1)).toBe(`failure: ${r.description}`);
    await expect.poll(() => hook.live !== dead && hook.live!.running, { timeout: 120_000, interval: 100 }).toBe(true);
    expect(hook.live!.sha).toBe(fx.base);
    expect(hook.status()).toMatchObject({ current: fx.base, process: { pid: hook.live!.pid, alive: true } });
    expect(await ask("ping")).toBe("Pong!");
  });

  it("in a crash loop with no release that comes up: nothing is serving, restarted with backoff; a later round rolls back", async () => {
    // base was restarted by the test before: dying now is inside the crash-loop window.
    logs.length = 0;
    cue(NO_START_CUE);
    let again: BotProcess;
    try {
      again = await killLive(hook);
    } finally {
      uncue(NO_START_CUE);
    }
    // The only other release did not come up (twice: at once, and after the first pause): base itself was restarted.
    expect(again.sha).toBe(fx.base);
    expect(baseDeployment.statuses.filter((s) => s.state === "failure")).toEqual([
      {
        state: "failure",
        sha: fx.base,
        description: expect.stringMatching(
          new RegExp(
            `^crash loop: died again .* after its last death or restart \\(exit SIGKILL; window 120 s\\); rollback to ${short(fx.noStartOnCue)} failed too: ${escape(EXITS_AT_START)}; nothing is serving \\(retrying with backoff\\)$`,
          ),
        ),
      },
    ]);
    expect(baseDeployment.failed).toEqual([{ sha: fx.base, reason: expect.stringMatching(/^crash loop: died again/) }]);
    expect(logs.filter((m) => m.startsWith("ROLLBACK FAILED"))).toHaveLength(2);
    expect(logs.filter((m) => m.startsWith("NOTHING IS SERVING"))).toHaveLength(1);
    expect(
      logs.filter((m) => m.startsWith("CRASH LOOP")).map((m) => /retrying the rollback, else restarting it in (\S+ s)$/.exec(m)?.[1]),
    ).toEqual(["1.0 s"]);
    expect(await ask("ping")).toBe("Pong!");

    // The other release comes up now: the next round (after a longer pause) rolls back to it, and says so.
    const reported = baseDeployment.statuses.length;
    const back = await killLive(hook);
    expect(back.sha).toBe(fx.noStartOnCue);
    // The status is the rollback's last step, after the switch.
    await expect.poll(() => baseDeployment.statuses.length, { timeout: 60_000 }).toBe(reported + 1);
    expect(baseDeployment.statuses.at(-1)).toEqual({
      state: "failure",
      sha: fx.base,
      description: expect.stringMatching(
        new RegExp(`^crash loop: died again .*; rolled back to ${short(fx.noStartOnCue)} \\(on a retry\\)$`),
      ),
    });
    expect(baseDeployment.failed).toHaveLength(1); // the revert is asked for once
    expect(logs.filter((m) => m.startsWith("CRASH LOOP")).map((m) => /restarting it in (\S+ s)$/.exec(m)?.[1])).toEqual(["1.0 s", "2.0 s"]);
    expect(hook.status()).toMatchObject({ current: fx.noStartOnCue, lastGood: fx.noStartOnCue, process: { pid: back.pid, alive: true } });
    expect(await ask("ping")).toBe("Pong!");
  });
});
