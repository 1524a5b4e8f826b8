// What the app's store and the bot's memory ask of a database, whichever engine holds it: statements
// prepared from SQL with `?` parameters and run at once (get / all / run), a script (exec), and
// one transaction at a time. Both engines answer synchronously, so the repositories stay plain
// functions; rows come back as plain objects, integers as JS numbers, BLOB/BYTEA as Uint8Array.
// The SQL the repositories write is the dialect both engines understand (`ON CONFLICT`,
// `RETURNING`, no `INSERT OR …`, no PRAGMA); the postgres engine turns `?` into `$n`.

/** A value bound to a `?`. */
export type SqlParam = string | number | bigint | null | Uint8Array;

/** A row as the engine returns it. */
export type Row = Record<string, unknown>;

export interface Statement {
  get(...params: SqlParam[]): Row | undefined;
  all(...params: SqlParam[]): Row[];
  /** `changes`: how many rows the statement wrote. */
  run(...params: SqlParam[]): { changes: number | bigint };
}

export type EngineName = "sqlite" | "postgres";

export interface Db {
  readonly engine: EngineName;
  prepare(sql: string): Statement;
  /** One or more statements without parameters. */
  exec(sql: string): void;
  /** Runs fn in one transaction (BEGIN … COMMIT, ROLLBACK on a throw): all of its writes happen, or none. */
  transaction<T>(fn: () => T): T;
  readonly isTransaction: boolean;
  readonly isOpen: boolean;
  /** Statements sent so far (each get/all/run/exec, BEGIN and COMMIT): on PostgreSQL, each one is a round trip the caller waits for. */
  readonly statements: number;
  close(): void;
}
