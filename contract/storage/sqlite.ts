// The embedded engine: node:sqlite's DatabaseSync as it always was, behind the store's Db
// interface. A transaction is BEGIN IMMEDIATE, so a second writer waits (busy_timeout) at the
// start rather than failing at its first write.
import { DatabaseSync } from "node:sqlite";
import type { Db, Statement } from "./engine.ts";

export class SqliteDb implements Db {
  readonly engine = "sqlite";
  /** The connection itself, for what only SQLite has (PRAGMAs, checkpoints). */
  readonly raw: DatabaseSync;

  constructor(file: string) {
    this.raw = new DatabaseSync(file);
  }

  prepare(sql: string): Statement {
    return this.raw.prepare(sql) as Statement;
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  transaction<T>(fn: () => T): T {
    this.raw.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.raw.exec("COMMIT");
      return out;
    } catch (e) {
      // A failed COMMIT may already have ended the transaction: roll back only what is open,
      // so the error that counts is the one thrown.
      if (this.raw.isTransaction) this.raw.exec("ROLLBACK");
      throw e;
    }
  }

  get isTransaction(): boolean {
    return this.raw.isTransaction;
  }

  get isOpen(): boolean {
    return this.raw.isOpen;
  }

  close(): void {
    if (this.raw.isOpen) this.raw.close();
  }
}
