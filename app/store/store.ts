// The app's memory: one sqlite database under the data directory (database.ts) and one
// repository per table, each with functions named for what the flows ask of it — changes,
// their audit trail, progress events for the bot's stream, webhook deliveries, natural keys
// of side effects, persisted switch values and votes.
//
// Whether the store can be written is found out by writing (probe(): the heartbeat row, in a
// transaction), never guessed. SQLite keeps a connection it opened on a read-only file
// read-only, so a failed probe reopens the connection; every repository holds `db`, which
// always forwards to the current connection. A store that cannot be opened for writing still
// starts (reads may work): the probe says why, and reopens until it can.
import { DatabaseSync } from "node:sqlite";
import { Audit } from "./audit.ts";
import { Changes } from "./changes.ts";
import { databaseFile, describeStoreError, inTransaction, isUnwritable, openDatabase } from "./database.ts";
import { Deliveries } from "./deliveries.ts";
import { NaturalKeys } from "./natural-keys.ts";
import { PersistedValues } from "./persisted-values.ts";
import { ProgressEvents } from "./progress-events.ts";
import { Votes } from "./votes.ts";

/** A write that could not be done yet, kept in memory until the store can be written. */
interface KeptWrite {
  what: string;
  write: () => void;
}

export class Store {
  /** The current connection, whichever it is (see forwarding()). */
  readonly db: DatabaseSync;
  readonly changes: Changes;
  readonly audit: Audit;
  readonly progress: ProgressEvents;
  readonly deliveries: Deliveries;
  readonly keys: NaturalKeys;
  readonly values: PersistedValues;
  readonly votes: Votes;
  readonly #dataDir: string;
  readonly #now: () => number;
  #conn: DatabaseSync;
  #closed = false;
  #unwritable: string | null = null;
  readonly #kept: KeptWrite[] = [];

  constructor(dataDir: string, now: () => number = Date.now) {
    this.#dataDir = dataDir;
    this.#now = now;
    this.#conn = this.#open();
    this.db = forwarding(() => this.#conn);
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

  /** Why the store cannot be written, as the last probe or kept write found (null: it can). */
  get unwritable(): string | null {
    return this.#unwritable;
  }

  /** What is held in memory until the store can be written (a restart now would lose it). */
  get kept(): string[] {
    return this.#kept.map((k) => k.what);
  }

  /**
   * Writes the heartbeat row in a transaction. If that fails, reopens the connection and tries
   * once more; once it succeeds, writes what was kept in memory, in order. Returns why the store
   * cannot be written, or null when it can.
   */
  probe(): string | null {
    if (this.#closed) return "the store is closed";
    try {
      this.#heartbeat();
    } catch {
      this.#reopen();
      try {
        this.#heartbeat();
      } catch (e) {
        return (this.#unwritable = `the store cannot be written: ${describeStoreError(e)}`);
      }
    }
    this.#unwritable = null;
    try {
      this.#flushKept();
    } catch (e) {
      return (this.#unwritable = `the store cannot be written: ${describeStoreError(e)}`);
    }
    return this.#unwritable;
  }

  /**
   * Runs `write` in one transaction, after whatever is still kept. When the store cannot be
   * written (isUnwritable), keeps it in memory, in order, and writes it once a probe finds the
   * store writable. Returns whether it was written now; any other error is thrown.
   */
  writeOrKeep(what: string, write: () => void): boolean {
    this.#kept.push({ what, write });
    try {
      this.#flushKept();
    } catch (e) {
      if (!isUnwritable(e)) throw e;
      this.#unwritable = `the store cannot be written: ${describeStoreError(e)}`;
    }
    return this.#kept.length === 0;
  }

  close(): void {
    this.#closed = true;
    if (this.#conn.isOpen) this.#conn.close();
  }

  /** Writes kept writes, oldest first; stops at the first that cannot be written (and throws its error). */
  #flushKept(): void {
    while (this.#kept.length > 0) {
      const next = this.#kept[0];
      try {
        this.tx(next.write);
      } catch (e) {
        if (!isUnwritable(e)) this.#kept.shift(); // a wrong write is not retried forever: its caller hears of it
        throw e;
      }
      this.#kept.shift();
    }
  }

  /** One row in the probe's own tiny table (made here, so it never shifts the migrations). */
  #heartbeat(): void {
    this.tx(() => {
      this.db.exec("CREATE TABLE IF NOT EXISTS heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)");
      this.db.prepare("INSERT INTO heartbeat (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at").run(this.#now());
    });
  }

  /** A connection with the schema up to date; if the file cannot be written, one as it is. */
  #open(): DatabaseSync {
    try {
      return openDatabase(this.#dataDir);
    } catch (e) {
      if (!isUnwritable(e)) throw e;
      this.#unwritable = `the store cannot be written: ${describeStoreError(e)}`;
      return new DatabaseSync(databaseFile(this.#dataDir));
    }
  }

  /** A fresh connection replaces the current one (when the fresh one can be opened at all). */
  #reopen(): void {
    let fresh: DatabaseSync;
    try {
      fresh = openDatabase(this.#dataDir);
    } catch {
      return; // still not writable: the probe says why
    }
    const old = this.#conn;
    this.#conn = fresh;
    try {
      if (old.isOpen) old.close();
    } catch {
      // a connection on a file that went away or read-only: nothing to keep from it
    }
  }
}

/**
 * A DatabaseSync that forwards every property and method to the connection `current()`
 * returns at the time of the call, so the repositories keep one object across a reopen.
 * (Statements are prepared and run at once everywhere, never kept across a reopen.)
 */
function forwarding(current: () => DatabaseSync): DatabaseSync {
  return new Proxy(Object.create(DatabaseSync.prototype) as DatabaseSync, {
    get(_target, key) {
      const db = current();
      const value: unknown = Reflect.get(db, key, db);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(db) : value;
    },
  });
}
