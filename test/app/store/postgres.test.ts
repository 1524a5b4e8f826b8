// The store on a real PostgreSQL server, where it differs from SQLite: two processes that
// start at once migrate once; a server that cannot be reached, a connection that is lost and a
// database that turns read-only are said in plain words, and the store recovers from each.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewChange } from "../../../app/store/changes.ts";
import { PostgresDb } from "../../../contract/storage/postgres.ts";
import { MIGRATION_LOCK, POSTGRES_SCHEMA_VERSION } from "../../../app/store/postgres-schema.ts";
import { Store } from "../../../app/store/store.ts";
import { freshSchema, postgresDatabase } from "../../helpers/postgres.ts";

const KEY = Buffer.alloc(32, 7);
const dataDir = mkdtempSync(join(tmpdir(), "ouro-app-pg-"));
let database: string;
/** A connection to the server's `postgres` database, outside the store's. */
let admin: PostgresDb;

beforeAll(async () => {
  database = await postgresDatabase();
  const u = new URL(database);
  u.pathname = "/postgres";
  admin = new PostgresDb(u.toString());
});
afterAll(() => {
  admin?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const row = (id: string): NewChange => ({
  id,
  requestId: `req-${id}`,
  kind: "change",
  source: "discord",
  requester: "alice",
  requesterKey: "discord:1",
  text: "t",
  title: "t",
});
const open = (url: string) => new Store(dataDir, KEY, Date.now, { databaseUrl: url });
const dbName = (url: string) => new URL(url).pathname.slice(1);
/** Ends the server side of every connection to this database but admin's own. */
const dropConnections = (url: string) =>
  admin.prepare("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()").all(dbName(url));

/** Waits (polling the server, up to 30 s) until `ok()` holds. */
async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the store on PostgreSQL", () => {
  it("two processes starting at once on a new database migrate it once, and both then work", async () => {
    const url = freshSchema(database);
    // Hold the migration lock (it is the database's) so that both processes are inside their start at the same moment.
    const holder = new PostgresDb(url);
    holder.exec("BEGIN");
    holder.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    const script = join(import.meta.dirname, "open-store.ts");
    const both = [1, 2].map(() => promisify(execFile)(process.execPath, [script, url]));
    try {
      const waiting = () =>
        Number(
          admin.prepare("SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ? AND NOT granted").get(MIGRATION_LOCK)
            ?.n,
        );
      await until("both processes wait for the migration lock", () => waiting() === 2);
    } finally {
      holder.exec("COMMIT");
      holder.close();
    }
    const outputs = await Promise.all(both);
    expect(outputs.map((o) => o.stdout)).toEqual(["opened\n", "opened\n"]);

    const s = open(url);
    const migrations = s.db.prepare("SELECT version FROM ouro_migrations ORDER BY version").all();
    expect(migrations).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    expect(s.changes.recent(10)).toHaveLength(2); // one change from each process
    s.close();
  });

  it("a server that cannot be reached: the store starts, and every call and probe says why in plain words", async () => {
    const { createServer } = await import("node:net");
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new URL(database);
    nowhere.port = String(port);

    const s = open(nowhere.toString());
    expect(s.unwritable).toMatch(
      /^the store cannot be written: PostgreSQL refused the connection: is the server running, at the address DATABASE_URL names\? \(.*ECONNREFUSED\)$/,
    );
    expect(() => s.changes.byId("x")).toThrow(/ECONNREFUSED/);
    expect(s.probe()).toMatch(/PostgreSQL refused the connection/);
    s.close();
  });

  it("a lost connection: the next call says so, and the probe reconnects", () => {
    const url = freshSchema(database);
    const s = open(url);
    s.changes.insert(row("l1"));
    dropConnections(url);
    expect(() => s.changes.byId("l1")).toThrow(/connection|terminat/i);
    expect(s.probe()).toBeNull();
    expect(s.changes.byId("l1")?.id).toBe("l1");
    s.close();
  });

  it("a database that turns read-only: the probe says why, a write is kept, and written once it can be", async () => {
    const url = await postgresDatabase(); // ALTER DATABASE is for the whole database: one of its own
    const s = open(url);
    s.changes.insert(row("r1"));
    const name = dbName(url);
    admin.exec(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    try {
      dropConnections(url); // the setting holds from the next connection on
      expect(s.probe()).toBe(
        "the store cannot be written: PostgreSQL refuses writes: the database is read-only (a standby, or default_transaction_read_only is on) (cannot execute INSERT in a read-only transaction; 25006)",
      );
      expect(s.changes.byId("r1")?.id).toBe("r1"); // reads still work
      const stop = { stopped: true, by: "carol" };
      expect(s.writeOrKeep("the stop by carol", () => s.values.saveStop(stop))).toBe(false);
      expect(s.kept).toEqual(["the stop by carol"]);
    } finally {
      admin.exec(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
    }
    expect(s.probe()).toBeNull();
    expect(s.kept).toEqual([]);
    s.close();
    const t = open(url);
    expect(t.values.stop()).toMatchObject({ stopped: true, by: "carol" });
    t.close();
  });
});
