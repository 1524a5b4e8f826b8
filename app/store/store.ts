// The app's memory: one database — SQLite under the data directory, or PostgreSQL when
// DATABASE_URL names one (database.ts) — and one repository per table, each with functions named for what the flows ask of it — changes,
// their audit trail, progress events for the bot's stream, webhook deliveries, natural keys
// of side effects, persisted switch values and votes.
//
// Whether the store can be written is found out by writing (probe(): the heartbeat row, in a
// transaction), never guessed. SQLite keeps a connection it opened on a read-only file
// read-only (and a PostgreSQL connection may be lost), so a failed probe reopens the
// connection; every repository holds `db`, which always forwards to the current connection. A
// store that cannot be opened for writing still starts (on SQLite reads may work; a PostgreSQL
// server that cannot be reached answers every call with why): the probe says why, and reopens
// until it can.
//
// Personal data is sealed at rest under the app's key (personal.ts); forget() and
// eraseExpired() erase it — a person's, or everything older than the retention window — and
// keep the audit skeleton (states, times, PR and issue numbers).
import { Audit } from "./audit.ts";
import { Changes } from "./changes.ts";
import { ConsoleSessions } from "./console-sessions.ts";
import { describeStoreError, flushWal, inTransaction, isUnwritable, openAsIs, openDatabase } from "./database.ts";
import type { StoreLocation } from "./database.ts";
import type { Db, Statement } from "../../contract/storage/engine.ts";
import { Deliveries } from "./deliveries.ts";
import { Identities } from "./identities.ts";
import { NaturalKeys } from "./natural-keys.ts";
import { PersistedValues } from "./persisted-values.ts";
import { PersonalData } from "./personal.ts";
import { ProgressEvents } from "./progress-events.ts";
import { Votes } from "./votes.ts";

/** What forget() erased. */
export interface ForgetResult {
  /** Finished changes whose personal data was erased. */
  changes: number;
  /** Changes still open, whose request is kept until they finish (forget again then). */
  open: number;
  auditEntries: number;
  votes: number;
  /** GitHub links removed. */
  links: number;
}

/** A write that could not be done yet, kept in memory until the store can be written. */
interface KeptWrite {
  what: string;
  write: () => void;
}

export class Store {
  /** The current connection, whichever it is (see forwarding()). */
  readonly db: Db;
  readonly changes: Changes;
  readonly audit: Audit;
  readonly progress: ProgressEvents;
  readonly deliveries: Deliveries;
  readonly keys: NaturalKeys;
  readonly values: PersistedValues;
  readonly votes: Votes;
  readonly identities: Identities;
  readonly consoleSessions: ConsoleSessions;
  readonly #where: StoreLocation;
  readonly #now: () => number;
  readonly #personal: PersonalData;
  #conn: Db;
  #closed = false;
  #unwritable: string | null = null;
  readonly #kept: KeptWrite[] = [];

  /**
   * `key`: the app's OURO_ENCRYPTION_KEY (32 bytes); a store written with another is refused
   * (WrongKeyError). With `databaseUrl` (DATABASE_URL, postgres://…) the store is that
   * PostgreSQL database, and nothing of it is kept in `dataDir`.
   */
  constructor(dataDir: string, key: Buffer, now: () => number = Date.now, options: { databaseUrl?: string | undefined } = {}) {
    this.#where = { dataDir, databaseUrl: options.databaseUrl };
    this.#now = now;
    this.#personal = new PersonalData(key);
    this.#conn = this.#open();
    this.db = forwarding(() => this.#conn);
    this.changes = new Changes(this.db, now, this.#personal);
    this.audit = new Audit(this.db, now, this.#personal);
    this.progress = new ProgressEvents(this.db);
    this.deliveries = new Deliveries(this.db, now);
    this.keys = new NaturalKeys(this.db, now, this.#personal);
    this.values = new PersistedValues(this.db);
    this.votes = new Votes(this.db, now, this.#personal.hash);
    this.identities = new Identities(this.db, now, this.#personal.hash);
    this.consoleSessions = new ConsoleSessions(this.db, now);
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

  /**
   * Erases what the store holds about one Discord user, in one transaction: the personal data
   * of their finished changes (text, title, names, ids, the stored request, follow-ups), the
   * personal fields of audit rows about them or their changes, their votes' link to them, and
   * their GitHub link. Their open changes keep what the work needs (counted in `open`).
   */
  forget(discordId: string): ForgetResult {
    const person = `discord:${discordId}`;
    const result = this.tx(() => {
      const { erased, open } = this.changes.eraseOf(this.#personal.hash(person), "forget");
      for (const id of erased) this.audit.record(id, "personal-data.erased", { why: "forget" });
      const auditEntries = this.audit.erase({ changeIds: erased, subjectHash: this.#personal.hash(person) });
      const votes = this.votes.forget(person);
      const links = this.identities.unlink(discordId) === null ? 0 : 1;
      return { changes: erased.length, open, auditEntries, votes, links };
    });
    flushWal(this.db); // the erased values' old pages leave the -wal file too
    return result;
  }

  /**
   * Retention: erases the personal data of finished changes last updated more than `days` ago,
   * and of audit rows about a person written before then (the skeleton stays). Returns how
   * many changes and audit rows were erased.
   */
  eraseExpired(days: number): { changes: number; auditEntries: number } {
    const cutoff = this.#now() - days * 86_400_000;
    const result = this.tx(() => {
      const erased = this.changes.eraseFinishedBefore(cutoff, "retention");
      for (const id of erased) this.audit.record(id, "personal-data.erased", { why: "retention" });
      const auditEntries = this.audit.erase({ changeIds: erased, before: new Date(cutoff).toISOString() });
      return { changes: erased.length, auditEntries };
    });
    if (result.changes > 0 || result.auditEntries > 0) flushWal(this.db);
    return result;
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
      // (PostgreSQL's migration makes it: its DDL is not something to repeat at every probe)
      if (this.db.engine === "sqlite")
        this.db.exec("CREATE TABLE IF NOT EXISTS heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)");
      this.db.prepare("INSERT INTO heartbeat (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at").run(this.#now());
    });
  }

  /** A connection with the schema up to date; if the file cannot be written, one as it is. */
  #open(): Db {
    try {
      return openDatabase(this.#where, this.#personal);
    } catch (e) {
      if (!isUnwritable(e)) throw e;
      this.#unwritable = `the store cannot be written: ${describeStoreError(e)}`;
      return this.#where.databaseUrl ? unreachable(e) : openAsIs(this.#where);
    }
  }

  /** A fresh connection replaces the current one (when the fresh one can be opened at all). */
  #reopen(): void {
    let fresh: Db;
    try {
      fresh = openDatabase(this.#where, this.#personal);
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
 * A Db that forwards every property and method to the connection `current()` returns at the
 * time of the call, so the repositories keep one object across a reopen. (Statements are
 * prepared and run at once everywhere, never kept across a reopen.)
 */
function forwarding(current: () => Db): Db {
  return new Proxy({} as Db, {
    get(_target, key) {
      const db = current();
      const value: unknown = Reflect.get(db, key, db);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(db) : value;
    },
  });
}

/** A PostgreSQL store whose server could not be reached at start: every call throws why, until a probe reconnects. */
function unreachable(why: unknown): Db {
  const fail = (): never => {
    throw why;
  };
  const statement: Statement = { get: fail, all: fail, run: fail };
  return {
    engine: "postgres",
    prepare: () => statement,
    exec: fail,
    transaction: fail,
    isTransaction: false,
    isOpen: false,
    statements: 0, // none ever reaches a server
    close: () => {},
  };
}
