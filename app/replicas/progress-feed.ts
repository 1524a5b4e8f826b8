// The progress every stream serves (the bot's /events, the console's live page), read from the
// progress table in sequence order — so a replica streams the changes other replicas move as
// well as its own, and a stream never sees a number before a lower one (which it would then
// drop: the bot resumes from the highest number it saw). It reads when this process stored
// an event and, with replicas (PostgreSQL), every `followMs` for theirs. A missing number is a
// row still being written in another session, or one never written (a rolled-back insert):
// it is waited for up to GAP_MS, then passed over.
import type { AppContext } from "../context.ts";

/** How long a missing sequence number holds back the ones after it. */
export const GAP_MS = 1000;

export class ProgressFeed {
  readonly #ctx: AppContext;
  readonly #followMs: number | null;
  /** Null until the store could first be read (then: its latest number, nothing older is fed). */
  #cursor: number | null = null;
  #gapSince: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #gapTimer: NodeJS.Timeout | undefined;
  #soon = false;
  #off: (() => void) | undefined;
  #stopped = false;

  /** `followMs`: how often to look for other replicas' events (null: only this process writes). */
  constructor(ctx: AppContext, followMs: number | null) {
    this.#ctx = ctx;
    this.#followMs = followMs;
  }

  /** From now on: what is stored later is fed, in order (nothing older is replayed). */
  start(): void {
    this.#read();
    this.#off = this.#ctx.events.on("progress", () => this.#readSoon());
    if (this.#followMs !== null) {
      this.#timer = setInterval(() => this.#read(), this.#followMs);
      this.#timer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#off?.();
    clearInterval(this.#timer);
    clearTimeout(this.#gapTimer);
  }

  /** One read after the events emitted in this turn (one read for a burst). */
  #readSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setImmediate(() => {
      this.#soon = false;
      this.#read();
    });
  }

  #read(): void {
    if (this.#stopped) return;
    const ctx = this.#ctx;
    let rows;
    try {
      if (this.#cursor === null) {
        this.#cursor = ctx.store.progress.latest();
        return;
      }
      rows = ctx.store.progress.rowsAfter(this.#cursor);
    } catch (e) {
      ctx.log.warn({ err: e }, "could not read progress events now; reading again at the next event");
      return;
    }
    for (const r of rows) {
      if (r.seq !== this.#cursor + 1) {
        this.#gapSince ??= Date.now();
        const waited = Date.now() - this.#gapSince;
        if (waited < GAP_MS) {
          clearTimeout(this.#gapTimer);
          this.#gapTimer = setTimeout(() => this.#read(), GAP_MS - waited);
          this.#gapTimer.unref();
          return;
        }
      }
      this.#gapSince = null;
      this.#cursor = r.seq;
      if (r.event) void ctx.events.emit("progress-feed", { seq: r.seq, event: r.event });
    }
    if (rows.length === 1000) this.#readSoon(); // more than one page behind
  }
}
