// Progress events for the bot's stream, numbered in order: the stream sends new ones as they
// happen and replays from any sequence number the bot last saw (SSE Last-Event-ID).
import type { Db } from "../../contract/storage/engine.ts";
import { progressEventSchema } from "../../contract/app-link.ts";
import type { ProgressEvent } from "../../contract/app-link.ts";
import type { Row } from "./database.ts";

export interface NumberedProgress {
  seq: number;
  event: ProgressEvent;
}

export class ProgressEvents {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Stores the event; returns its sequence number. */
  append(event: ProgressEvent): number {
    const r = this.#db
      .prepare("INSERT INTO progress (change_id, json) VALUES (?, ?) RETURNING seq")
      .get(event.changeId, JSON.stringify(event));
    return Number(r?.seq);
  }

  /** The last sequence number stored (0 when none). */
  latest(): number {
    const r = this.#db.prepare("SELECT MAX(seq) AS seq FROM progress").get() as Row | undefined;
    return Number(r?.seq ?? 0);
  }

  /**
   * Every row after `seq`, oldest first: its event, or null for a row that no longer matches
   * the protocol (so a reader that follows the numbers in order sees no false gap).
   */
  rowsAfter(seq: number, limit = 1000): { seq: number; event: ProgressEvent | null }[] {
    const rows = this.#db.prepare("SELECT seq, json FROM progress WHERE seq > ? ORDER BY seq LIMIT ?").all(seq, limit) as Row[];
    return rows.map((r) => ({ seq: Number(r.seq), event: parsed(String(r.json)) }));
  }

  /** Events after `seq`, oldest first (a row that no longer matches the protocol is skipped). */
  after(seq: number, limit = 1000): NumberedProgress[] {
    return this.rowsAfter(seq, limit).flatMap((r) => (r.event ? [{ seq: r.seq, event: r.event }] : []));
  }
}

function parsed(json: string): ProgressEvent | null {
  try {
    const p = progressEventSchema.safeParse(JSON.parse(json));
    return p.success ? p.data : null;
  } catch {
    return null;
  }
}
