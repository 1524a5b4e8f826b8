// What /healthz tells, found out rather than assumed: the store is probed with a real write
// (a heartbeat row in a transaction, store.ts) every `probeMs`, and the worker is stuck when a
// pass has run for `workerStuckMs` with no change moving. Either makes /healthz answer 503
// with the reasons in plain words; so does an emergency stop held only in memory. When the
// store can be written again (or for the first time since the start), `onWritable` runs:
// start.ts resumes the work, writes what was kept and asks GitHub to redeliver what failed.
import type { AppContext } from "./context.ts";

export interface HealthOptions {
  /** How often the store is probed with a real write (ms; default 5 s). */
  probeMs: number;
  /**
   * A worker pass that has run this long with no change moving is stuck (ms; default 2 h:
   * an agent run may take up to 1 h and its checks up to 15 min).
   */
  workerStuckMs: number;
}

export const DEFAULT_HEALTH: HealthOptions = { probeMs: 5_000, workerStuckMs: 2 * 3_600_000 };

/** The body of /healthz. */
export interface HealthReport {
  ok: boolean;
  /** Why it is not ok, in plain words (empty when ok). */
  reasons: string[];
  store: { writable: boolean; reason?: string; notPersisted: string[] };
  worker: { runningForMs: number | null; stuck: boolean };
}

/** A failed probe is asked again at most this often when a request wants to write. */
const REPROBE_MS = 250;

export class Health {
  readonly #ctx: AppContext;
  readonly #opts: HealthOptions;
  readonly #onWritable: () => void;
  /** As the last probe found (null before the first). */
  #writable: boolean | null = null;
  #probedAt = 0;
  #movedAt = Date.now();
  #stuck = false;
  #timer: NodeJS.Timeout | undefined;
  #off: (() => void) | undefined;
  #stopped = false;

  constructor(ctx: AppContext, opts: HealthOptions, onWritable: () => void) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.#onWritable = onWritable;
  }

  /** Probes now, then every probeMs; returns whether the store can be written now. */
  start(): boolean {
    this.#off = this.#ctx.events.on("progress", () => {
      this.#movedAt = Date.now();
    });
    const writable = this.probe();
    this.#timer = setInterval(() => {
      this.probe();
      this.#checkWorker();
    }, this.#opts.probeMs);
    this.#timer.unref();
    return writable;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#off?.();
  }

  get probeMs(): number {
    return this.#opts.probeMs;
  }

  /** Probes the store now (a real write); returns whether it can be written. */
  probe(): boolean {
    const { store, log } = this.#ctx;
    if (this.#stopped) return false; // closing: the store is (about to be) closed
    const reason = store.probe();
    this.#probedAt = Date.now();
    const was = this.#writable;
    this.#writable = reason === null;
    if (reason !== null && was !== false)
      log.error(
        `${reason}. /healthz answers 503; webhooks and bot requests that write are refused with 503 until it can be written (failed webhooks are redelivered then)`,
      );
    if (reason === null && was !== true) {
      if (was === false) log.warn("the store can be written again");
      this.#onWritable();
    }
    return this.#writable;
  }

  /**
   * Whether the store can be written. After a failed probe, asks again (at most every 250 ms),
   * so a request does not wait for the next timer to find the store writable again.
   */
  storeWritable(): boolean {
    if (this.#writable && this.#ctx.store.unwritable === null) return true;
    if (Date.now() - this.#probedAt < REPROBE_MS) return false;
    return this.probe();
  }

  report(): HealthReport {
    const { store } = this.#ctx;
    const reasons: string[] = [];
    const unwritable = store.unwritable;
    if (unwritable) reasons.push(unwritable);
    const notPersisted = store.kept;
    if (notPersisted.length > 0) reasons.push(`in force but not yet persisted (a restart now would lose it): ${notPersisted.join("; ")}`);
    const worker = this.#checkWorker();
    if (worker.stuck)
      reasons.push(
        `the worker has run for ${minutes(worker.runningForMs!)} with no change moving (limit ${minutes(this.#opts.workerStuckMs)}): it looks stuck`,
      );
    return {
      ok: reasons.length === 0,
      reasons,
      store: { writable: !unwritable, ...(unwritable ? { reason: unwritable } : {}), notPersisted },
      worker,
    };
  }

  #checkWorker(): HealthReport["worker"] {
    const since = this.#ctx.background.runningSince("worker");
    const now = Date.now();
    const runningForMs = since === null ? null : now - since;
    const stuck = since !== null && now - Math.max(since, this.#movedAt) > this.#opts.workerStuckMs;
    if (stuck && !this.#stuck)
      this.#ctx.log.error(`the worker has run for ${minutes(runningForMs!)} with no change moving: it looks stuck; /healthz answers 503`);
    this.#stuck = stuck;
    return { runningForMs, stuck };
  }
}

const minutes = (ms: number): string => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);
