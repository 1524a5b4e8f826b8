// Two things every part of the app shares: per-key locks (one piece of work at a time on a
// change id, "dashboard", a request id, …) and the background work in flight (the worker,
// the dashboard, event listeners), which tests and shutdown wait for and whose failures are
// logged instead of lost, and what /healthz asks of it (how long each kind has been running).
//
// With several replicas on one database, a lock is also taken there (SharedLocks:
// replicas/advisory-locks.ts), so a key is held by one process at a time across all of them.
// Inside a process the queue below orders the waiters; only its head asks the database.
import type { Logger } from "pino";

/** A lock held across processes (PostgreSQL advisory locks); taken only by the head of a key's local queue. */
export interface SharedLocks {
  /** Takes the key if no other process holds it; never waits. */
  tryLock(key: string): boolean;
  unlock(key: string): void;
  /** Whether this process's session still holds the key (a lost and re-made connection holds nothing). */
  holds(key: string): boolean;
}

/** Waits between asks while another process holds a key: short at first, then up to this. */
const MAX_RETRY_MS = 250;

export class Locks {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #shared: SharedLocks | undefined;

  constructor(shared?: SharedLocks) {
    this.#shared = shared;
  }

  /** Runs fn after every earlier fn on the same key has finished (whether or not it failed). */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Runs fn only if the key is free now (here and in every other process); otherwise does
   * nothing and returns `{ ran: false }`. For work that one replica at a time does (periodic jobs).
   */
  async tryWithLock<T>(key: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const release = this.tryAcquire(key);
    if (!release) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      release();
    }
  }

  /** Takes the key once every earlier holder here has released it and no other process holds it. */
  async acquire(key: string): Promise<() => void> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const release = this.#enqueue(key);
    await prev.catch(() => undefined);
    try {
      for (let wait = 5; this.#shared && !this.#shared.tryLock(key); wait = Math.min(wait * 2, MAX_RETRY_MS))
        await new Promise((r) => setTimeout(r, wait));
    } catch (e) {
      release(false);
      throw e;
    }
    return () => release(true);
  }

  /** The key now if nobody holds or waits for it (here or in another process); else null. */
  tryAcquire(key: string): (() => void) | null {
    if (this.#tails.has(key)) return null;
    if (this.#shared && !this.#shared.tryLock(key)) return null;
    const release = this.#enqueue(key);
    return () => release(true);
  }

  /**
   * Whether a key this process took is still its own everywhere: false once the shared
   * session that held it is gone (then another replica may have taken the work over).
   */
  stillHeld(key: string): boolean {
    return this.#tails.has(key) && (!this.#shared || this.#shared.holds(key));
  }

  /** Whether this process holds or waits for the key. */
  heldHere(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Puts a holder at the end of the key's queue; its release lets the next one go (once). */
  #enqueue(key: string): (sharedHeld: boolean) => void {
    let done!: () => void;
    const tail = new Promise<void>((r) => (done = r));
    this.#tails.set(key, tail);
    let released = false;
    const release = (sharedHeld: boolean) => {
      if (released) return;
      released = true;
      try {
        if (sharedHeld) this.#shared?.unlock(key);
      } finally {
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
        done();
      }
    };
    return release;
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
