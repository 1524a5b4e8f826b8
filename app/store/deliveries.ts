// Webhook deliveries already processed, by GitHub's `x-github-delivery` id: a redelivery is
// acknowledged and ignored. A delivery is recorded once its handler has finished, so one
// whose handler failed or was cut short by a crash runs again when it is redelivered.
import type { Db } from "../../contract/storage/engine.ts";

export class Deliveries {
  readonly #db: Db;
  readonly #now: () => number;

  constructor(db: Db, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  processed(id: string): boolean {
    return this.#db.prepare("SELECT 1 FROM deliveries WHERE id = ?").get(id) !== undefined;
  }

  /** Records a delivery id; false when it was already recorded (a redelivery). */
  claim(id: string, event: string): boolean {
    const r = this.#db
      .prepare("INSERT INTO deliveries (id, event, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
      .run(id, event, this.#now());
    return Number(r.changes) === 1;
  }

  release(id: string): void {
    this.#db.prepare("DELETE FROM deliveries WHERE id = ?").run(id);
  }
}
