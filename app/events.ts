// What happened, told to whoever reacts: flows emit (a change was queued, a PR merged or
// closed, the emergency stop switched, progress stored, …) and the parts that react subscribe
// when the app starts (worker.ts starts queued work, progress/dashboard.ts rewrites the
// dashboard, lifecycle/reconcile.ts reconciles after a resume, the bot API streams progress).
// Flows never call those parts, so there is no import cycle and no hook set after construction.
//
// Nothing is lost: events emitted before open() (while the app is still wiring its parts)
// are held and delivered in order on open(); each listener runs as tracked background work,
// so a failure is logged and idle() waits for it; emit() resolves once every listener settled.
import type { ProgressEvent } from "../contract/app-link.ts";
import type { BackgroundWork } from "./locks.ts";

type Nothing = Record<string, never>;

export interface AppEventMap {
  /** A change was stored as queued, or queued again (a retry, a follow-up): work may start. */
  queued: { changeId: string };
  /** A revert was queued: it starts now, ahead of everything (the emitter waits for its PR). */
  "revert-queued": { changeId: string };
  /** A merge was recorded and its deployment made: a PR slot is free. */
  merged: { changeId: string };
  /** An Ouro PR was closed without merging: a PR slot is free. */
  "pr-closed": { changeId: string };
  /** A reconcile pass ended: work held by quotas or the breaker may start now. */
  reconciled: Nothing;
  /** The emergency stop was set or lifted. */
  "switches-changed": { stopped: boolean };
  /** A change's progress was stored and shown on GitHub (sticky comments). */
  reported: { changeId: string };
  /** A change went live (the deploy hook reported success). */
  deployed: { changeId: string };
  /** The work interrupted by a restart was picked up again. */
  resumed: Nothing;
  /** A progress event was stored here with this sequence number (emitted as soon as stored, in any order). */
  progress: { seq: number; event: ProgressEvent };
  /** Progress stored by any replica, in sequence order (replicas/progress-feed.ts): what streams serve. */
  "progress-feed": { seq: number; event: ProgressEvent };
}

export type AppEventName = keyof AppEventMap;
export type Listener<K extends AppEventName> = (payload: AppEventMap[K]) => unknown;
/** Any listener, as stored: each is only ever called with its own event's payload. */
type StoredListener = (payload: never) => unknown;

interface Held {
  name: AppEventName;
  payload: unknown;
  delivered: (done: Promise<void>) => void;
}

export class AppEvents {
  readonly #listeners = new Map<AppEventName, Set<StoredListener>>();
  readonly #background: BackgroundWork;
  /** Events emitted before open(); null once open. */
  #held: Held[] | null = [];

  constructor(background: BackgroundWork) {
    this.#background = background;
  }

  /** Calls `listener` for every later `name` event; returns the function that unsubscribes. */
  on<K extends AppEventName>(name: K, listener: Listener<K>): () => void {
    const set = this.#listeners.get(name) ?? new Set<StoredListener>();
    set.add(listener);
    this.#listeners.set(name, set);
    return () => void set.delete(listener);
  }

  /** Delivers the events held so far, in order; later events go to listeners at once. */
  open(): void {
    const held = this.#held;
    if (!held) return;
    // events a listener emits meanwhile join the queue, so the order stays the order emitted
    for (let h = held.shift(); h; h = held.shift()) h.delivered(this.#deliver(h.name, h.payload as never));
    this.#held = null;
  }

  /** Tells every listener (synchronously, in subscription order); resolves when all settled. */
  emit<K extends AppEventName>(name: K, payload: AppEventMap[K]): Promise<void> {
    if (this.#held) {
      const held = this.#held;
      return new Promise<Promise<void>>((delivered) => held.push({ name, payload, delivered })).then((done) => done);
    }
    return this.#deliver(name, payload as never);
  }

  /** `payload` is `name`'s (never: no listener's parameter type has to be named here). */
  #deliver(name: AppEventName, payload: never): Promise<void> {
    const runs = [...(this.#listeners.get(name) ?? [])].map((listener) => {
      let run: Promise<unknown>;
      try {
        run = Promise.resolve(listener(payload));
      } catch (e) {
        run = Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      this.#background.track(run, `${name} listener`);
      return run;
    });
    return Promise.allSettled(runs).then(() => undefined);
  }
}
