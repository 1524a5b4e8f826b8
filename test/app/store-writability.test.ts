// The store on a file that cannot be written (immutable, see immutable.ts): it opens and
// reads, the probe says why it cannot write, a write that must not be lost is kept in memory,
// and once the file can be written the probe reopens the connection — every repository then
// writes through the new one and what was kept is written.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, expect, it } from "vitest";
import { DATABASE_FILE } from "../../app/store/database.ts";
import type { NewChange } from "../../app/store/changes.ts";
import { Store } from "../../app/store/store.ts";

/** The store's OURO_ENCRYPTION_KEY in this test. */
const KEY = Buffer.alloc(32, 7);
import { setImmutable } from "./immutable.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A data directory with a store written once and closed; `lock` makes the given paths immutable until the test ends. */
function dataDir(): { dir: string; file: string; lock: (...paths: string[]) => void; unlock: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "ouro-app-ro-"));
  const s = new Store(dir, KEY);
  s.changes.insert(row("before"));
  s.close();
  let locked: string[] = [];
  const unlock = () => {
    setImmutable(locked, false);
    locked = [];
  };
  cleanups.push(() => {
    unlock();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    file: join(dir, DATABASE_FILE),
    lock: (...paths) => {
      setImmutable(paths, true);
      locked.push(...paths);
    },
    unlock,
  };
}

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

const persistedStop = (file: string): unknown => {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const r = db.prepare("SELECT value FROM kv WHERE key = 'stop'").get();
    return r ? JSON.parse(String(r.value)) : null;
  } finally {
    db.close();
  }
};

it("on an immutable file: reads work, writes fail, the probe says why; writable again, it reopens and writes", () => {
  const d = dataDir();
  d.lock(d.file);
  const s = new Store(d.dir, KEY);
  cleanups.push(() => s.close());
  const { changes } = s; // a repository held across the reopen
  expect(changes.byId("before")?.id).toBe("before");
  expect(() => changes.insert(row("c1"))).toThrow(/readonly database/);
  expect(s.probe()).toBe("the store cannot be written: attempt to write a readonly database (SQLITE_READONLY)");
  expect(s.unwritable).toMatch(/SQLITE_READONLY/);

  // what must not be lost is kept, in order, and read from memory meanwhile
  const stop = { stopped: true, by: "carol" };
  s.values.holdStop(stop);
  expect(s.writeOrKeep("the stop by carol", () => s.values.saveStop(stop))).toBe(false);
  expect(s.writeOrKeep("an audit entry", () => s.audit.record("-", "emergency-stop", { by: "carol" }))).toBe(false);
  expect(s.kept).toEqual(["the stop by carol", "an audit entry"]);
  expect(s.values.stop()).toEqual(stop);
  expect(s.probe()).toMatch(/SQLITE_READONLY/); // the file is still immutable: a reopen does not help yet

  d.unlock();
  expect(s.probe()).toBeNull();
  expect(s.unwritable).toBeNull();
  expect(s.kept).toEqual([]);
  expect(persistedStop(d.file)).toEqual(stop);
  expect(s.audit.of("-")).toMatchObject([{ event: "emergency-stop" }]);
  changes.insert(row("c1")); // the same repository object, through the new connection
  expect(changes.byId("c1")?.id).toBe("c1");
});

it("a data directory that cannot even be opened for writing still starts the store, which recovers", () => {
  const d = dataDir();
  d.lock(d.file, d.dir); // no -wal/-shm can be made: SQLite cannot open the file at all
  const s = new Store(d.dir, KEY);
  cleanups.push(() => s.close());
  expect(s.unwritable).toMatch(/^the store cannot be written: .*\(SQLITE_(CANTOPEN|READONLY)\)$/);
  expect(s.probe()).toMatch(/SQLITE_(CANTOPEN|READONLY)/);
  d.unlock();
  expect(s.probe()).toBeNull();
  expect(s.changes.byId("before")?.id).toBe("before");
  s.changes.insert(row("c2"));
  s.close();
  expect(new Store(d.dir, KEY).changes.byId("c2")?.id).toBe("c2");
});

it("writes through at once when it can, and a write that is wrong (not unwritable) is thrown, not kept", () => {
  const d = dataDir();
  const s = new Store(d.dir, KEY);
  cleanups.push(() => s.close());
  expect(s.probe()).toBeNull();
  expect(s.writeOrKeep("a row", () => s.changes.insert(row("c3")))).toBe(true);
  expect(() => s.writeOrKeep("a duplicate", () => s.changes.insert(row("c3")))).toThrow(/UNIQUE/);
  expect(s.kept).toEqual([]);
});
