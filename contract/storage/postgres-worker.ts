// The thread that owns the store's one PostgreSQL connection (see postgres.ts). It answers one
// request at a time: runs it on the connection, posts the reply on its port, then wakes the
// caller, which waits on the shared flag (Atomics.wait) and takes the reply with
// receiveMessageOnPort. Errors travel as plain fields (message, code), never as objects.
import type { MessagePort } from "node:worker_threads";
import { workerData } from "node:worker_threads";
import pg from "pg";

/** int8 (BIGINT, COUNT(*)) as a JS number: the store's integers are millisecond times, ids and counts, all below 2^53. */
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export type Request = { op: "connect" } | { op: "query"; sql: string; params: unknown[] } | { op: "exec"; sql: string } | { op: "close" };

export type Reply =
  | { ok: true; rows: Record<string, unknown>[]; rowCount: number; command: string }
  | { ok: false; error: { message: string; code: string | null } };

const { url, flag, port } = workerData as { url: string; flag: SharedArrayBuffer; port: MessagePort };
const done = new Int32Array(flag);
let client: pg.Client | null = null;
/** Why the connection broke (the server went away, or closed it), once it has. */
let lost: Error | null = null;

async function connection(): Promise<pg.Client> {
  if (lost) throw lost;
  if (client) return client;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  c.on("error", (e: Error) => {
    lost = Object.assign(new Error(`the connection to PostgreSQL was lost: ${e.message}`), { code: "CONNECTION_LOST" });
  });
  await c.connect();
  client = c;
  return c;
}

/** Parameters as pg takes them: bytes as a Buffer over the same memory, bigints as text. */
const toPg = (v: unknown): unknown =>
  v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : typeof v === "bigint" ? String(v) : v;

async function answer(req: Request): Promise<Reply> {
  if (req.op === "close") {
    const c = client;
    client = null;
    lost = new Error("the store's PostgreSQL connection is closed");
    await c?.end().catch(() => undefined);
    return { ok: true, rows: [], rowCount: 0, command: "" };
  }
  const c = await connection();
  if (req.op === "connect") return { ok: true, rows: [], rowCount: 0, command: "" };
  const r = req.op === "exec" ? await c.query(req.sql) : await c.query({ text: req.sql, values: req.params.map(toPg) });
  // A script's result is one result per statement; the last one is what a caller would ask about.
  const last = Array.isArray(r) ? (r.at(-1) as pg.QueryResult) : r;
  return { ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0, command: last?.command ?? "" };
}

/** An error's message (an AggregateError's, from its parts, when it has none) and its code. */
function describe(e: unknown): { message: string; code: string | null } {
  const err = e instanceof Error ? e : new Error(String(e));
  let code = "code" in err && typeof err.code === "string" ? err.code : null;
  // pg's own words when the server went away under a query (its "error" event may come after)
  if (code === null && (lost || /Connection terminated|not queryable/i.test(err.message))) code = "CONNECTION_LOST";
  const parts = err instanceof AggregateError ? (err.errors as unknown[]).map((x) => (x instanceof Error ? x.message : String(x))) : [];
  return { message: err.message || parts.join("; ") || String(code), code };
}

port.on("message", (req: Request) => {
  void answer(req)
    // one turn of the loop first, so a lost connection's "error" event has been heard
    .catch(async (e: unknown): Promise<Reply> => {
      await new Promise(setImmediate);
      return { ok: false, error: describe(e) };
    })
    .then((reply) => {
      port.postMessage(reply);
      Atomics.store(done, 0, 1);
      Atomics.notify(done, 0);
      if (req.op === "close") port.close();
    });
});
