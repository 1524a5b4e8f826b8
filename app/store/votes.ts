// Community votes on a change: one per voter (a voter who changes their mind replaces theirs).
// Voters are kept as keyed hashes (personal.ts), never as their Discord ids.
import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { Row } from "./database.ts";

export type VoteValue = "up" | "down";

export class Votes {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #hash: (value: string) => string;

  constructor(db: DatabaseSync, now: () => number, hash: (value: string) => string) {
    this.#db = db;
    this.#now = now;
    this.#hash = hash;
  }

  cast(changeId: string, voter: string, vote: VoteValue): void {
    this.#db
      .prepare(
        "INSERT INTO votes (change_id, voter, vote, at) VALUES (?, ?, ?, ?) ON CONFLICT(change_id, voter) DO UPDATE SET vote = excluded.vote, at = excluded.at",
      )
      .run(changeId, this.#hash(voter), vote, this.#now());
  }

  /** The voter's votes still count, but no longer lead to them (/forget); returns how many. */
  forget(voter: string): number {
    const rows = this.#db.prepare("SELECT change_id FROM votes WHERE voter = ?").all(this.#hash(voter)) as Row[];
    for (const r of rows)
      this.#db
        .prepare("UPDATE votes SET voter = ? WHERE change_id = ? AND voter = ?")
        .run(`erased:${randomUUID()}`, String(r.change_id), this.#hash(voter));
    return rows.length;
  }

  count(changeId: string): { up: number; down: number } {
    const rows = this.#db.prepare("SELECT vote, COUNT(*) AS n FROM votes WHERE change_id = ? GROUP BY vote").all(changeId) as Row[];
    const n = (v: string) => Number(rows.find((r) => r.vote === v)?.n ?? 0);
    return { up: n("up"), down: n("down") };
  }
}
