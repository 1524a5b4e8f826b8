// Where the app's event stream resumes after a restart (its last event id), written to the
// memory at most once per interval instead of once per event: every shard hears every event,
// and each write is a round trip to the database on PostgreSQL. A restart then resumes from a
// position at most one interval old: the events since are sent again (never lost), and the
// progress board skips those it has already shown (bot/progress/board.ts).
import type { Memory } from "../memory/store.ts";

/** How often, at most, the stream's position is written while events arrive. */
export const POSITION_EVERY_MS = 1000;

export interface StreamPosition {
  /** The stored position (where the stream resumes). */
  readonly stored: string | undefined;
  /** The stream got to `id`: stored now, or within POSITION_EVERY_MS. */
  advance(id: string): void;
  /** Stores the newest position at once (on stop). */
  flush(): void;
}

export function streamPosition(memory: Memory, key: string, everyMs = POSITION_EVERY_MS): StreamPosition {
  const stored = memory.meta(key);
  let pending: string | undefined;
  let lastWrite = 0;
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending === undefined) return;
    memory.setMeta(key, pending);
    pending = undefined;
    lastWrite = Date.now();
  };
  return {
    stored,
    advance(id) {
      pending = id;
      if (Date.now() - lastWrite >= everyMs) write();
      else timer ??= setTimeout(write, everyMs - (Date.now() - lastWrite)).unref();
    },
    flush: write,
  };
}
