// The deploy hook running the sharded form: bot/shard.ts with this host's shards (0 and 1 of 3
// here), health-gated shard by shard — live only when every shard is healthy; a shard that
// never is fails the deploy, and a failed deploy, a switch and a rollback leave no process of
// the release behind (checked by pid). A restarted hook adopts the shard manager by pid.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../../deploy-hook/deployer.ts";
import { botEnv, makeDeployFixture, ROOT, SHARD_STUCK_CUE, type DeployFixture } from "./fixture.ts";
import { recorder } from "./live-release.ts";

let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let opts: DeployerOptions;
let hook: Deployer;
const HEALTH_TIMEOUT_MS = 45_000;

beforeAll(async () => {
  discord = await startDiscord();
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-shards-"));
  opts = {
    repo: fx.dir,
    dataDir: join(tmp, "hook"),
    // The sharded form through the bot's environment, as `--shards 3 --shard-ids 0,1` sets it.
    env: { ...botEnv(discord, join(tmp, "bot")), OURO_SHARDS: "3", OURO_SHARD_IDS: "0,1" },
    depSeeds: [ROOT],
    handover: "stop",
    settleMs: 300,
    watchMs: 1000,
    healthTimeoutMs: HEALTH_TIMEOUT_MS, // the stuck shard's deploy waits this long
    registerCommands: false,
  };
  hook = new Deployer(opts);
}, 60_000);

afterAll(async () => {
  await hook?.close();
  await discord?.close();
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** "pid (comm) state …": the state letter; undefined when the process is gone. */
function stateOf(pid: number | string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}
/** Alive and not a zombie (an orphan's parent may be slow to reap it). */
const running = (pid: number) => ![undefined, "Z", "X"].includes(stateOf(pid));

/** Live processes whose working directory is the release's (its shard manager, shards and plugin hosts). */
function processesOf(sha: string): number[] {
  const dir = join(realpathSync(tmp), "hook", "releases", sha);
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${name}/cwd`).replace(/ \(deleted\)$/, "");
    } catch {
      continue; // exited meanwhile, or not ours
    }
    if ((cwd === dir || cwd.startsWith(`${dir}/`)) && running(Number(name))) pids.push(Number(name));
  }
  return pids;
}

const connected = (shard: number) => discord.driver.sessions().filter((s) => s.connected && s.shard[0] === shard && s.shard[1] === 3);
const healthz = async (url: string) => (await fetch(`${url}/healthz`).catch(() => undefined))?.status;

describe("the deploy hook with the sharded form", { timeout: 300_000 }, () => {
  it("deploys bot/shard.ts with this host's shards: live once every shard is healthy, one session each", async () => {
    const r = await hook.deploy(fx.base);
    expect(r.state, r.description).toBe("success");
    const live = hook.status().process!;
    expect(live.shards).toEqual({ total: 3, ids: [0, 1] });
    expect(live.healthUrls).toHaveLength(2);
    expect(await Promise.all(live.healthUrls.map(healthz))).toEqual([200, 200]);
    expect([connected(0).length, connected(1).length, connected(2).length]).toEqual([1, 1, 0]);
    // The manager and both shards run from the release (plugin hosts too).
    expect(processesOf(fx.base).length).toBeGreaterThanOrEqual(3);
    expect(await r.watch).toBe("good");
  });

  it("a shard that never becomes healthy fails the deploy and leaves no process of it behind", async () => {
    const cue = join(tmp, "bot", SHARD_STUCK_CUE);
    writeFileSync(cue, "");
    const { hooks, statuses } = recorder();
    const deploying = hook.deploy(fx.shardStuckOnCue, hooks);
    try {
      // Shard 0 of the candidate connects beside the live one; shard 1 is held.
      await expect.poll(() => connected(0).length, { timeout: 120_000, interval: 100 }).toBe(2);
      const pids = processesOf(fx.shardStuckOnCue);
      expect(pids.length).toBeGreaterThanOrEqual(3); // the manager, shard 0 (and its plugin host), shard 1 (held)
      const r = await deploying;
      expect(r.state).toBe("failure");
      expect(r.description).toMatch(/health gate: not healthy within 45000 ms \(shard 1 of 2 not healthy; shard 1: \/healthz: /);
      expect(statuses.at(-1)).toMatchObject({ state: "failure", sha: fx.shardStuckOnCue });
      expect(pids.filter(running)).toEqual([]);
      expect(processesOf(fx.shardStuckOnCue)).toEqual([]);
    } finally {
      rmSync(cue, { force: true });
    }
    // The live release kept serving: both its shards.
    expect(hook.live!.sha).toBe(fx.base);
    expect(await Promise.all(hook.status().process!.healthUrls.map(healthz))).toEqual([200, 200]);
  });

  it("waits for a late shard; the switch stops the old release, a rollback the new one, whole", async () => {
    const cue = join(tmp, "bot", SHARD_STUCK_CUE);
    writeFileSync(cue, "");
    const before = processesOf(fx.base);
    let settled = false;
    const deploying = hook.deploy(fx.shardStuckOnCue).finally(() => (settled = true));
    await expect.poll(() => connected(0).length, { timeout: 120_000, interval: 100 }).toBe(2);
    // Shard 0 of the candidate is up: not enough while shard 1 is not.
    const candidate = processesOf(fx.shardStuckOnCue);
    expect(candidate.length).toBeGreaterThanOrEqual(3);
    expect(settled).toBe(false);
    rmSync(cue);
    const r = await deploying;
    expect(r.state, r.description).toBe("success");
    expect(hook.live!.sha).toBe(fx.shardStuckOnCue);
    // handover "stop": the old release is gone at the switch — its manager and every shard.
    expect(before.filter(running)).toEqual([]);
    expect(processesOf(fx.base)).toEqual([]);
    expect(await r.watch).toBe("good");

    const serving = processesOf(fx.shardStuckOnCue);
    const back = await hook.rollback();
    expect(back.state, back.description).toBe("success");
    expect(hook.live!.sha).toBe(fx.base);
    expect(serving.filter(running)).toEqual([]);
    expect(processesOf(fx.shardStuckOnCue)).toEqual([]);
    expect([connected(0).length, connected(1).length]).toEqual([1, 1]);
  });

  it("a restarted hook adopts the shard manager by pid; closing it stops every shard", async () => {
    const live = hook.live!;
    const pids = processesOf(live.sha);
    hook.detach();
    hook = new Deployer(opts);
    await hook.resume();
    expect(hook.live!.pid).toBe(live.pid);
    expect(hook.live!.healthPorts).toEqual(live.healthPorts);
    expect(hook.live!.shards).toEqual({ total: 3, ids: [0, 1] });
    expect(processesOf(live.sha).sort()).toEqual(pids.sort()); // nothing restarted
    await hook.close();
    expect(pids.filter(running)).toEqual([]);
    expect(processesOf(live.sha)).toEqual([]);
  });
});
