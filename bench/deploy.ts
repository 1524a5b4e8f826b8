// `npm run bench -- deploy`: the deploy hook on real bot processes, real git releases and
// local/discord (and, for the revert PR, the real app on local/github).
//  1. a normal deploy under a steady /ping load from the driver: interactions dropped
//     (target 0) and handled twice (both processes ran the handler; Discord keeps only the
//     first reply; the bot's handover gate should make it 0) — with the old process stopped
//     right after the switch ("stop") and kept as a silent standby through the watch window
//     ("gate", the default);
//  2. a release that crashes once live: time from the failed check (the watch window sees
//     the crash) to the previous release serving again (target ≤ 5 s), and to the first
//     /ping answered by it; for both;
//  3. a merged change that crashes the bot at start, deployed through the real app's GitHub
//     Deployment: the health gate fails, the old release answers (it never stopped), and the
//     failure status → the app's revert PR on local/github (target ≤ 2 s after).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, report } from "./report.ts";
import { startDiscord, type DiscordStandIn } from "../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../deploy-hook/deployer.ts";
import { GitHubDeployments } from "../deploy-hook/github-deployments.ts";
import { botEnv, makeDeployFixture, ROOT } from "../test/deploy-hook/fixture.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const discord: DiscordStandIn = await startDiscord();
const fx = makeDeployFixture();
const tmp = mkdtempSync(join(tmpdir(), "ouro-bench-deploy-"));
const hooks: Deployer[] = [];

function hook(name: string, extra: Partial<DeployerOptions> = {}): Deployer {
  const dataDir = join(tmp, name);
  const d = new Deployer({
    repo: fx.dir,
    dataDir,
    env: { ...botEnv(discord, join(tmp, `${name}-bot`)), LOG_LEVEL: "warn" },
    depSeeds: [ROOT],
    settleMs: 1000,
    healthTimeoutMs: 15_000,
    watchMs: 3000,
    handoverMarginMs: 300,
    ...extra,
  });
  hooks.push(d);
  return d;
}

