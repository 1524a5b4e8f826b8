// The control plane's core: the store, the switches (rate limits, circuit breaker,
// emergency stop), per-change locks, progress (sticky comments + the bot's event stream),
// the dashboard, and the worker that starts queued changes. The flows in lifecycle/ use it;
// webhook handlers and the bot API only call flows.
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { z } from "zod";
import type { ProgressEvent } from "../contract/app-link.ts";
import type { AppConfig } from "./config.ts";
import type { RepoClient } from "./github/repo.ts";
import * as breaker from "./switches/breaker.ts";
import type { Breaker } from "./switches/breaker.ts";
import { renderDashboard, DASHBOARD_TITLE } from "./progress/dashboard-render.ts";
import type { DashboardData } from "./progress/dashboard-render.ts";
import { DASHBOARD_MARKER, progressMarker } from "./github/markers.ts";
import { renderProgress } from "./progress/comment-render.ts";
import { mayStart } from "./switches/rate-limit.ts";
import { canMove } from "./lifecycle/states.ts";
import type { ChangeState } from "./lifecycle/states.ts";
import { PolicyCache } from "./policy.ts";
import type { EffectivePolicy } from "./policy.ts";
import type { ChangeRow, Store } from "./store.ts";
import type { ChangeWriter } from "./writer.ts";
import type { FeedbackItem } from "./agent/index.ts";

export interface EngineDeps {
  store: Store;
  config: Pick<AppConfig, "owner" | "repo" | "gitUrl" | "dataDir">;
  log: Logger;
  client: () => Promise<RepoClient>;
  writer: ChangeWriter;
  now?: () => number;
}

const breakerSchema = z.object({
  state: z.enum(["closed", "open", "half-open"]),
  failures: z.number(),
  successes: z.number(),
  openedAt: z.number().optional(),
  reason: z.string().optional(),
});
const stopSchema = z.object({
  stopped: z.boolean(),
  by: z.string().optional(),
  since: z.string().optional(),
  reason: z.string().optional(),
});
export type StopState = z.infer<typeof stopSchema>;

export class Engine {
  readonly store: Store;
  readonly config: EngineDeps["config"];
  readonly log: Logger;
  readonly client: () => Promise<RepoClient>;
  readonly writer: ChangeWriter;
  readonly now: () => number;
  readonly policies: PolicyCache;
  /** `progress` events (ProgressEvent with its sequence number) for the bot's stream. */
  readonly events = new EventEmitter();

  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private pumping = false;
  private pumpAgain = false;
  private dashboardRunning = false;
  private dashboardAgain = false;
  /** The worker's step, set by lifecycle/write-change.ts (kept here so the engine has no import cycle). */
  startChange: (id: string) => Promise<void> = async () => {};
  /** A reconcile pass (lifecycle/reconcile.ts), installed by start.ts for the same reason. */
  reconcileNow: () => Promise<void> = async () => this.kick();
  private closed = false;

