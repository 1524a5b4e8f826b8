// The worker: starts queued changes that the switches allow, one at a time, oldest first
// (reverts first, and never held). It reacts to events — a change queued, a PR merged or
// closed, a reconcile pass ended — and starts a queued revert at once. What holds a change
// (emergency stop, circuit breaker, quotas) is written on it as its reason. A change from the
// bot whose answer has not been written yet is not started (lifecycle/answers.ts), and no
// change starts without its tracking issue (made now if a crash kept intake from it).
//
// Replicas on one database each run a worker. Admission (the quotas, the switches, the pick)
// happens under one lock shared by all of them, and a change is taken only if its own lock
// can be taken at once (a change another replica is writing is skipped, never waited for);
// the change's lock is held until its pull request is open (replicas/takeover.ts re-queues
// one whose holder died). So each queued change is written once, by one replica.
import type { AppContext } from "./context.ts";
import { ensureTrackingIssue } from "./lifecycle/intake.ts";
import { gate } from "./lifecycle/review.ts";
import { claimQueued, startChange, writeClaimed } from "./lifecycle/write-change.ts";
import { move } from "./progress/report.ts";
import type { ChangeRow } from "./store/changes.ts";
import { breakerNow } from "./switches/circuit-breaker.ts";
import { isStopped } from "./switches/emergency-stop.ts";
import { mayStart } from "./switches/rate-limit.ts";

/** The lock every replica's worker takes to decide what starts next. */
const ADMISSION = "worker:admission";

export class Worker {
  readonly #ctx: AppContext;
  #pumping = false;
  #pumpAgain = false;
  #stopped = false;
  #unsubscribe: (() => void)[] = [];

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  /**
   * Subscribes to the events after which queued work may start. With `replicas`, also to every
   * replica's progress (a change queued, or a PR slot freed, by another one: the feed).
   */
  start(opts: { replicas?: boolean } = {}): void {
    const { events } = this.#ctx;
    const kick = () => this.kick();
    this.#unsubscribe = [
      ...(opts.replicas ? [events.on("progress-feed", kick)] : []),
      events.on("queued", kick),
      events.on("merged", kick),
      events.on("pr-closed", kick),
      events.on("reconciled", kick),
      events.on("revert-queued", ({ changeId }) => startChange(this.#ctx, changeId)),
    ];
  }

  /** Starts nothing new; the change being written finishes (or is resumed after a restart). */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Looks for queued work now (again after the current pass, if one is running). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    this.#ctx.background.track(
      this.#pump().finally(() => (this.#pumping = false)),
      "worker",
    );
  }

  async #pump(): Promise<void> {
    const ctx = this.#ctx;
    do {
      this.#pumpAgain = false;
      for (;;) {
        if (this.#stopped) return;
        // Nothing waiting: no need to ask the other replicas for the admission lock.
        if (!ctx.store.changes.anyAnsweredQueued()) break;
        const claimed = await ctx.locks.withLock(ADMISSION, () => this.#admitNext());
        if (!claimed) break;
        let opened: boolean;
        try {
          opened = await writeClaimed(ctx, claimed.change);
        } finally {
          claimed.release();
        }
        if (opened) await gate(ctx, claimed.change.id, ctx.log.child({ changeId: claimed.change.id }));
      }
    } while (this.#pumpAgain);
  }

  /** The next change this worker may start, claimed (working, its lock held), or null. */
  async #admitNext(): Promise<{ change: ChangeRow; release: () => void } | null> {
    const ctx = this.#ctx;
    for (const id of await this.#runnable()) {
      // Held here: a handler's short step (it may be the one that queued it): wait for it.
      // Held by another replica: skipped, never waited for (it may be writing it).
      const release = ctx.locks.heldHere(id) ? await ctx.locks.acquire(id) : ctx.locks.tryAcquire(id);
      if (!release) continue;
      try {
        const c = ctx.store.changes.byId(id);
        if (c?.state === "queued" && c.answeredAt !== null) {
          if (c.kind === "change") await ensureTrackingIssue(ctx, c); // so that its PR says `Closes #N`
          const change = await claimQueued(ctx, id);
          if (change) return { change, release };
        }
      } catch (e) {
        release();
        throw e;
      }
      release();
    }
    return null;
  }

  /** The queued changes that may start now, in the order to try them (none while a switch or quota holds them). */
  async #runnable(): Promise<string[]> {
    const ctx = this.#ctx;
    const { changes } = ctx.store;
    const queued = changes.inStates(["queued"]).filter((c) => c.answeredAt !== null);
    if (queued.length === 0) return [];
    const reverts = queued.filter((c) => c.kind === "revert");
    if (reverts.length > 0) return reverts.map((c) => c.id); // reverts reduce risk: no quota, switch or breaker holds them
    const p = await ctx.policy();
    const held = (reason: string) => this.#holdQueued(queued, reason);
    if (isStopped(ctx, p)) return held("emergency stop: no new pull requests until /ouro resume");
    const b = breakerNow(ctx, p.policy.circuitBreaker);
    if (b.state === "open") return held("circuit breaker open: no new pull requests for now");
    // Being written counts as open: another replica's change becomes a PR in a moment.
    const open = changes.countOpenPrs() + changes.count("working", "change");
    // Half-open is probation: one change at a time until enough of them succeed.
    if (b.state === "half-open" && open > 0) return held("circuit breaker half-open: one change at a time");
    const windowStart = ctx.now() - p.policy.rateLimits.burst.windowSeconds * 1000;
    const ok = mayStart(open, changes.startsSince(windowStart), ctx.now(), p.policy.rateLimits);
    if (!ok.ok) return held(ok.reason);
    return queued.map((c) => c.id);
  }

  /** Writes why on every queued change (once per reason); starts none. */
  async #holdQueued(queued: ChangeRow[], reason: string): Promise<string[]> {
    const ctx = this.#ctx;
    for (const c of queued) {
      if (c.reason === reason) continue;
      await ctx.locks.withLock(c.id, async () => {
        const cur = ctx.store.changes.byId(c.id);
        if (cur?.state === "queued") await move(ctx, cur, "queued", reason);
      });
    }
    return [];
  }
}
