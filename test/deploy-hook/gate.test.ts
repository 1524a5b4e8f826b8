// The handover on real processes (the bot reads handover.json through bot/core/handover-gate.ts):
// a deploy under a steady load answers every interaction exactly once; with the old process
// kept as a silent standby through the watch window, a crash goes back to it at once; an
// error rate above the policy's deploy.maxErrorRate rolls back too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer } from "../../deploy-hook/deployer.ts";
import type { DeployState } from "../../deploy-hook/types.ts";
import { botEnv, CRASH_CUE, makeDeployFixture, ROOT, type DeployFixture } from "./fixture.ts";

let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let hook: Deployer;
const statuses: { state: DeployState; description: string; sha: string }[] = [];
const failed: { sha: string; reason: string }[] = [];

beforeAll(async () => {
  discord = await startDiscord();
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-gate-"));
  hook = new Deployer({
    repo: fx.dir,
    dataDir: join(tmp, "hook"),
    env: { ...botEnv(discord, join(tmp, "bot")), LOG_LEVEL: "warn" },
    depSeeds: [ROOT],
    handover: "gate",
    settleMs: 300,
    // Long enough for the error-rate samples of a loaded machine; a crash is cued inside it.
    watchMs: 5000,
    healthTimeoutMs: 60_000, // bounds a failure only: a bot that starts answers as soon as it is up
    handoverMarginMs: 150,
    hooks: {
      onStatus: (state, description, { sha }) => void statuses.push({ state, description, sha }),
      onFailed: (sha, reason) => void failed.push({ sha, reason }),
    },
  });
  const first = await hook.deploy(fx.base);
  if (first.state !== "success") throw new Error(first.description);
  await first.watch;
}, 180_000);

afterAll(async () => {
  await hook?.close();
  await discord?.close();
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ask = async (name: string) => (await discord.driver.runCommand({ user: "alice", channel: "general", name }).reply()).content;

/** Interactions whose handler ran in both processes (the loser's reply was refused: 40060). */
function handledTwice(): number {
  const ids = new Set<string>();
  const logs = join(tmp, "hook", "logs");
  for (const f of readdirSync(logs))
    for (const line of readFileSync(join(logs, f), "utf8").split("\n"))
      if (line.includes("already been acknowledged")) ids.add(/\/interactions\/(\d+)\//.exec(line)?.[1] ?? line);
  return ids.size;
}

// Each test starts real bot processes: minutes on a loaded machine, not a tight race.
describe("deploys with the handover file and a standby", { timeout: 180_000 }, () => {
  it("a deploy under a steady load answers every interaction exactly once", async () => {
    let running = true;
    const replies: Promise<unknown>[] = [];
    const load = (async () => {
      while (running) {
        replies.push(discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply());
        await sleep(40);
      }
    })();
    const r = await hook.deploy(fx.hello);
    await sleep(300);
    running = false;
    await load;
    const results = await Promise.allSettled(replies);
    expect(r.state).toBe("success");
    expect(results.filter((x) => x.status === "rejected")).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
    expect(handledTwice()).toBe(0);
    expect(await r.watch).toBe("good");
  });

  it("a crash in the watch window hands the events back to the standby process at once", async () => {
    const standby = hook.live!;
    const seen: string[] = [];
    const r = await hook.deploy(fx.crashOnCue, {
      onDetected: () => void seen.push("crash detected"),
      onLive: (_sha, how) => void seen.push(how),
    });
    expect(r.state).toBe("success");
    // Live and watched now: the release crashes when cued, not after a fixed delay.
    const cue = join(tmp, "bot", CRASH_CUE);
    writeFileSync(cue, "");
    try {
      expect(await r.watch).toBe("rolled-back");
    } finally {
      rmSync(cue, { force: true });
    }
    // At once: the standby takes the events back as the crash is seen — the same process, never
    // disconnected, so no start and no health gate in between.
    expect(seen).toEqual(["deploy", "crash detected", "auto-rollback"]);
    expect(hook.live).toBe(standby);
    expect(await ask("hello")).toBe("Hello from the new release!");
  });

  it("an error rate above the policy's deploy.maxErrorRate in the watch window rolls back", async () => {
    failed.length = 0;
    const r = await hook.deploy(fx.pingFails);
    expect(r.state).toBe("success");
    // 5 = minSamples, all at once: they land in the watch window however slow each one is.
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => ask("ping")));
    for (const reply of replies) expect(reply).toMatch(/failed/); // the bot's error reply
    expect(await r.watch).toBe("rolled-back");
    expect(failed).toEqual([
      { sha: fx.pingFails, reason: expect.stringMatching(/error rate above the policy.*5\/5 interactions failed \(100\.0% > 5\.0%\)/) },
    ]);
    expect(statuses.at(-1)).toMatchObject({ state: "failure", sha: fx.pingFails });
    expect(await ask("ping")).toBe("Pong!");
  });
});