  constructor(d: EngineDeps) {
    this.store = d.store;
    this.config = d.config;
    this.log = d.log;
    this.client = d.client;
    this.writer = d.writer;
    this.now = d.now ?? Date.now;
    this.policies = new PolicyCache(2000, this.now);
    this.events.setMaxListeners(100);
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Serializes work on one key (a change id, "dashboard", …). */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /** Background work the tests (and shutdown) can wait for. */
  track(p: Promise<unknown>, what: string): void {
    const t = p.catch((e: unknown) => this.log.error({ err: e }, `background ${what} failed`));
    this.inflight.add(t);
    void t.finally(() => this.inflight.delete(t));
  }

  /** Resolves once no background work is running. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  close(): void {
    this.closed = true;
  }

  policy(): Promise<EffectivePolicy> {
    return this.client().then((c) => this.policies.get(c));
  }

  // ── learning from feedback ──────────────────────────────────────────
  /** Remembers what happened to a change, for the agent's later runs. */
  feedback(c: ChangeRow, kind: FeedbackItem["kind"], text: string): void {
    this.store.audit(c.id, "feedback", {
      kind,
      request: c.text.slice(0, 500),
      text: text.slice(0, 1000),
      ...(c.risk ? { verdict: `risk ${c.risk}` } : {}),
    });
  }
  /** The latest feedback items, newest first. */
  recentFeedback(limit = 10): FeedbackItem[] {
    return this.store.auditEvents("feedback", limit).map((a) => ({
      kind: a.detail.kind as FeedbackItem["kind"],
      request: String(a.detail.request ?? ""),
      text: String(a.detail.text ?? ""),
      ...(typeof a.detail.verdict === "string" ? { verdict: a.detail.verdict } : {}),
    }));
  }

  // ── switches ────────────────────────────────────────────────────────
  breakerState(): Breaker {
    return this.store.get("breaker", breakerSchema, breaker.CLOSED);
  }
  breakerNow(cfg: breaker.BreakerConfig): Breaker {
    return breaker.current(this.breakerState(), this.now(), cfg);
  }
  breakerFailure(cfg: breaker.BreakerConfig, changeId: string, reason: string): void {
    const before = this.breakerNow(cfg);
    const after = breaker.recordFailure(this.breakerState(), this.now(), cfg, reason);
    this.store.set("breaker", after);
    this.store.audit(changeId, "breaker.failure", { reason, state: after.state, failures: after.failures });
    if (before.state !== after.state) this.store.audit(changeId, `breaker.${after.state}`, { reason });
    this.log.info({ changeId, breaker: after.state, failures: after.failures }, `circuit breaker: failure (${reason})`);
  }
  breakerSuccess(cfg: breaker.BreakerConfig, changeId: string): void {
    const before = this.breakerNow(cfg);
    const after = breaker.recordSuccess(this.breakerState(), this.now(), cfg);
    this.store.set("breaker", after);
    if (before.state !== after.state) this.store.audit(changeId, `breaker.${after.state}`, {});
  }

  stopState(): StopState {
    return this.store.get("stop", stopSchema, { stopped: false });
  }
  /** Effective stop: the persisted switch or the policy flag. */
  stopped(p: EffectivePolicy): boolean {
    return this.stopState().stopped || p.policy.emergencyStop;
  }
  setStop(stopped: boolean, by: string, reason?: string): StopState {
    const s: StopState = stopped ? { stopped: true, by, since: this.iso(), ...(reason ? { reason } : {}) } : { stopped: false };
    this.store.set("stop", s);
    this.store.audit("-", stopped ? "emergency-stop" : "emergency-resume", { by, reason });
    this.log.warn({ by }, stopped ? "emergency stop" : "emergency stop lifted");
    this.refreshDashboard();
    if (!stopped) this.track(this.reconcileNow(), "reconcile"); // held merges and queued work go on
    return s;
  }

  // ── state and progress ──────────────────────────────────────────────
  /** Moves a change along an allowed edge (else leaves it and returns null), records it, reports it. */
  async move(
    c: ChangeRow,
    to: ChangeState,
    message?: string,
    extra: Partial<ChangeRow> = {},
    opts: { streamOnly?: boolean } = {},
  ): Promise<ChangeRow | null> {
    if (!canMove(c.state, to)) {
      this.log.info({ changeId: c.id, from: c.state, to }, "ignored a transition the lifecycle does not allow");
      return null;
    }
    const same = c.state === to && (message ?? null) === c.reason && Object.keys(extra).length === 0;
    if (same) return c;
    const next = this.store.updateChange(c.id, { ...extra, state: to, reason: message ?? null });
    if (c.state !== to) this.store.audit(c.id, `state.${to}`, { from: c.state, ...(message ? { message } : {}) });
    await this.report(next, opts);
    return next;
  }

  /** Progress to every place that shows it: the bot's stream, the sticky comments, the dashboard. */
  async report(c: ChangeRow, opts: { streamOnly?: boolean } = {}): Promise<void> {
    const needed = await this.policy().then(
      (p) => p.policy.votes.required,
      () => 0,
    );
    const ev: ProgressEvent = {
      changeId: c.id,
      state: c.state,
      at: this.iso(),
      ...(c.reason ? { message: c.reason } : {}),
      ...(c.prUrl ? { prUrl: c.prUrl } : {}),
      ...(c.issueUrl ? { trackingIssueUrl: c.issueUrl } : {}),
      ...(c.risk ? { risk: c.risk as ProgressEvent["risk"] } : {}),
      ...(needed > 0 && c.kind === "change" ? { votes: { ...this.store.votes(c.id), needed } } : {}),
    };
    const seq = this.store.addProgress(c.id, JSON.stringify(ev));
    this.events.emit("progress", seq, ev);
    if (opts.streamOnly) return; // a transient step: GitHub is updated by the next one
    try {
      const gh = await this.client();
      const body = renderProgress({
        changeId: c.id,
        state: c.state,
        title: c.title,
        requester: c.requester,
        risk: c.risk ?? undefined,
        prUrl: c.prUrl ?? undefined,
        message: c.reason ?? undefined,
        revertPrUrl: c.revertChange ? (this.store.change(c.revertChange)?.prUrl ?? undefined) : undefined,
      });
      for (const n of [c.issueNumber, c.prNumber]) {
        if (!n) continue;
        const key = `sticky:${c.id}:${n}`;
        const known = this.store.key(key);
        const id = await gh.upsertSticky(n, progressMarker(c.id), body, known ? Number(known) : null);
        if (String(id) !== known) this.store.setKey(key, String(id));
      }
    } catch (e) {
      // progress on GitHub is best effort: the state is already stored and the next step rewrites it
      this.log.warn({ err: e, changeId: c.id }, "could not update the progress comment");
    }
    this.refreshDashboard();
  }

  // ── worker ──────────────────────────────────────────────────────────
  /** Starts queued work that the switches allow, one change at a time. */
  kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.track(
      this.pump().finally(() => (this.pumping = false)),
      "worker",
    );
  }

