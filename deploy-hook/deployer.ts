// The deploy hook: a commit becomes a release directory beside the live one, its bot
// process starts beside the live process and must pass the health gate before the switch;
// after the switch a watch window rolls back to the last good release on a crash or an
// error spike; outside deploys a live bot that dies is restarted, and one that dies again
// within the crash-loop window is rolled back too. A rollback target that does not come up
// is reported as such and the next older release tried; with none left, nothing is serving
// and the hook retries with backoff until something is. State lives in the data dir, so a
// restarted hook knows what is live (and which deployment to report its trouble on).
//
//   <data>/repo.git            bare mirror of the repository
//   <data>/releases/<sha>/     one git worktree per release (node_modules → <data>/deps/<lockhash>)
//   <data>/current             symlink → releases/<sha> of the live release (switched atomically)
//   <data>/deploy-state.json   releases (with the deployment that put each live), current, last good, live pid
//   <data>/handover.json       which process answers which Discord events (bot/core/handover-gate.ts)
//   <data>/logs/<sha>.log      each release's bot output
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as pause } from "node:timers/promises";
import { installDeps } from "./install-deps.ts";
import { startupChecks } from "./startup-checks.ts";
import { Mirror, RemoteError, redactUrl } from "./release-mirror.ts";
import { handoverFile, writeHandover } from "./handover-file.ts";
import { healthy, scrape, waitHealthy, type Counts } from "./health.ts";
import { deployThresholds, type DeployThresholds } from "./thresholds.ts";
import { BotProcess, pidAlive, type HostShards } from "./bot-process.ts";
import { shardIdsOf, shardPlanFromEnv } from "../contract/shards.ts";
import { acquireLock, processRecord, StateFile, type HookState, type Release } from "./state.ts";
import { DeployError, type DeployHooks, type DeployState } from "./types.ts";

export interface DeployerOptions {
  /** Git URL or path of the repository. */
  repo: string;
  /** The hook's data dir (releases, state, logs). */
  dataDir: string;
  /** Environment for bot processes (DISCORD_TOKEN, OURO_APP_URL, OURO_DATA_DIR, …); health port and release are set per process. */
  env: Record<string, string>;
  /**
   * Run the sharded form (bot/shard.ts) with these shards of `total` (all hosts), health-gated
   * shard by shard. Default: OURO_SHARDS and OURO_SHARD_IDS in `env` (unset OURO_SHARDS:
   * bot/main.ts, one process for every shard).
   */
  shards?: { total: number; ids?: number[] };
  /** Node binary for bot processes (default: the hook's own, Node 24). */
  node?: string;
  /** Releases kept on disk for instant rollback (default 3; current and last good always kept). */
  keep?: number;
  /** After /healthz is ready, how long the candidate must stay up before the switch (default 2000 ms). */
  settleMs?: number;
  /** Overrides of the policy's `deploy` thresholds. */
  healthTimeoutMs?: number;
  watchMs?: number;
  maxErrorRate?: number;
  /** Interactions needed in the watch window before the error rate is judged (default 5). */
  minSamples?: number;
  /**
   * Outside deploys, a live bot that dies is restarted; dying again within this long of its
   * previous death or restart is a crash loop → the last good release (default 60 000 ms).
   */
  crashLoopMs?: number;
  /**
   * Bots honour handover.json (bot/core/handover-gate.ts), so an old process that stays
   * connected answers nothing new. "gate" (default): the old process stays as a silent
   * standby through the watch window — a rollback is then a rewrite of handover.json (ms).
   * "stop": it is stopped right after the switch (less memory; a rollback restarts the last
   * good release from its directory, ~1–2 s).
   */
  handover?: "stop" | "gate";
  /** Cutover is this far in the future when handover.json is written (default 300 ms). */
  handoverMarginMs?: number;
  /** After the cutover, how long the old process stays connected in case the new one dies taking over (default 500 ms). */
  confirmMs?: number;
  /** SIGTERM → SIGKILL grace for stopping a bot (default 10 s). */
  stopGraceMs?: number;
  /**
   * The same grace for a release that served and is retired at a switch (default 30 s): it
   * answers the interactions it is handling first — e.g. the /rollback that asked for the
   * switch, which waits for the app to open the revert PR. Bots get OURO_DRAIN_MS below it.
   */
  retireGraceMs?: number;
  /** Run the release's command registration (bot/register-commands.ts) at the switch (default true). */
  registerCommands?: boolean;
  /** Checkouts whose node_modules are reused when the lockfile matches (default: none). */
  depSeeds?: string[];
  npm?: string;
  /** Extra smoke check on the candidate before the switch; throw to fail the gate. */
  smoke?: (candidate: { sha: string; healthUrl: string; dir: string }) => Promise<void>;
  /** Default hooks (statuses, revert PR); deploy()/rollback() may pass their own. */
  hooks?: DeployHooks;
  /**
   * Hooks reporting on a GitHub deployment by id (GitHubDeployments.statusHooks): how a
   * restarted hook reports a crash loop of the live release on the deployment that put it
   * live (stored with the release), where this run's hooks for it are not known. Null or
   * absent: the default hooks.
   */
  deploymentHooks?: (deploymentId: number) => DeployHooks | null;
  log?: (msg: string, detail?: Record<string, unknown>) => void;
}

