// Two things every part of the app shares: per-key locks (one piece of work at a time on a
// change id, "dashboard", a request id, …) and the background work in flight (the worker,
// the dashboard, event listeners), which tests and shutdown wait for and whose failures are
// logged instead of lost, and what /healthz asks of it (how long each kind has been running).
import type { Logger } from "pino";

export class Locks {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs fn after every earlier fn on the same key has finished (whether or not it failed). */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

export class BackgroundWork {
  readonly #inflight = new Set<Promise<unknown>>();
  /** What each piece of work in flight is, and since when (Date.now()). */
  readonly #started = new Map<Promise<unknown>, { what: string; at: number }>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Keeps `p` until it settles; a failure is logged as `background <what> failed`. */
  track(p: Promise<unknown>, what: string): void {
    const t = p.catch((e: unknown) => this.#log.error({ err: e }, `background ${what} failed`));
    this.#inflight.add(t);
    this.#started.set(t, { what, at: Date.now() });
    void t.finally(() => {
      this.#inflight.delete(t);
      this.#started.delete(t);
    });
  }

  /** When the oldest work called `what` still running started (Date.now() time), or null. */
  runningSince(what: string): number | null {
    let oldest: number | null = null;
    for (const s of this.#started.values()) if (s.what === what && (oldest === null || s.at < oldest)) oldest = s.at;
    return oldest;
  }

  /** Resolves once no background work is running (work started meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }
}