  private async pump(): Promise<void> {
    do {
      this.pumpAgain = false;
      for (;;) {
        if (this.closed) return;
        const next = await this.nextRunnable();
        if (!next) break;
        await this.startChange(next);
      }
    } while (this.pumpAgain);
  }

  private async nextRunnable(): Promise<string | null> {
    const queued = this.store.changesIn(["queued"]);
    if (queued.length === 0) return null;
    const revert = queued.find((c) => c.kind === "revert");
    if (revert) return revert.id; // reverts reduce risk: no quota, switch or breaker holds them
    const p = await this.policy();
    const held = (reason: string) => this.holdQueued(queued, reason);
    if (this.stopped(p)) return held("emergency stop: no new pull requests until /ouro resume");
    const b = this.breakerNow(p.policy.circuitBreaker);
    if (b.state === "open") return held("circuit breaker open: no new pull requests for now");
    // Half-open is probation: one change at a time until enough of them succeed.
    if (b.state === "half-open" && this.store.countOpenPrs() > 0) return held("circuit breaker half-open: one change at a time");
    const windowStart = this.now() - p.policy.rateLimits.burst.windowSeconds * 1000;
    const ok = mayStart(this.store.countOpenPrs(), this.store.startsSince(windowStart), this.now(), p.policy.rateLimits);
    if (!ok.ok) return held(ok.reason);
    return queued[0].id;
  }

  private async holdQueued(queued: ChangeRow[], reason: string): Promise<null> {
    for (const c of queued) {
      if (c.reason === reason) continue;
      await this.withLock(c.id, async () => {
        const cur = this.store.change(c.id);
        if (cur?.state === "queued") await this.move(cur, "queued", reason);
      });
    }
    return null;
  }

  // ── dashboard ───────────────────────────────────────────────────────
  refreshDashboard(): void {
    if (this.dashboardRunning) {
      this.dashboardAgain = true;
      return;
    }
    this.dashboardRunning = true;
    this.track(
      (async () => {
        try {
          do {
            this.dashboardAgain = false;
            await new Promise((r) => setTimeout(r, 25)); // let a burst of moves land in one edit
            await this.writeDashboard();
          } while (this.dashboardAgain && !this.closed);
        } finally {
          this.dashboardRunning = false;
        }
      })(),
      "dashboard",
    );
  }

  async dashboardData(): Promise<DashboardData> {
    const p = await this.policy();
    const b = this.breakerNow(p.policy.circuitBreaker);
    const s = this.stopState();
    const pending = this.store
      .changesIn(["queued", "working"])
      .map((c) => ({
        changeId: c.id,
        title: c.title,
        requester: c.requester,
        state: c.state,
        reason: c.reason ?? undefined,
        issueUrl: c.issueUrl ?? undefined,
      }));
    const open = this.store.changesIn(["pr", "checks", "review"]).filter((c) => c.prNumber);
    const openPrs = open.map((c) => ({
      changeId: c.id,
      number: c.prNumber!,
      url: c.prUrl ?? "",
      title: c.title,
      risk: c.risk ?? undefined,
      checks: this.store.key(`checks:${c.id}`) ?? "pending",
      state: c.state,
      rollback: c.kind === "revert",
    }));
    const deploys = this.store
      .auditEvents("deployment.status", 5)
      .map((a) => ({
        changeId: a.changeId,
        sha: String(a.detail.sha ?? ""),
        state: String(a.detail.state ?? ""),
        at: a.at,
        prUrl: this.store.change(a.changeId)?.prUrl ?? undefined,
      }));
    const rollbacks = this.store
      .auditEvents("rollback", 5)
      .map((a) => ({
        changeId: a.changeId,
        at: a.at,
        reason: String(a.detail.reason ?? ""),
        revertPrUrl: typeof a.detail.revertPrUrl === "string" ? a.detail.revertPrUrl : undefined,
      }));
    return {
      pending,
      openPrs,
      breaker: {
        state: b.state,
        failures: b.failures,
        reason: b.reason,
        openedAt: b.openedAt ? new Date(b.openedAt).toISOString() : undefined,
      },
      stop: { stopped: this.stopped(p), by: s.by, since: s.since, policy: p.policy.emergencyStop && !s.stopped },
      deploys,
      rollbacks,
    };
  }

  private async writeDashboard(): Promise<void> {
    await this.withLock("dashboard", async () => {
      const body = renderDashboard(await this.dashboardData());
      if (this.store.key("dashboard:body") === body) return;
      const gh = await this.client();
      let number = Number(this.store.key("dashboard:issue") ?? 0);
      if (!number) {
        const found = await gh.findOwnIssue(DASHBOARD_MARKER);
        number = found ? found.number : (await gh.createIssue(DASHBOARD_TITLE, body, [])).number;
        this.store.setKey("dashboard:issue", String(number));
        if (!found) {
          this.store.setKey("dashboard:body", body);
          return;
        }
      }
      await gh.updateIssue(number, { body });
      this.store.setKey("dashboard:body", body);
    });
  }
}