export interface DeployResult {
  sha: string;
  state: DeployState;
  description: string;
  /**
   * Resolves when the watch window ends: "good", "rolled-back", "superseded", or
   * "rollback-failed" (judged bad, but no earlier release came up: see the failure status).
   */
  watch?: Promise<WatchOutcome>;
}

export type WatchOutcome = "good" | "rolled-back" | "rollback-failed" | "superseded";

export interface HookStatus {
  current: string | null;
  lastGood: string | null;
  releases: Release[];
  /** healthUrls: one per shard when sharded (`shards`), else healthUrl alone. */
  process: {
    sha: string;
    pid: number;
    healthUrl: string;
    healthUrls: string[];
    shards?: HostShards;
    alive: boolean;
  } | null;
  deploying: string | null;
  watching: string | null;
}

/** Credentials the bot must never hold (DESIGN principle 2): scrubbed from its environment. */
const SECRET_ENV = /^(GITHUB_|GH_|OURO_GITHUB_|PRIVATE_KEY|WEBHOOK_SECRET|APP_ID$|APP_PRIVATE_KEY)/;
export function botEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET_ENV.test(k)));
}

/** SIGTERM → SIGKILL grace for retiring a release that served (DeployerOptions.retireGraceMs). */
export const RETIRE_GRACE_MS = 30_000;
/**
 * How long a stopping bot may spend answering the interactions it is handling (OURO_DRAIN_MS):
 * most of the grace, leaving it time to disconnect cleanly before a SIGKILL.
 */
export const drainMsFor = (graceMs: number) => Math.min(60_000, Math.max(graceMs - 3000, Math.round(graceMs * 0.8))); // the bot takes ≤ 60 s

/**
 * A release must know the sharded form the hook runs: bot/shard.ts, and OURO_SHARD_IDS when
 * this host runs only some shards (an older shard.ts would run every shard here, twice over
 * with the other hosts).
 */
