// The embedded engine: node:sqlite's DatabaseSync as it always was, behind the store's Db
// interface. A transaction is BEGIN IMMEDIATE, so a second writer waits (busy_timeout) at the
// start rather than failing at its first write.
import { DatabaseSync } from "node:sqlite";
import type { Db, SqlParam, Statement } from "./engine.ts";

export class SqliteDb implements Db {
  readonly engine = "sqlite";
  /** The connection itself, for what only SQLite has (PRAGMAs, checkpoints). */
  readonly raw: DatabaseSync;
  #statements = 0;

  constructor(file: string) {
    this.raw = new DatabaseSync(file);
  }

  prepare(sql: string): Statement {
    const st = this.raw.prepare(sql) as Statement;
    const counted =
      <R>(f: (...p: SqlParam[]) => R) =>
      (...params: SqlParam[]): R => {
        this.#statements++;
        return f(...params);
      };
    return { get: counted(st.get.bind(st)), all: counted(st.all.bind(st)), run: counted(st.run.bind(st)) };
  }

  exec(sql: string): void {
    this.#statements++;
    this.raw.exec(sql);
  }

  transaction<T>(fn: () => T): T {
    this.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.exec("COMMIT");
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

  get statements(): number {
    return this.#statements;
  }

  close(): void {
    if (this.raw.isOpen) this.raw.close();
  }
}
