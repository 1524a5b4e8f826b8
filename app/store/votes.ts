// Community votes on a change: one per voter (a voter who changes their mind replaces theirs).
import type { DatabaseSync } from "node:sqlite";
import type { Row } from "./database.ts";

export type VoteValue = "up" | "down";

export class Votes {
  readonly #db: DatabaseSync;
  readonly #now: () => number;

  constructor(db: DatabaseSync, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  cast(changeId: string, voter: string, vote: VoteValue): void {
    this.#db
      .prepare(
        "INSERT INTO votes (change_id, voter, vote, at) VALUES (?, ?, ?, ?) ON CONFLICT(change_id, voter) DO UPDATE SET vote = excluded.vote, at = excluded.at",
      )
      .run(changeId, voter, vote, this.#now());
  }

  count(changeId: string): { up: number; down: number } {
    const rows = this.#db.prepare("SELECT vote, COUNT(*) AS n FROM votes WHERE change_id = ? GROUP BY vote").all(changeId) as Row[];
    const n = (v: string) => Number(rows.find((r) => r.vote === v)?.n ?? 0);
    return { up: n("up"), down: n("down") };
  }
}