function shardedFormCheck(rel: Release, shards: HostShards): void {
  const script = join(rel.dir, "bot/shard.ts");
  if (!existsSync(script)) throw new DeployError("start", `${short(rel.sha)} has no bot/shard.ts: it cannot run shards`);
  if (shards.ids.length < shards.total && !readFileSync(script, "utf8").includes("OURO_SHARD_IDS"))
    throw new DeployError(
      "start",
      `${short(rel.sha)}'s bot/shard.ts predates OURO_SHARD_IDS: it would run all ${shards.total} shards on this host, not ${shards.ids.join(",")}`,
    );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const short = (sha: string) => sha.slice(0, 7);

interface Watch {
  sha: string;
  cancel: () => void;
}

/** The live release's last death or restart outside deploys (one release at a time: reset at every switch). */
interface Crashes {
  sha: string;
  /** When it last died or was last restarted healthy, whichever was later. */
  since: number;
  /** The current pause before a restart when there is nothing to roll back to (0: none yet). */
  backoffMs: number;
  /** The crash loop was reported (a failure status, after a rollback attempt) since the release last stayed up. */
  reported: boolean;
}

/** The longest pause between restarts of a crash-looping release with nothing to roll back to. */
const MAX_BACKOFF_MS = 60_000;
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export class Deployer {
  readonly o: DeployerOptions;
  readonly #state: StateFile;
  readonly #mirror: Mirror;
  #live: BotProcess | null = null;
  /** gate mode: the previous process, connected and silent, during the watch window. */
  #standby: BotProcess | null = null;
  #candidate: BotProcess | null = null;
  #deploying: string | null = null;
  #watch: Watch | null = null;
  #closed = false;
  /** Aborted by close()/detach(): ends a crash loop's pause before a restart. */
  readonly #closing = new AbortController();
  /** Every process this hook started or adopted, so close() leaves none behind. */
  readonly #all = new Set<BotProcess>();
  readonly #supervised = new WeakSet<BotProcess>();
  /** Dead live processes a #recover loop is handling (restarting, rolling back, backing off). */
  readonly #recovering = new WeakSet<BotProcess>();
  #crashes: Crashes | null = null;
  /**
   * The hooks of the deploy that put each release live in this run: a crash loop later is
   * reported on its deployment (after a restart of the hook: by the id in the state file).
   */
  readonly #deployHooks = new Map<string, DeployHooks>();

  /** This host's shards (sharded form), or null (bot/main.ts). */
  readonly #shards: HostShards | null;

  constructor(o: DeployerOptions) {
    this.o = o;
    // Bad shard variables are bad input: refused here, before any release starts.
    const plan = shardPlanFromEnv(o.shards ? { OURO_SHARDS: String(o.shards.total), OURO_SHARD_IDS: o.shards.ids?.join(",") } : o.env);
    this.#shards = plan.total === undefined ? null : { total: plan.total, ids: shardIdsOf(plan, plan.total) };
    mkdirSync(o.dataDir, { recursive: true });
    this.#state = new StateFile(o.dataDir);
    this.#mirror = new Mirror(o.dataDir, o.repo);
  }

  // ── public API ─────────────────────────────────────────────────────

  /** Picks up what a previous run left live: adopts its process, or restarts the current release from its directory. */
  async resume(): Promise<HookStatus> {
    const s = this.#state.load();
    if (s.process && s.process.sha === s.current && pidAlive(s.process.pid)) {
      const { sha, pid, healthPort, healthPorts, shards } = s.process;
      this.#live = BotProcess.adopt(sha, pid, healthPorts ?? [healthPort], shards);
      this.#all.add(this.#live);
      this.#superviseLive(this.#live);
    } else if (s.current) {
      const rel = s.releases.find((r) => r.sha === s.current);
      if (rel && existsSync(rel.dir)) {
        const p = await this.#startRelease(rel);
        const h = await waitHealthy(p, this.#thresholds(s).healthTimeoutMs);
        if (!h.ok) {
          await p.stop(this.o.stopGraceMs);
          throw new Error(`the current release ${short(rel.sha)} did not come back: ${h.reason}`);
        }
        this.#live = p;
        this.#update((st) => void (st.process = processRecord(p)));
        this.#superviseLive(p);
      }
    }
    return this.status();
  }

  status(): HookStatus {
    const s = this.#state.load();
    return {
      current: s.current,
      lastGood: s.lastGood,
      releases: s.releases,
      process: s.process
        ? {
            sha: s.process.sha,
            pid: s.process.pid,
            healthUrl: `http://127.0.0.1:${s.process.healthPort}`,
            healthUrls: (s.process.healthPorts ?? [s.process.healthPort]).map((port) => `http://127.0.0.1:${port}`),
            ...(s.process.shards ? { shards: s.process.shards } : {}),
            alive: pidAlive(s.process.pid),
          }
        : null,
      deploying: this.#deploying,
      watching: this.#watch?.sha ?? null,
    };
  }

  /** Deploys `rev` (a commit sha). Never throws for a judged release: the result says failure. */
  async deploy(rev: string, hooks: DeployHooks = this.o.hooks ?? {}): Promise<DeployResult> {
    const say = (state: DeployState, description: string, sha = rev) => this.#report(hooks, state, description, sha);
    let unlock: () => void;
    try {
      if (this.#deploying)
        throw new DeployError("busy", `another deployment is running (${short(this.#deploying)}); try again when it has finished`);
      unlock = acquireLock(this.o.dataDir, `deploy ${rev}`);
    } catch (err) {
      const e = err as DeployError;
      await say("error", e.message);
      return { sha: rev, state: "error", description: e.message };
    }
    this.#deploying = rev;
    let sha = rev;
    try {
      await say("in_progress", `preparing ${short(rev)}`);
      let resolved: string | null = null;
      try {
        resolved = /^[0-9a-f]{7,40}$/.test(rev) ? await this.#mirror.fetchCommit(rev) : null;
      } catch (err) {
        if (err instanceof RemoteError) throw new DeployError("fetch", `cannot fetch ${short(rev)}: ${err.message}`);
        throw err;
      }
      if (!resolved) throw new DeployError("unknown-commit", `unknown commit ${JSON.stringify(rev)}: not in ${redactUrl(this.o.repo)}`);
      sha = resolved;
      const before = this.#state.load();
      if (before.current === sha && this.#live?.running) {
        await say("success", `${short(sha)} is already live`, sha);
        return { sha, state: "success", description: `${short(sha)} is already live` };
      }
      this.#cancelWatch("superseded");
      const limits = this.#thresholds(before);
      const rel = await this.#prepare(sha);
      await say("in_progress", `starting ${short(sha)} beside ${before.current ? short(before.current) : "nothing"}`, sha);
      const candidate = await this.#startRelease(rel);
      this.#candidate = candidate;
      await this.#gate(candidate, rel, limits);
      const previous = this.#live;
      await this.#switchTo(candidate, previous, "deploy", hooks);
      this.#candidate = null;
      this.#deployHooks.set(sha, hooks);
      const description = `${short(sha)} is live (health gate passed${previous ? `, ${short(previous.sha)} stopped` : ""})`;
      await say("success", description, sha);
      const watch = this.#startWatch(candidate, limits, hooks);
      return { sha, state: "success", description, watch };
    } catch (err) {
      const candidate = this.#candidate;
      this.#candidate = null;
      if (candidate) await candidate.stop(this.o.stopGraceMs);
      const e = err instanceof DeployError ? err : new DeployError("start", (err as Error).message);
      const state: DeployState = e.badInput ? "error" : "failure";
      const description = `${e.message}${this.#serving()}`;
      if (!e.badInput) this.#markRelease(sha, "failed", e.message);
      await say(state, description, sha);
      if (!e.badInput) await hooks.onFailed?.(sha, e.message);
      await this.#prune();
      return { sha, state, description };
    } finally {
      this.#deploying = null;
      unlock();
      this.#resumeSupervision();
    }
  }

  /** Manual rollback: the previous release goes live now (no reinstall); then onFailed → the revert PR. */
  async rollback(hooks: DeployHooks = this.o.hooks ?? {}, reason = "rolled back by hand"): Promise<DeployResult> {
    const s = this.#state.load();
    const from = s.current;
    let unlock: () => void;
    try {
      if (this.#deploying)
        throw new DeployError("busy", `a deployment is running (${short(this.#deploying)}); roll back when it has finished`);
      if (!from) throw new DeployError("no-previous", "nothing is live: nothing to roll back");
      const kept = this.#rollbackTarget(s, from);
      unlock = acquireLock(this.o.dataDir, `rollback ${from}`);
      this.#deploying = kept?.sha ?? from;
      let target: Release;
      try {
        // The first release this hook deployed has none kept before it: its first parent is.
        target = kept ?? (await this.#parentRelease(from, hooks));
        this.#deploying = target.sha;
        await this.#report(hooks, "in_progress", `rolling back ${short(from)} → ${short(target.sha)}`, target.sha);
        this.#cancelWatch("superseded");
        try {
          await this.#activate(target, "rollback", hooks);
        } catch (err) {
          throw new Error(`rollback target ${short(target.sha)} did not come up: ${(err as Error).message}${this.#serving()}`, {
            cause: err,
          });
        }
        this.#markRelease(from, "failed", reason);
        this.#update((st) => void (st.lastGood = target.sha));
        await this.#prune();
      } finally {
        this.#deploying = null;
        unlock();
        this.#resumeSupervision();
      }
      const description = `rolled back ${short(from)} → ${short(target.sha)} (${reason})`;
      await this.#report(hooks, "success", description, target.sha);
      await hooks.onFailed?.(from, reason);
      return { sha: target.sha, state: "success", description };
    } catch (err) {
      const e = err as Error;
      await this.#report(hooks, "error", e.message, from ?? "");
      return { sha: from ?? "", state: "error", description: e.message };
    }
  }

  /** Stops timers and every bot process this hook runs (tests; a real host keeps bots up with detach()). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    this.#cancelWatch("superseded");
    await Promise.all([...this.#all].map((p) => p.stop(this.o.stopGraceMs)));
  }

  /** Stops watching but leaves the live bot serving (the hook exits; a new hook resume()s). */
  detach(): void {
    this.#closed = true;
    this.#closing.abort();
    this.#cancelWatch("superseded");
    this.#live?.release();
  }

  get #retireGrace(): number {
    return this.o.retireGraceMs ?? Math.max(RETIRE_GRACE_MS, this.o.stopGraceMs ?? 0);
  }

  /** The live process (tests, bench). */
  get live(): BotProcess | null {
    return this.#live;
  }

  // ── preparing and gating ───────────────────────────────────────────

  async #prepare(sha: string): Promise<Release> {
    const dir = join(this.o.dataDir, "releases", sha);
    const known = this.#state.load().releases.find((r) => r.sha === sha);
    if (!known || !existsSync(join(dir, "bot"))) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(this.o.dataDir, "releases"), { recursive: true });
      await this.#mirror.addWorktree(dir, sha);
    }
    const rel: Release = { sha, dir, preparedAt: new Date().toISOString(), status: "ready" };
    this.#update((s) => {
      s.releases = [...s.releases.filter((r) => r.sha !== sha), rel];
    });
    try {
      await installDeps(dir, { dataDir: this.o.dataDir, seeds: this.o.depSeeds, npm: this.o.npm });
      startupChecks(dir);
    } catch (err) {
      await this.#mirror.removeWorktree(dir);
      throw err;
    }
    return rel;
  }

  async #startRelease(rel: Release): Promise<BotProcess> {
    if (!existsSync(join(rel.dir, "node_modules")))
      await installDeps(rel.dir, { dataDir: this.o.dataDir, seeds: this.o.depSeeds, npm: this.o.npm });
    if (this.#shards) shardedFormCheck(rel, this.#shards);
    const p = await BotProcess.start({
      sha: rel.sha,
      dir: rel.dir,
      dataDir: this.o.dataDir,
      node: this.o.node ?? process.execPath,
      shards: this.#shards ?? undefined,
      env: {
        ...botEnvironment(this.o.env),
        OURO_HANDOVER_FILE: handoverFile(this.o.dataDir),
        // On SIGTERM the bot answers what it is handling before it disconnects, within our SIGKILL grace.
        OURO_DRAIN_MS: String(drainMsFor(this.#retireGrace)),
      },
    });
    this.#all.add(p);
    void p.exited.then(() => this.#all.delete(p));
    return p;
  }

  /** Ready on /healthz, the smoke check, then no crash (and healthy still) through the settle window. */
  async #gate(p: BotProcess, rel: Release, limits: DeployThresholds): Promise<void> {
    const h = await waitHealthy(p, limits.healthTimeoutMs);
    if (!h.ok) throw new DeployError(h.exited ? "start" : "health", `health gate: ${h.reason}`);
    if (this.o.smoke) {
      try {
        await this.o.smoke({ sha: rel.sha, healthUrl: p.healthUrl, dir: rel.dir });
      } catch (err) {
        throw new DeployError("health", `smoke check: ${(err as Error).message}`);
      }
    }
    const settle = this.o.settleMs ?? 2000;
    await Promise.race([sleep(settle), p.exited]);
    if (!p.running) throw new DeployError("settle", `the process exited (${String(await p.exited)}) during the ${settle} ms settle window`);
    if (!(await healthy(p))) throw new DeployError("settle", `/healthz failed during the ${settle} ms settle window`);
    // No error-rate judgement here: before the switch the candidate either owns no events (handover
    // gate) or races the live process for them (Discord keeps the first reply; the loser's refused
    // reply is not the release's fault). Error rates are judged in the watch window, where it serves alone.
    if (!(await scrape(p))) throw new DeployError("settle", "/metrics did not answer");
  }

  #errorRate(before: Counts | null, after: Counts | null, limits: DeployThresholds): string | null {
    if (!before || !after) return null;
    const total = after.total - before.total;
    const errors = after.errors - before.errors;
    if (total < (this.o.minSamples ?? 5)) return null;
    const rate = errors / total;
    return rate > limits.maxErrorRate
      ? `${errors}/${total} interactions failed (${(rate * 100).toFixed(1)}% > ${(limits.maxErrorRate * 100).toFixed(1)}%)`
      : null;
  }

  // ── switching ──────────────────────────────────────────────────────

  /**
   * Hands Discord events over to `next` (handover.json), points `current` at it and registers
   * its commands; then retires `prev` once the events it still owns have arrived. If `next`
   * dies as it takes over while `prev` is still connected, the events go straight back to prev.
   */
  async #switchTo(
    next: BotProcess,
    prev: BotProcess | null,
    how: "deploy" | "rollback" | "auto-rollback",
    hooks: DeployHooks,
  ): Promise<void> {
    const handing = !!prev && prev !== next && prev.running;
    const cutoverAt = Date.now() + (handing ? (this.o.handoverMarginMs ?? 300) : 0);
    this.#pointAt(next, prev, cutoverAt, how === "deploy" ? hooks : null);
    await hooks.onLive?.(next.sha, how);
    const registering = this.#registerFor(next.sha);
    if (prev && prev !== next) {
      // Events created before cutoverAt still belong to prev: let them arrive and finish. Keep prev
      // a moment longer (confirmMs) so a release that dies as it takes over costs nothing.
      await Promise.race([sleep(Math.max(0, cutoverAt - Date.now()) + (this.o.confirmMs ?? 500)), next.exited]);
      if (!next.running && prev.running) {
        this.#pointAt(prev, next, Date.now());
        await registering;
        await this.#registerFor(prev.sha);
        throw new DeployError(
          "settle",
          `${short(next.sha)} exited (${String(await next.exited)}) as it took over; ${short(prev.sha)} took the events back`,
        );
      }
      if ((this.o.handover ?? "gate") === "gate" && how === "deploy") {
        await this.#standby?.stop(this.#retireGrace);
        this.#standby = prev;
      } else {
        await prev.stop(this.#retireGrace); // it answers what it is handling first (bounded)
      }
    }
    await registering;
    this.#log(`switched to ${short(next.sha)}`, { how });
  }

  /**
   * The atomic part of a switch: handover.json, the `current` symlink, the state file (with
   * the deployment, if any, of the deploy that puts `next` live: `deployedBy`).
   */
  #pointAt(next: BotProcess, prev: BotProcess | null, cutoverAt: number, deployedBy: DeployHooks | null = null): void {
    writeHandover(this.o.dataDir, { release: next.sha, previous: prev?.sha ?? null, cutoverAt });
    const link = join(this.o.dataDir, "current");
    const tmp = `${link}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    symlinkSync(join("releases", next.sha), tmp);
    renameSync(tmp, link);
    this.#update((s) => {
      s.current = next.sha;
      s.process = processRecord(next);
      for (const r of s.releases) {
        if (r.sha !== next.sha) continue;
        if (r.status !== "good") r.status = "live";
        if (deployedBy) r.deploymentId = deployedBy.deploymentId; // a deploy without a deployment clears an older one
      }
    });
    this.#crashes = null;
    this.#live = next;
    this.#superviseLive(next);
  }

  async #registerFor(sha: string): Promise<void> {
    if (this.o.registerCommands === false) return;
    const rel = this.#state.load().releases.find((r) => r.sha === sha);
    if (!rel) return;
    await this.#registerCommands(rel.dir).catch((err) => this.#log("command registration failed", { err: (err as Error).message }));
  }

  /** Makes a kept release live again: the standby process if it is still connected, else a fresh process from its directory. */
  async #activate(target: Release, how: "rollback" | "auto-rollback", hooks: DeployHooks): Promise<void> {
    const s = this.#state.load();
    const bad = this.#live;
    let p: BotProcess;
    // Not a standby the end of a watch window is stopping right now: it would exit as it takes over.
    if (this.#standby?.sha === target.sha && this.#standby.running && !this.#standby.stopping) {
      p = this.#standby;
      this.#standby = null;
    } else {
      await this.#standby?.stop(this.o.stopGraceMs);
      this.#standby = null;
      p = await this.#startRelease(target);
      const h = await waitHealthy(p, this.#thresholds(s).healthTimeoutMs);
      if (!h.ok) {
        await p.stop(this.o.stopGraceMs);
        throw new Error(h.reason);
      }
    }
    await this.#switchTo(p, bad, how, hooks);
  }

  /**
   * The release of `from`'s first parent, prepared now: the rollback target of a release with
   * none kept before it (the first this hook deployed). The first parent is the default branch
   * as it was before `from` merged — what the revert PR makes of it — so the release rolled
   * back to and the branch the revert reconciles agree; it needs no GitHub API (the CLI has
   * none) and no earlier run of this hook. A parent judged bad here before is not used.
   */
  async #parentRelease(from: string, hooks: DeployHooks): Promise<Release> {
    let parent: string | null;
    try {
      parent = (await this.#mirror.fetchCommit(from)) ? await this.#mirror.firstParent(from) : null;
    } catch (err) {
      throw new DeployError("fetch", `no earlier release of ${short(from)} is kept, and ${(err as Error).message}`);
    }
    if (!parent)
      throw new DeployError("no-previous", `no earlier release of ${short(from)} is kept, and it has no parent commit to roll back to`);
    const known = this.#state.load().releases.find((r) => r.sha === parent);
    if (known?.status === "failed")
      throw new DeployError(
        "no-previous",
        `no earlier release of ${short(from)} is kept; its parent ${short(parent)} was judged bad (${known.reason ?? "failed"})`,
      );
    await this.#report(hooks, "in_progress", `no release before ${short(from)} is kept: preparing its parent ${short(parent)}`, parent);
    const rel = await this.#prepare(parent);
    // Listed before `from` (the list is oldest first), as the earlier release it is.
    this.#update(
      (st) => void (st.releases = [...st.releases.filter((r) => r.sha === parent), ...st.releases.filter((r) => r.sha !== parent)]),
    );
    return rel;
  }

  /** The kept releases to roll `from` back to, in order: the last good one, then the others not failed, newest first. */
  #rollbackTargets(s: HookState, from: string): Release[] {
    const kept = s.releases.filter((r) => r.sha !== from && r.status !== "failed" && existsSync(r.dir)).reverse();
    return [...kept.filter((r) => r.sha === s.lastGood), ...kept.filter((r) => r.sha !== s.lastGood)];
  }

  #rollbackTarget(s: HookState, from: string): Release | null {
    return this.#rollbackTargets(s, from)[0] ?? null;
  }

  async #registerCommands(dir: string): Promise<void> {
    // Releases made before the script was renamed still carry bot/deploy-commands.ts.
    const script = ["bot/register-commands.ts", "bot/deploy-commands.ts"].find((f) => existsSync(join(dir, f)));
    if (!script) return;
    await new Promise<void>((resolve, reject) => {
      execFile(
        this.o.node ?? process.execPath,
        [script],
        // Generous: it starts a plugin host to read the manifest, on a host busy with a deploy; past
        // this the release keeps its old command list, so a slow start must not be taken for a hang.
        { cwd: dir, env: botEnvironment(this.o.env), timeout: 60_000, killSignal: "SIGKILL" },
        (err, _out, stderr) => (err ? reject(new Error(stderr.trim().slice(0, 300) || err.message)) : resolve()),
      );
    });
  }

  // ── after the switch ───────────────────────────────────────────────

  /** The watch window: a crash or an error spike → the last good release (or the next older one that comes up), now. */
  #startWatch(p: BotProcess, limits: DeployThresholds, hooks: DeployHooks): Promise<WatchOutcome> {
    let cancelled: ((why: "superseded") => void) | undefined;
    const cancel = new Promise<"superseded">((r) => (cancelled = r));
    const watch: Watch = { sha: p.sha, cancel: () => cancelled?.("superseded") };
    this.#watch = watch;
    const run = async (): Promise<WatchOutcome> => {
      const started = Date.now();
      const baseline = await scrape(p);
      let problem: string | null = null;
      while (Date.now() - started < limits.watchWindowMs) {
        const tick = await Promise.race([sleep(250).then(() => "tick" as const), p.exited.then(() => "exit" as const), cancel]);
        if (tick === "superseded") return "superseded";
        if (tick === "exit" || !p.running) {
          problem = `crashed in the watch window (exit ${String(await p.exited)})`;
          break;
        }
        const spike = this.#errorRate(baseline, await scrape(p), limits);
        if (spike) {
          problem = `error rate above the policy in the watch window: ${spike}`;
          break;
        }
      }
      if (this.#watch !== watch) return "superseded";
      this.#watch = null;
      if (!problem) {
        this.#update((s) => {
          s.lastGood = p.sha;
          for (const r of s.releases) if (r.sha === p.sha) r.status = "good";
        });
        await this.#standby?.stop(this.#retireGrace);
        this.#standby = null;
        await this.#prune();
        return "good";
      }
      if (await this.#autoRollback(p.sha, problem, hooks)) return "rolled-back";
      // No earlier release came up: `p` stays live. Still running (an error spike), it keeps
      // serving, supervised; dead, nothing serves, and #recover retries with backoff.
      if (!p.running && this.#live === p && !this.#closed) {
        this.#crashes = { sha: p.sha, since: Date.now(), backoffMs: 0, reported: true };
        void this.#recover(p, problem);
      }
      return "rollback-failed";
    };
    return run();
  }

  /**
   * The live release `bad` was judged bad after its switch (watch window, crash loop): the
   * last good release goes live, else the next older one that comes up (#putBack), and `bad`
   * gets a `failure` status saying which — or that none came up and what serves now (nothing,
   * when `bad` is dead: logged loudly; the caller retries). True when another release is live.
   */
  async #autoRollback(bad: string, problem: string, hooks: DeployHooks): Promise<boolean> {
    if (this.#closed) return false;
    this.#log(`rolling back ${short(bad)}: ${problem}`);
    await hooks.onDetected?.(bad, problem);
    this.#markRelease(bad, "failed", problem);
    const candidates = this.#rollbackTargets(this.#state.load(), bad).length;
    const failures: string[] = [];
    const target = await this.#putBack(bad, hooks, failures);
    let outcome: string;
    if (target) outcome = `rolled back to ${short(target.sha)}`;
    else {
      const none =
        candidates === 0
          ? "no earlier release to roll back to; "
          : failures.length < candidates
            ? "rollback abandoned (the hook is closing); "
            : "";
      const serving = this.#live?.running ? `${short(this.#live.sha)} keeps serving` : "nothing is serving";
      const next =
        this.#closed || this.#live?.running ? "" : failures.length ? " (retrying with backoff)" : " (restarting it with backoff)";
      outcome = `${none}${serving}${next}`;
      if (!this.#live?.running) this.#log(`NOTHING IS SERVING: ${short(bad)} ${problem}; ${[...failures, outcome].join("; ")}`, { bad });
    }
    await this.#report(hooks, "failure", [problem, ...failures, outcome].join("; "), bad);
    await hooks.onFailed?.(bad, problem);
    return target !== null;
  }

  /**
   * Puts the first kept release other than `bad` that comes up live (#rollbackTargets: the
   * last good one, then the next older…), supervised; each that does not come up is logged
   * loudly and described in `failures`. Null when none came up (or there is none).
   */
  async #putBack(bad: string, hooks: DeployHooks, failures: string[]): Promise<Release | null> {
    for (const target of this.#rollbackTargets(this.#state.load(), bad)) {
      if (this.#closed) return null;
      this.#deploying = target.sha;
      try {
        await this.#activate(target, "auto-rollback", hooks);
      } catch (err) {
        this.#deploying = null;
        const reason = (err as Error).message;
        failures.push(`rollback to ${short(target.sha)} failed too: ${reason}`);
        this.#log(`ROLLBACK FAILED: ${short(target.sha)} did not come up in place of ${short(bad)}: ${reason}`, {
          bad,
          target: target.sha,
        });
        continue;
      }
      try {
        this.#update((st) => void (st.lastGood = target.sha));
        await this.#prune();
      } catch (err) {
        this.#log(`rolled back to ${short(target.sha)}, but recording it failed`, { err: (err as Error).message });
      } finally {
        this.#deploying = null;
      }
      this.#resumeSupervision(); // it died as it took over, while #deploying kept its supervisor back
      return target;
    }
    return null;
  }

  /** Outside deploys and watch windows, the live bot dying is handled by #recover. */
  #superviseLive(p: BotProcess): void {
    if (this.#supervised.has(p)) return;
    this.#supervised.add(p);
    void p.exited.then(() => this.#recover(p));
  }

  /**
   * A live bot that died while a deploy or rollback ran was left alone (its supervisor stands
   * back then): if it is still the live one and nothing else handles it, recover it now.
   */
  #resumeSupervision(): void {
    const live = this.#live;
    if (live && !live.running && !this.#closed && !this.#recovering.has(live)) void this.#recover(live);
  }

  /**
   * The live bot died outside a deploy: restart it from its directory. Dying again within
   * `crashLoopMs` of its previous death or restart (or a restart that never becomes healthy)
   * is a crash loop → #autoRollback, reported as a failure on the release's deployment.
   * When no earlier release comes up (or there is none), nothing is serving: after a pause
   * doubling from 1 s to 60 s the kept releases are tried again, then the release itself is
   * restarted, until one stays up. `judged`: the watch window already judged `dead` and its
   * rollback failed — go straight to the pauses.
   */
  async #recover(dead: BotProcess, judged?: string): Promise<void> {
    if (this.#recovering.has(dead)) return;
    this.#recovering.add(dead);
    try {
      await this.#recoverLoop(dead, judged);
    } finally {
      this.#recovering.delete(dead);
    }
  }

  async #recoverLoop(dead: BotProcess, judged?: string): Promise<void> {
    const windowMs = this.o.crashLoopMs ?? 60_000;
    const sha = dead.sha;
    const hooks = this.#hooksFor(sha);
    let why = `exit ${String(await dead.exited)}`;
    /** Once this death is a crash loop: what is wrong (the failure status's first part). */
    let crashLoop = judged ?? null;
    for (;;) {
      if (this.#closed || this.#live !== dead || this.#watch?.sha === sha || this.#deploying) return;
      const now = Date.now();
      const last = this.#crashes?.sha === sha ? this.#crashes : null;
      if (!crashLoop && (!last || now - last.since >= windowMs)) {
        this.#crashes = { sha, since: now, backoffMs: 0, reported: false };
        this.#log(`live release ${short(sha)} exited (${why}); restarting it`);
      } else {
        const rec = last ?? (this.#crashes = { sha, since: now, backoffMs: 0, reported: false });
        crashLoop ??= `crash loop: died again ${seconds(now - rec.since)} after its last death or restart (${why}; window ${seconds(windowMs)})`;
        if (!rec.reported) {
          rec.reported = true;
          if (await this.#autoRollback(sha, crashLoop, hooks)) return;
          if (this.#closed || this.#live !== dead) return;
        }
        // Nothing is serving: no earlier release, or none came up. Pause, retry them, restart this one.
        rec.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(1000, rec.backoffMs * 2));
        rec.since = now;
        const retry = this.#rollbackTarget(this.#state.load(), sha) ? "retrying the rollback, else " : "";
        this.#log(`CRASH LOOP: ${short(sha)} ${crashLoop}; nothing is serving — ${retry}restarting it in ${seconds(rec.backoffMs)}`, {
          sha,
          backoffMs: rec.backoffMs,
        });
        await pause(rec.backoffMs, undefined, { signal: this.#closing.signal }).catch(() => undefined);
        // A deploy that started meanwhile reads the live process after its gate: a restart is no race (a rollback would be).
        if (this.#closed || this.#live !== dead) return;
        if (retry && !this.#deploying) {
          const failures: string[] = [];
          const back = await this.#putBack(sha, hooks, failures);
          if (back) {
            await this.#report(hooks, "failure", `${crashLoop}; rolled back to ${short(back.sha)} (on a retry)`, sha);
            return;
          }
          if (this.#closed || this.#live !== dead) return;
        }
      }
      const s = this.#state.load();
      const rel = s.releases.find((r) => r.sha === sha);
      if (!rel || !existsSync(rel.dir)) {
        this.#log(`NOTHING IS SERVING: live release ${short(sha)} exited and its directory is gone: nothing to restart`);
        return;
      }
      let next: BotProcess;
      try {
        next = await this.#startRelease(rel);
      } catch (err) {
        why = `the restart failed: ${(err as Error).message}`;
        crashLoop = `crash loop: ${why}`;
        continue;
      }
      const h = await waitHealthy(next, this.#thresholds(s).healthTimeoutMs);
      if (this.#closed || this.#live !== dead) {
        await next.stop(this.o.stopGraceMs);
        return;
      }
      if (h.ok) {
        this.#live = next;
        this.#update((st) => void (st.process = processRecord(next)));
        if (this.#crashes?.sha === sha) this.#crashes.since = Date.now();
        this.#superviseLive(next);
        return;
      }
      await next.stop(this.o.stopGraceMs);
      why = `the restart did not become healthy: ${h.reason}`;
      crashLoop = `crash loop: ${why}`;
    }
  }

  /**
   * Where trouble with a live release is reported: the hooks of the deploy that put it live
   * (this run's, or after a restart of the hook the deployment stored with the release),
   * else the default hooks.
   */
  #hooksFor(sha: string): DeployHooks {
    const ours = this.#deployHooks.get(sha);
    if (ours) return ours;
    const id = this.#state.load().releases.find((r) => r.sha === sha)?.deploymentId;
    return (id !== undefined ? this.o.deploymentHooks?.(id) : null) ?? this.o.hooks ?? {};
  }

  /** What serves now, for a failure description: "; <sha> keeps serving", or that nothing is ("" when nothing ever was). */
  #serving(): string {
    const live = this.#live;
    if (live?.running) return `; ${short(live.sha)} keeps serving`;
    if (live) return `; nothing is serving (${short(live.sha)} is down${this.#closed ? "" : ": restarting it"})`;
    const current = this.#state.load().current;
    return current ? `; nothing is serving (${short(current)} is not running)` : "";
  }

  #cancelWatch(_why: "superseded"): void {
    const w = this.#watch;
    this.#watch = null;
    w?.cancel();
  }

  // ── bookkeeping ────────────────────────────────────────────────────

  #thresholds(s: HookState): DeployThresholds {
    const trusted = s.releases.find((r) => r.sha === (s.lastGood ?? s.current))?.dir ?? null;
    const t = deployThresholds(trusted && existsSync(trusted) ? trusted : null);
    return {
      ...t,
      healthTimeoutMs: this.o.healthTimeoutMs ?? t.healthTimeoutMs,
      maxErrorRate: this.o.maxErrorRate ?? t.maxErrorRate,
      watchWindowMs: this.o.watchMs ?? t.watchWindowMs,
    };
  }

  #markRelease(sha: string, status: Release["status"], reason?: string): void {
    this.#update((s) => {
      for (const r of s.releases) if (r.sha === sha) Object.assign(r, { status, ...(reason ? { reason } : {}) });
    });
  }

  #update(fn: (s: HookState) => void): void {
    const s = this.#state.load();
    fn(s);
    this.#state.save(s);
  }

  /** Keeps the newest `keep` releases that are not failed, plus current and last good; removes the rest from disk. */
  async #prune(): Promise<void> {
    const s = this.#state.load();
    const keep = Math.max(1, this.o.keep ?? 3);
    const protectedShas = new Set([s.current, s.lastGood, this.#standby?.sha, this.#candidate?.sha].filter(Boolean));
    const newestFirst = [...s.releases].reverse().filter((r) => r.status !== "failed");
    const kept = new Set(newestFirst.slice(0, keep).map((r) => r.sha));
    const drop = s.releases.filter((r) => !kept.has(r.sha) && !protectedShas.has(r.sha));
    for (const r of drop) {
      await this.#mirror.removeWorktree(r.dir).then(() => rmSync(r.dir, { recursive: true, force: true }));
      this.#deployHooks.delete(r.sha);
    }
    if (drop.length) this.#update((st) => void (st.releases = st.releases.filter((r) => !drop.some((d) => d.sha === r.sha))));
  }

  async #report(hooks: DeployHooks, state: DeployState, description: string, sha: string): Promise<void> {
    this.#log(`[${state}] ${description}`);
    try {
      await hooks.onStatus?.(state, description, { sha });
    } catch (err) {
      this.#log("status callback failed", { err: (err as Error).message });
    }
  }

  #log(msg: string, detail?: Record<string, unknown>): void {
    this.o.log?.(msg, detail);
  }
}
