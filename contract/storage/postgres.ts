// The PostgreSQL engine (`DATABASE_URL`): the same synchronous Db the repositories use on
// SQLite, over the `pg` client. Node has no synchronous PostgreSQL client, so one worker thread
// owns the connection (postgres-worker.ts) and each call blocks on a shared flag until the
// worker has the answer (Atomics.wait + receiveMessageOnPort, the technique synckit uses). The
// caller's event loop waits for one round trip to the server, as it waits for the disk on
// SQLite. One connection per store: a transaction (BEGIN … COMMIT) holds it, so no other
// statement of this process runs inside someone else's transaction.
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import type { Db, Row, SqlParam, Statement } from "./engine.ts";
import type { Reply, Request } from "./postgres-worker.ts";

/** An error PostgreSQL (or the way to it) gave: `code` is its SQLSTATE, a Node network code, or one of ours. */
export class PostgresError extends Error {
  override name = "PostgresError";
  readonly code: string | null;
  constructor(message: string, code: string | null) {
    super(message);
    this.code = code;
  }
}

/** How long one statement may take before the store gives up on the connection. */
const ANSWER_WITHIN_MS = 30_000;

/** `?` placeholders as `$1, $2, …`, outside quoted strings and identifiers. */
export function numbered(sql: string): string {
  let n = 0;
  let quote: string | null = null;
  let out = "";
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "?") {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

export class PostgresDb implements Db {
  readonly engine = "postgres";
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #done = new Int32Array(new SharedArrayBuffer(4));
  #open = true;
  #inTransaction = false;
  #statements = 0;

  /** Connects now: a server that cannot be reached or refuses the login throws a PostgresError. */
  constructor(url: string) {
    const { port1, port2 } = new MessageChannel();
    this.#worker = new Worker(new URL("./postgres-worker.ts", import.meta.url), {
      workerData: { url, flag: this.#done.buffer, port: port2 },
      transferList: [port2],
    });
    this.#worker.unref(); // a store nobody closed does not keep the process alive
    this.#port = port1;
    try {
      this.#call({ op: "connect" });
    } catch (e) {
      this.close();
      throw e;
    }
  }

  prepare(sql: string): Statement {
    const text = numbered(sql);
    const query = (params: SqlParam[]) => this.#call({ op: "query", sql: text, params });
    return {
      get: (...params) => query(params).rows[0] as Row | undefined,
      all: (...params) => query(params).rows as Row[],
      run: (...params) => ({ changes: query(params).rowCount }),
    };
  }

  exec(sql: string): void {
    this.#call({ op: "exec", sql });
  }

  transaction<T>(fn: () => T): T {
    this.exec("BEGIN");
    this.#inTransaction = true;
    let out: T;
    try {
      out = fn();
    } catch (e) {
      this.#inTransaction = false;
      try {
        this.exec("ROLLBACK");
      } catch {
        // the connection is gone: so is the transaction; the error that counts is fn's
      }
      throw e;
    }
    this.#inTransaction = false;
    // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error: say so.
    if (this.#call({ op: "exec", sql: "COMMIT" }).command === "ROLLBACK")
      throw new PostgresError("PostgreSQL rolled the transaction back: a statement in it had failed", "25P02");
    return out;
  }

  get isTransaction(): boolean {
    return this.#inTransaction;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get statements(): number {
    return this.#statements;
  }

  close(): void {
    if (!this.#open) return;
    try {
      this.#call({ op: "close" });
    } catch {
      // a worker that does not answer is ended below all the same
    }
    this.#open = false;
    this.#port.close();
    void this.#worker.terminate();
  }

  /** Sends one request to the worker and blocks until it answers (or ANSWER_WITHIN_MS pass). */
  #call(req: Request): Extract<Reply, { ok: true }> {
    if (!this.#open) throw new PostgresError("the store's PostgreSQL connection is closed", "CONNECTION_CLOSED");
    if (req.op === "query" || req.op === "exec") this.#statements++;
    Atomics.store(this.#done, 0, 0);
    this.#port.postMessage(req);
    Atomics.wait(this.#done, 0, 0, ANSWER_WITHIN_MS);
    const reply = receiveMessageOnPort(this.#port)?.message as Reply | undefined;
    if (!reply) {
      // a late answer must not be taken for the next call's: this connection is done
      this.#open = false;
      void this.#worker.terminate();
      throw new PostgresError(`PostgreSQL did not answer within ${ANSWER_WITHIN_MS / 1000} s`, "TIMEOUT");
    }
    if (!reply.ok) throw new PostgresError(reply.error.message, reply.error.code);
    return reply;
  }
}
