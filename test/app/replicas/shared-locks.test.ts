// The locks replicas share (app/replicas/advisory-locks.ts), on a real PostgreSQL server: one
// holder at a time across processes' sessions, try-locks that never wait, a dead session's
// locks free at once, and a holder that can tell its lock went with a lost session.
import { afterEach, expect, it } from "vitest";
import { PostgresDb } from "../../../contract/storage/postgres.ts";
import { Locks } from "../../../app/locks.ts";
import { advisoryLocks } from "../../../app/replicas/advisory-locks.ts";
import { freshSchema, postgresDatabase } from "../../helpers/postgres.ts";

const open: PostgresDb[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** Two replicas' connections to one database (advisory locks are per database). */
async function replicas(): Promise<{ db: PostgresDb; locks: Locks }[]> {
  const url = freshSchema(await postgresDatabase());
  return [replica(url), replica(url)];
}

function replica(url: string): { db: PostgresDb; locks: Locks } {
  const db = new PostgresDb(url);
  open.push(db);
  return { db, locks: new Locks(advisoryLocks(db)) };
}

it("a key is held by one replica at a time; the other's try-lock does not wait, its lock waits for the release", async () => {
  const [a, b] = await replicas();
  const order: string[] = [];
  let releaseA!: () => void;
  const heldByA = a.locks.withLock("change-1", () => new Promise<void>((r) => (releaseA = r)).then(() => void order.push("a done")));
  await new Promise((r) => setImmediate(r));
  expect(await b.locks.tryWithLock("change-1", async () => "ran")).toEqual({ ran: false });
  expect(await b.locks.tryWithLock("change-2", async () => "ran")).toEqual({ ran: true, value: "ran" }); // other keys are free
  const waiting = b.locks.withLock("change-1", async () => void order.push("b ran"));
  releaseA();
  await Promise.all([heldByA, waiting]);
  expect(order).toEqual(["a done", "b ran"]);
});

it("a replica that dies holds nothing: its session's locks are free at once", async () => {
  const [a, b] = await replicas();
  const release = a.locks.tryAcquire("change-3");
  expect(release).not.toBeNull();
  expect(b.locks.tryAcquire("change-3")).toBeNull();
  a.db.close(); // the process's connection ends, as with SIGKILL
  const taken = b.locks.tryAcquire("change-3");
  expect(taken).not.toBeNull();
  taken!();
});

it("a holder whose session was cut off knows its lock is gone (stillHeld), while another replica takes it", async () => {
  const [a, b] = await replicas();
  const release = a.locks.tryAcquire("change-4")!;
  expect(a.locks.stillHeld("change-4")).toBe(true);
  const pid = a.db.prepare("SELECT pg_backend_pid() AS pid").get()!.pid as number;
  b.db.prepare("SELECT pg_terminate_backend(?, 30000)").get(pid); // returns once it has ended
  const taken = b.locks.tryAcquire("change-4");
  expect(taken).not.toBeNull();
  expect(a.locks.stillHeld("change-4")).toBe(false);
  expect(b.locks.stillHeld("change-4")).toBe(true);
  release(); // unlocking a lost session's lock changes nothing and does not throw
  expect(b.locks.stillHeld("change-4")).toBe(true);
  taken!();
  expect(b.locks.stillHeld("change-4")).toBe(false);
});

it("two apps with their stores in two schemas of one database do not hold each other's keys", async () => {
  const database = await postgresDatabase();
  const a = replica(freshSchema(database));
  const b = replica(freshSchema(database));
  const mine = a.locks.tryAcquire("dashboard");
  const theirs = b.locks.tryAcquire("dashboard");
  expect(mine).not.toBeNull();
  expect(theirs).not.toBeNull();
  mine!();
  theirs!();
});