/** /ping every `everyMs` until stopped; counts answers and misses. */
function load(everyMs: number) {
  let sent = 0;
  let answered = 0;
  let running = true;
  const pending: Promise<void>[] = [];
  const loop = (async () => {
    while (running) {
      sent++;
      pending.push(
        discord.driver
          .runCommand({ user: "alice", channel: "general", name: "ping", timeoutMs: 6000 })
          .reply()
          .then(
            () => void answered++,
            () => undefined,
          ),
      );
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await Promise.all(pending);
      return { sent, answered, dropped: sent - answered };
    },
  };
}

/** Handler runs that lost the race to answer (Discord refused their reply: already acknowledged). */
function doubleHandled(dataDir: string): number {
  const ids = new Set<string>();
  for (const f of readdirSync(join(dataDir, "logs"))) {
    for (const line of readFileSync(join(dataDir, "logs", f), "utf8").split("\n")) {
      if (!line.includes("already been acknowledged")) continue;
      const id = /\/interactions\/(\d+)\//.exec(line)?.[1];
      if (id) ids.add(id);
    }
  }
  return ids.size;
}

async function normalDeploy(name: string, from: string, to: string, handover: "stop" | "gate") {
  const d = hook(name, { handover });
  const first = await d.deploy(from);
  if (first.state !== "success") throw new Error(`${name}: first deploy failed: ${first.description}`);
  await first.watch;
  const l = load(25);
  await sleep(500);
  const t0 = performance.now();
  const r = await d.deploy(to);
  const deployMs = performance.now() - t0;
  await sleep(800);
  const counts = await l.stop();
  if (r.state !== "success") throw new Error(`${name}: deploy failed: ${r.description}`);
  await r.watch;
  const doubles = doubleHandled(join(tmp, name));
  console.log(
    `${name}: deploy ${from.slice(0, 7)} → ${to.slice(0, 7)} took ${deployMs.toFixed(0)} ms; /ping sent ${counts.sent}, answered ${counts.answered}, dropped ${counts.dropped}, handled twice ${doubles}`,
  );
  return { ...counts, doubles, deployMs, d };
}

async function crashRollback(d: Deployer, crash: string, label: string) {
  let detected = 0;
  let live = 0;
  const r = await d.deploy(crash, {
    onDetected: () => void (detected ||= performance.now()),
    onLive: (_sha, how) => {
      if (how === "auto-rollback") live = performance.now();
    },
  });
  if (r.state !== "success") throw new Error(`${label}: the crashing release did not even switch: ${r.description}`);
  // Users keep asking: the first answer after the crash is detected.
  let firstAnswer = 0;
  while (!detected) await sleep(5);
  for (let i = 0; i < 400 && !firstAnswer; i++) {
    try {
      await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping", timeoutMs: 1000 }).reply();
      firstAnswer = performance.now();
    } catch {
      await sleep(20);
    }
  }
  const outcome = await r.watch;
  if (outcome !== "rolled-back") throw new Error(`${label}: expected an automatic rollback, got ${outcome}`);
  console.log(
    `${label}: crash detected → previous release live ${(live - detected).toFixed(0)} ms, → first /ping answered ${(firstAnswer - detected).toFixed(0)} ms`,
  );
  return { toLive: live - detected, toAnswer: firstAnswer - detected };
}

async function revertPr(): Promise<{ toRevert: number; toAnswer: number } | null> {
  // The real app on local/github holding this repository's tree (test/e2e/deploy-world.ts):
  // a merged change that crashes the bot at start → the app's deployment → the hook's health
  // gate fails → failure status → the app's revert PR. The old release never stopped serving.
  let mod: typeof import("../test/e2e/deploy-world.ts");
  try {
    mod = await import("../test/e2e/deploy-world.ts");
  } catch (err) {
    console.log(`revert PR: the app harness is unavailable (${(err as Error).message}); not measured`);
    return null;
  }
  const world = await mod.startDeployWorld(discord);
  try {
    const change = await world.mergedChange("discord-bench-1", "crash the bot at start");
    let failedAt = 0;
    const runner = new GitHubDeployments({
      octokit: world.octokit,
      owner: "acme",
      repo: "bot",
      deployer: world.deployer,
      hooks: { onStatus: (s) => void (s === "failure" && (failedAt = performance.now())) },
    });
    await runner.poll();
    if (!failedAt)
      throw new Error(`the crashing release was not judged failed: ${JSON.stringify(runner.results.get(change().deploymentId!))}`);
    await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping", timeoutMs: 2000 }).reply();
    const answeredAt = performance.now();
    let openedAt = 0;
    for (let i = 0; i < 500 && !openedAt; i++) {
      const pulls = (await world.w.gh.driver.pulls("acme/bot", "open")) as { head: { ref: string } }[];
      if (pulls.some((p) => p.head.ref.startsWith("ouro/revert-"))) openedAt = performance.now();
      else await sleep(10);
    }
    if (!openedAt) throw new Error("no revert PR within 5 s");
    console.log(
      `gate failure: failure status → old release answered ${(answeredAt - failedAt).toFixed(0)} ms (it never stopped), → revert PR open ${(openedAt - failedAt).toFixed(0)} ms`,
    );
    return { toRevert: openedAt - failedAt, toAnswer: answeredAt - failedAt };
  } finally {
    await world.close();
  }
}

try {
  // One hook at a time: every bot connected to the stand-in gets every interaction.
  const stop = await normalDeploy("stop", fx.base, fx.hello, "stop");
  const stopCrash = await crashRollback(stop.d, fx.crashSoonAfter, "stop");
  await stop.d.close();
  const gate = await normalDeploy("gate", fx.base, fx.hello, "gate");
  const gateCrash = await crashRollback(gate.d, fx.crashSoonAfter, "gate");
  await gate.d.close();
  const revert = await revertPr();
  report("deploy", {
    dropped_during_deploy: figure(gate.dropped, "interactions", { target: 0 }),
    handled_twice_during_deploy: figure(gate.doubles, "interactions", { target: 0 }),
    dropped_during_deploy_stop: figure(stop.dropped, "interactions", { target: 0 }),
    handled_twice_during_deploy_stop: figure(stop.doubles, "interactions", { target: 0 }),
    deploy_duration: figure(gate.deployMs, "ms"),
    failed_check_to_previous_serving: figure(gateCrash.toLive, "ms", { target: 5000 }),
    failed_check_to_previous_answering: figure(gateCrash.toAnswer, "ms", { target: 5000 }),
    failed_check_to_previous_serving_stop: figure(stopCrash.toLive, "ms", { target: 5000 }),
    failed_check_to_previous_answering_stop: figure(stopCrash.toAnswer, "ms", { target: 5000 }),
    ...(revert !== null
      ? {
          gate_failure_to_previous_answering: figure(revert.toAnswer, "ms", { target: 5000 }),
          failure_status_to_revert_pr: figure(revert.toRevert, "ms", { target: 2000 }),
        }
      : {}),
  });
} finally {
  await Promise.all(hooks.map((h) => h.close()));
  await discord.close();
  fx.cleanup();
  if (process.env.BENCH_KEEP) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
