// The app's memory: one sqlite database under the data directory (database.ts) and one
// repository per table, each with functions named for what the flows ask of it — changes,
// their audit trail, progress events for the bot's stream, webhook deliveries, natural keys
// of side effects, persisted switch values and votes.
import type { DatabaseSync } from "node:sqlite";
import { Audit } from "./audit.ts";
import { Changes } from "./changes.ts";
import { inTransaction, openDatabase } from "./database.ts";
import { Deliveries } from "./deliveries.ts";
import { NaturalKeys } from "./natural-keys.ts";
import { PersistedValues } from "./persisted-values.ts";
import { ProgressEvents } from "./progress-events.ts";
import { Votes } from "./votes.ts";

export class Store {
  readonly db: DatabaseSync;
  readonly changes: Changes;
  readonly audit: Audit;
  readonly progress: ProgressEvents;
  readonly deliveries: Deliveries;
  readonly keys: NaturalKeys;
  readonly values: PersistedValues;
  readonly votes: Votes;

  constructor(dataDir: string, now: () => number = Date.now) {
    this.db = openDatabase(dataDir);
    this.changes = new Changes(this.db, now);
    this.audit = new Audit(this.db, now);
    this.progress = new ProgressEvents(this.db);
    this.deliveries = new Deliveries(this.db, now);
    this.keys = new NaturalKeys(this.db, now);
    this.values = new PersistedValues(this.db);
    this.votes = new Votes(this.db, now);
  }

  /** Runs fn in one transaction: all of its writes happen, or none. */
  tx<T>(fn: () => T): T {
    return inTransaction(this.db, fn);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
