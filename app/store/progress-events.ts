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

  /** Events after `seq`, oldest first (a row that no longer matches the protocol is skipped). */
  after(seq: number, limit = 1000): NumberedProgress[] {
    const rows = this.#db.prepare("SELECT seq, json FROM progress WHERE seq > ? ORDER BY seq LIMIT ?").all(seq, limit) as Row[];
    return rows.flatMap((r) => {
      try {
        const p = progressEventSchema.safeParse(JSON.parse(String(r.json)));
        return p.success ? [{ seq: Number(r.seq), event: p.data }] : [];
      } catch {
        return [];
      }
    });
  }
}
