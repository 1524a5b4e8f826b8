// The worker: starts queued changes that the switches allow, one at a time, oldest first
// (reverts first, and never held). It reacts to events — a change queued, a PR merged or
// closed, a reconcile pass ended — and starts a queued revert at once. What holds a change
// (emergency stop, circuit breaker, quotas) is written on it as its reason. A change from the
// bot whose answer has not been written yet is not started (lifecycle/answers.ts), and no
// change starts without its tracking issue (made now if a crash kept intake from it).
import type { AppContext } from "./context.ts";
import { trackingIssue } from "./lifecycle/intake.ts";
import { startChange } from "./lifecycle/write-change.ts";
import { move } from "./progress/report.ts";
import type { ChangeRow } from "./store/changes.ts";
import { breakerNow } from "./switches/circuit-breaker.ts";
import { isStopped } from "./switches/emergency-stop.ts";
import { mayStart } from "./switches/rate-limit.ts";

export class Worker {
  readonly #ctx: AppContext;
  #pumping = false;
  #pumpAgain = false;
  #stopped = false;
  #unsubscribe: (() => void)[] = [];

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  /** Subscribes to the events after which queued work may start. */
  start(): void {
    const { events } = this.#ctx;
    const kick = () => this.kick();
    this.#unsubscribe = [
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
    do {
      this.#pumpAgain = false;
      for (;;) {
        if (this.#stopped) return;
        const next = await this.#nextRunnable();
        if (!next) break;
        await trackingIssue(this.#ctx, next); // so that its PR says `Closes #N`
        await startChange(this.#ctx, next);
      }
    } while (this.#pumpAgain);
  }

  async #nextRunnable(): Promise<string | null> {
    const ctx = this.#ctx;
    const { changes } = ctx.store;
    const queued = changes.inStates(["queued"]).filter((c) => c.answeredAt !== null);
    if (queued.length === 0) return null;
    const revert = queued.find((c) => c.kind === "revert");
    if (revert) return revert.id; // reverts reduce risk: no quota, switch or breaker holds them
    const p = await ctx.policy();
    const held = (reason: string) => this.#holdQueued(queued, reason);
    if (isStopped(ctx, p)) return held("emergency stop: no new pull requests until /ouro resume");
    const b = breakerNow(ctx, p.policy.circuitBreaker);
    if (b.state === "open") return held("circuit breaker open: no new pull requests for now");
    // Half-open is probation: one change at a time until enough of them succeed.
    if (b.state === "half-open" && changes.countOpenPrs() > 0) return held("circuit breaker half-open: one change at a time");
    const windowStart = ctx.now() - p.policy.rateLimits.burst.windowSeconds * 1000;
    const ok = mayStart(changes.countOpenPrs(), changes.startsSince(windowStart), ctx.now(), p.policy.rateLimits);
    if (!ok.ok) return held(ok.reason);
    return queued[0].id;
  }

  /** Writes why on every queued change (once per reason); starts none. */
  async #holdQueued(queued: ChangeRow[], reason: string): Promise<null> {
    const ctx = this.#ctx;
    for (const c of queued) {
      if (c.reason === reason) continue;
      await ctx.locks.withLock(c.id, async () => {
        const cur = ctx.store.changes.byId(c.id);
        if (cur?.state === "queued") await move(ctx, cur, "queued", reason);
      });
    }
    return null;
  }
}
