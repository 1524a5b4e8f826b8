// Community votes on a change: one per voter (a voter who changes their mind replaces theirs).
// A change's vote opens once, when its pull request opens (the time is kept in the `keys`
// table as `votes-open:<id>`), and is settled once when its window ends (`votes-closed:<id>`).
// Voters are kept as keyed hashes (personal.ts), never as their Discord ids.
import { randomUUID } from "node:crypto";
import type { Db } from "../../contract/storage/engine.ts";
import type { Row } from "./database.ts";

export type VoteValue = "up" | "down";

export class Votes {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #hash: (value: string) => string;

  constructor(db: Db, now: () => number, hash: (value: string) => string) {
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

  /** The tally; with `before`, only votes cast before that time (ms) count. */
  count(changeId: string, before?: number): { up: number; down: number } {
    const rows = this.#db
      .prepare("SELECT vote, COUNT(*) AS n FROM votes WHERE change_id = ? AND at < ? GROUP BY vote")
      .all(changeId, before ?? Number.MAX_SAFE_INTEGER) as Row[];
    const n = (v: string) => Number(rows.find((r) => r.vote === v)?.n ?? 0);
    return { up: n("up"), down: n("down") };
  }

  /** When the change's vote opened (ms), opening it now if it was not open yet. */
  open(changeId: string): number {
    this.#db
      .prepare("INSERT INTO keys (key, value, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
      .run(`votes-open:${changeId}`, String(this.#now()), this.#now());
    return this.openedAt(changeId)!;
  }

  /** When the change's vote opened (ms), or null if it never did. */
  openedAt(changeId: string): number | null {
    const r = this.#db.prepare("SELECT value FROM keys WHERE key = ?").get(`votes-open:${changeId}`) as Row | undefined;
    return r ? Number(r.value) : null;
  }

  /** How the end of the change's vote was reported ("passed" | "failed"), or null if not yet. */
  closedAs(changeId: string): string | null {
    const r = this.#db.prepare("SELECT value FROM keys WHERE key = ?").get(`votes-closed:${changeId}`) as Row | undefined;
    return r ? String(r.value) : null;
  }
  markClosed(changeId: string, result: "passed" | "failed"): void {
    this.#db
      .prepare("INSERT INTO keys (key, value, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
      .run(`votes-closed:${changeId}`, result, this.#now());
  }
}
