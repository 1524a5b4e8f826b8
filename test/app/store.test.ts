// The app's store, on SQLite and on a real PostgreSQL server alike: survives reopening, claims
// deliveries once, rolls back on error, reads stored JSON back through its schemas, keeps
// personal data sealed and erases it. On SQLite also: it opens a data directory an earlier
// version created (rows written before the whole change request was kept).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_FILE } from "../../app/store/database.ts";
import type { NewChange } from "../../app/store/changes.ts";
import { Store } from "../../app/store/store.ts";
import { openStore, STORE_ENGINES } from "./store/engines.ts";

/** The store's OURO_ENCRYPTION_KEY in this test. */
const KEY = Buffer.alloc(32, 7);

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "ouro-app-store-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Only what a new change must state: the store fills the lifecycle fields (checked below). */
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

const VERDICT = { decision: "pass", risk: "safe", requiredApprovals: 0, automerge: true, mode: "enforce", findings: [] } as const;

describe.each(STORE_ENGINES)("Store on $name", (engine) => {
  beforeAll(() => engine.setup());
  afterAll(() => engine.cleanup());

  it("keeps changes, audit, keys, votes and values across a reopen", () => {
    const dir = engine.fresh();
    let now = 1000;
    const s = openStore(dir, KEY, () => now);
    expect(s.changes.insert(row("c1"))).toMatchObject({
      state: "queued",
      request: null,
      verdict: null,
      prNumber: null,
      revertOf: null,
      followUps: [],
      startedAt: null,
    });
    now = 2000;
    s.changes.update("c1", { state: "working", verdict: VERDICT });
    s.changes.addFollowUp("c1", { kind: "ci-failure", text: "more", via: "checks", key: "checks:abc" });
    s.audit.record("c1", "request", { a: 1 });
    s.keys.setStickyCommentId("c1", 7, 42);
    s.votes.cast("c1", "u1", "up");
    s.votes.cast("c1", "u1", "down"); // a voter changes their mind: still one vote
    s.votes.cast("c1", "u2", "up");
    s.values.saveBreaker({ state: "open", failures: 5, successes: 0, openedAt: 1500 });
    s.close();
    const t = openStore(dir, KEY);
    expect(t.changes.byId("c1")).toMatchObject({
      state: "working",
      followUps: [{ kind: "ci-failure", text: "more", via: "checks", key: "checks:abc" }],
      createdAt: 1000,
      updatedAt: 2000,
      // what the gate needs of the verdict, read back through its schema
      verdict: { decision: "pass", risk: "safe", requiredApprovals: 0, automerge: true },
    });
    expect(t.changes.byRequest("req-c1")?.id).toBe("c1");
    expect(t.audit.of("c1")).toMatchObject([{ event: "request", detail: { a: 1 } }]);
    expect(t.keys.stickyCommentId("c1", 7)).toBe(42);
    expect(t.keys.stickyCommentId("c1", 8)).toBeNull();
    expect(t.votes.count("c1")).toEqual({ up: 1, down: 1 });
    expect(t.values.breaker()).toMatchObject({ state: "open", failures: 5 });
    expect(t.changes.requestsSince(0)).toEqual([{ requester: "discord:1", at: 1000 }]);
    t.close();
  });

  it("a malformed persisted value or verdict reads as its default, never as a cast", () => {
    const s = openStore(engine.fresh(), KEY);
    s.changes.insert(row("c1"));
    s.db.prepare("INSERT INTO kv (key, value) VALUES ('breaker', ?)").run(JSON.stringify({ state: "sideways" }));
    s.db.prepare("UPDATE changes SET verdict_json = ? WHERE id = 'c1'").run(JSON.stringify({ risk: "enormous" }));
    expect(s.values.breaker()).toEqual({ state: "closed", failures: 0, successes: 0 });
    expect(s.changes.byId("c1")?.verdict).toBeNull();
    s.close();
  });

  it("claims a delivery id once; a released claim can be claimed again", () => {
    const s = openStore(engine.fresh(), KEY);
    expect(s.deliveries.claim("d1", "issues")).toBe(true);
    expect(s.deliveries.claim("d1", "issues")).toBe(false);
    s.deliveries.release("d1");
    expect(s.deliveries.claim("d1", "issues")).toBe(true);
    s.close();
  });

  it("tells the worker whether an answered change waits, and counts by state without unsealing", () => {
    const s = openStore(engine.fresh(), KEY);
    expect(s.changes.anyAnsweredQueued()).toBe(false);
    s.changes.insert({ ...row("q1"), answeredAt: null }); // a bot request whose answer is not written yet
    expect(s.changes.anyAnsweredQueued()).toBe(false);
    s.changes.markAnswered("q1");
    expect(s.changes.anyAnsweredQueued()).toBe(true);
    s.changes.update("q1", { state: "working" });
    expect(s.changes.anyAnsweredQueued()).toBe(false);
    s.changes.insert({ ...row("r1"), kind: "revert", state: "working" });
    s.changes.insert({ ...row("w2"), state: "working" });
    expect(s.changes.count("working", "change")).toBe(2);
    expect(s.changes.count("working", "revert")).toBe(1);
    expect(s.changes.count("queued", "change")).toBe(0);
    s.close();
  });

  it("a failing transaction writes nothing; a duplicate request id is refused", () => {
    const s = openStore(engine.fresh(), KEY);
    expect(() =>
      s.tx(() => {
        s.changes.insert(row("c2"));
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(s.changes.byId("c2")).toBeNull();
    s.changes.insert(row("c3"));
    expect(() => s.changes.insert({ ...row("c4"), requestId: "req-c3" })).toThrow(/unique/i);
    expect(() => s.changes.update("c3", { nope: 1 } as never)).toThrow(/unknown change field/);
    s.close();
  });

  it("keeps the whole change request and reads it back through its schema", () => {
    const s = openStore(engine.fresh(), KEY);
    const request = {
      id: "c5",
      requester: { source: "github" as const, id: "alice", name: "alice", login: "alice", roles: [] },
      text: "add a docs page",
    };
    s.changes.insert({ ...row("c5"), source: "issue", request });
    expect(s.changes.byId("c5")?.request).toEqual(request);
    s.close();
  });

  it("numbers progress events in order and replays them after a sequence number", () => {
    const s = openStore(engine.fresh(), KEY);
    const event = (n: number) => ({ changeId: "c1", state: "working" as const, at: new Date(n).toISOString() });
    const seqs = [1, 2, 3].map((n) => s.progress.append(event(n)));
    expect(seqs[1]).toBe(seqs[0] + 1);
    expect(seqs[2]).toBe(seqs[1] + 1);
    expect(s.progress.after(seqs[0]).map((p) => p.seq)).toEqual(seqs.slice(1));
    s.close();
  });

  it("keeps personal data sealed at rest, and /forget erases it while the skeleton stays", () => {
    const where = engine.fresh();
    const s = openStore(where, KEY);
    s.changes.insert({
      ...row("p1"),
      requester: "Zelda Quartermain",
      requesterKey: "discord:4242",
      text: "marmalade please",
      title: "Marmalade",
    });
    s.changes.update("p1", { state: "failed", prNumber: 12 });
    s.audit.record("p1", "request", { requester: "discord:4242", text: "marmalade please" });
    s.votes.cast("p1", "discord:4242", "up");
    s.keys.setDashboardBody("| p1 | Marmalade | Zelda Quartermain |");
    expect(s.keys.dashboardBody()).toBe("| p1 | Marmalade | Zelda Quartermain |");

    const raw = engine.raw(where);
    try {
      const change = raw.prepare("SELECT requester, requester_key, text, title, request_json FROM changes WHERE id = ?").get("p1")!;
      for (const v of Object.values(change)) expect(v).toBeInstanceOf(Uint8Array);
      const everything = JSON.stringify(
        ["changes", "audit", "votes", "keys", "kv"].map((t) => raw.prepare(`SELECT * FROM ${t}`).all()),
        (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v),
      );
      for (const secret of ["marmalade", "Marmalade", "Zelda", "4242"]) expect(everything).not.toContain(secret);
    } finally {
      raw.close();
    }

    expect(s.forget("4242")).toMatchObject({ changes: 1, auditEntries: 2, votes: 1 }); // the request, and the erasure itself
    expect(s.changes.byId("p1")).toMatchObject({ text: "", title: "(erased)", requester: "(erased)", state: "failed", prNumber: 12 });
    expect(s.audit.of("p1").at(0)?.detail).toEqual({});
    expect(s.votes.count("p1")).toEqual({ up: 1, down: 0 });
    s.close();
  });

  it("a store written with another key is refused before anything is read or written", () => {
    const where = engine.fresh();
    const s = openStore(where, KEY);
    s.changes.insert(row("k1"));
    s.close();
    expect(() => openStore(where, Buffer.alloc(32, 8))).toThrow(/was encrypted with another key/);
    const t = openStore(where, KEY);
    expect(t.changes.byId("k1")?.id).toBe("k1");
    t.close();
  });
});

describe("Store on SQLite files", () => {
  it("opens a data directory an earlier version wrote, legacy request JSON included", () => {
    const dir = fresh();
    // The tables exactly as the first version created them, with one row of each kind.
    const old = new DatabaseSync(join(dir, DATABASE_FILE));
    old.exec(`CREATE TABLE changes (
  id TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, source TEXT NOT NULL,
  requester TEXT NOT NULL, requester_key TEXT NOT NULL, requester_login TEXT, text TEXT NOT NULL, title TEXT NOT NULL,
  request_json TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, issue_number INTEGER, issue_url TEXT, pr_number INTEGER, pr_url TEXT, branch TEXT,
  head_sha TEXT, merge_sha TEXT, risk TEXT, verdict_json TEXT, deployment_id INTEGER, revert_of TEXT, revert_change TEXT,
  feedback_json TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL, started_at INTEGER, updated_at INTEGER NOT NULL);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    const insert = old.prepare(
      "INSERT INTO changes (id, request_id, kind, source, requester, requester_key, requester_login, text, title, request_json, state, created_at, updated_at) VALUES (?, ?, 'change', ?, ?, ?, ?, 'add /hello', 'Add /hello', ?, 'queued', 1, 1)",
    );
    const recipe = { kind: "add-command", name: "hello", description: "Say hello", reply: "hi" };
    insert.run("d1", "discord-1", "discord", "Ann", "discord:123", null, JSON.stringify({ recipe, discordId: "123", roles: ["dev"] }));
    insert.run("g1", "gh-issue-4", "issue", "bob", "github:bob", "bob", JSON.stringify({ roles: [] }));
    old.prepare("INSERT INTO kv (key, value) VALUES ('stop', ?)").run(JSON.stringify({ stopped: true, by: "carol" }));
    old.close();

    const s = new Store(dir, KEY);
    expect(s.changes.byId("d1")?.request).toMatchObject({
      id: "d1",
      requester: { source: "discord", id: "123", name: "Ann", roles: ["dev"] },
      text: "add /hello",
      recipe: { kind: "add-command", name: "hello" },
    });
    expect(s.changes.byId("g1")?.request).toMatchObject({ requester: { source: "github", id: "bob", login: "bob" } });
    expect(s.values.stop()).toMatchObject({ stopped: true, by: "carol" });
    expect(s.audit.of("d1")).toEqual([]); // the tables it lacked were added
    s.close();
  });
});
