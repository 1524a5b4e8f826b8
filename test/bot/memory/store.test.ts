// The bot's memory, on SQLite and on a real PostgreSQL server alike (test/helpers/postgres.ts).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { PostgresDb } from "../../../contract/storage/postgres.ts";
import { Memory } from "../../../bot/memory/store.ts";
import { freshSchema, postgresDatabase } from "../../helpers/postgres.ts";

let dir: string;
let key: Buffer;
let mem: Memory;
let clock: number;
/** This test's PostgreSQL schema (undefined: the memory is on SQLite). */
let databaseUrl: string | undefined;
/** The file's PostgreSQL database. */
let database: string;

beforeAll(async () => {
  database = await postgresDatabase();
});
afterEach(() => {
  mem.close();
  rmSync(dir, { recursive: true, force: true });
});

const ENGINES = [
  { name: "sqlite", postgres: false },
  { name: "postgres", postgres: true },
] as const;

describe.each(ENGINES)("memory store on $name", (engine) => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ouro-mem-"));
    key = randomBytes(32);
    clock = Date.parse("2026-01-01T00:00:00Z");
    databaseUrl = engine.postgres ? freshSchema(database) : undefined;
    mem = new Memory({ dataDir: dir, key, now: () => clock, databaseUrl });
  });

  it.runIf(engine.name === "postgres")("stores content encrypted: the database never holds the plaintext", () => {
    const secret = "my secret recipe is saffron-7731";
    mem.touchProfile("u1", "Ada Lovelace");
    mem.appendTurn("u1", "c1:u1", "user", secret);
    mem.setPreference("u1", "language", "Klingon-unique-pref");
    const raw = new PostgresDb(databaseUrl!);
    const rows = ["profiles", "preferences", "messages"].flatMap((t) => raw.prepare(`SELECT * FROM ${t}`).all());
    raw.close();
    expect(rows).toHaveLength(3);
    const everything = JSON.stringify(rows, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
    for (const plain of [secret, "Ada Lovelace", "Klingon-unique-pref"]) expect(everything).not.toContain(plain);
    mem.close();
    mem = new Memory({ dataDir: dir, key, databaseUrl });
    expect(mem.context("c1:u1").turns[0].content).toBe(secret);
  });

  it.runIf(engine.name === "postgres")("two shard processes' memories on one database see each other's writes", () => {
    const other = new Memory({ dataDir: dir, key, databaseUrl });
    other.setProgressMessage({ changeId: "chg-9", guildId: "g", channelId: "t", messageId: "m9", state: "pr" });
    expect(mem.progressMessage("chg-9")).toMatchObject({ messageId: "m9", state: "pr" });
    other.close();
  });

  it.runIf(engine.name === "sqlite")("stores content encrypted: the file never holds the plaintext", () => {
    const secret = "my secret recipe is saffron-7731";
    mem.touchProfile("u1", "Ada Lovelace");
    mem.appendTurn("u1", "c1:u1", "user", secret);
    mem.setPreference("u1", "language", "Klingon-unique-pref");
    mem.close();
    const bytes = Buffer.concat([readFileSync(join(dir, "memory.sqlite")), readFileSync(join(dir, "memory.sqlite-wal"), { flag: "a+" })]);
    for (const plain of [secret, "Ada Lovelace", "Klingon-unique-pref"]) expect(bytes.includes(Buffer.from(plain))).toBe(false);
    const raw = new DatabaseSync(join(dir, "memory.sqlite"));
    const row = raw.prepare("SELECT content_enc FROM messages").get()!;
    raw.close();
    expect(Buffer.from(row.content_enc as Uint8Array).includes(Buffer.from("saffron"))).toBe(false);
    mem = new Memory({ dataDir: dir, key, databaseUrl });
    expect(mem.context("c1:u1").turns[0].content).toBe(secret);
  });

  it("refuses to open with the wrong key", () => {
    mem.appendTurn("u1", "c", "user", "hello");
    mem.close();
    mem = new Memory({ dataDir: dir, key: randomBytes(32), databaseUrl });
    expect(() => mem.context("c")).toThrow();
  });

  it("survives a restart", () => {
    mem.touchProfile("u1", "Ada");
    mem.appendTurn("u1", "c", "user", "hi");
    mem.appendTurn("u1", "c", "assistant", "hello Ada");
    mem.setGuildContext("g1", "topic", "rust");
    mem.setProgressMessage({ changeId: "chg-1", channelId: "t1", messageId: "m1", state: "queued" });
    mem.close();
    mem = new Memory({ dataDir: dir, key, databaseUrl });
    expect(mem.profile("u1")?.name).toBe("Ada");
    expect(mem.context("c").turns.map((t) => t.content)).toEqual(["hi", "hello Ada"]);
    expect(mem.guildContext("g1")).toEqual({ topic: "rust" });
    expect(mem.progressMessage("chg-1")?.messageId).toBe("m1");
  });

  it("folds older turns into a summary and keeps the newest verbatim", async () => {
    for (let i = 0; i < 10; i++) mem.appendTurn("u1", "c", i % 2 ? "assistant" : "user", `turn ${i}`);
    const folded = await mem.compact("u1", "c", 4, (turns) => `summary of ${turns.length}: ${turns.map((t) => t.content).join(",")}`);
    expect(folded).toBe(true);
    const ctx = mem.context("c");
    expect(ctx.turns.map((t) => t.content)).toEqual(["turn 6", "turn 7", "turn 8", "turn 9"]);
    expect(ctx.summaries).toEqual(["summary of 6: turn 0,turn 1,turn 2,turn 3,turn 4,turn 5"]);
    expect(await mem.compact("u1", "c", 4, () => "x")).toBe(false);
  });

  it("a failing summarizer changes nothing", async () => {
    for (let i = 0; i < 6; i++) mem.appendTurn("u1", "c", "user", `t${i}`);
    await expect(mem.compact("u1", "c", 2, () => Promise.reject(new Error("model down")))).rejects.toThrow("model down");
    expect(mem.context("c").turns).toHaveLength(6);
    expect(mem.counts("u1").summaries).toBe(0);
  });

  it("retention deletes history older than the period", () => {
    mem.appendTurn("u1", "c", "user", "old");
    mem.setProgressMessage({ changeId: "done", channelId: "t", messageId: "m", state: "deployed" });
    mem.setProgressMessage({ changeId: "open", channelId: "t", messageId: "m2", state: "review" });
    clock += 31 * 86_400_000;
    mem.appendTurn("u1", "c", "user", "new");
    expect(mem.purgeOlderThan(30)).toBe(2);
    expect(mem.context("c").turns.map((t) => t.content)).toEqual(["new"]);
    expect(mem.progressMessage("done")).toBeUndefined();
    expect(mem.progressMessage("open")?.state).toBe("review"); // still waiting: keep editing it
  });

  it("forget deletes every row of that user and nobody else's; export returns them first", async () => {
    for (const u of ["u1", "u2"]) {
      mem.touchProfile(u, `name-${u}`);
      mem.setPreference(u, "tone", "formal");
      for (let i = 0; i < 5; i++) mem.appendTurn(u, `c:${u}`, "user", `${u} says ${i}`);
      await mem.compact(u, `c:${u}`, 2, () => `summary ${u}`);
      mem.saveOffer(u, `add a /dance command for ${u}`);
    }
    const exported = mem.export("u1");
    expect(exported.profile?.name).toBe("name-u1");
    expect(exported.preferences).toEqual({ tone: "formal" });
    expect(exported.messages.map((m) => m.content)).toEqual(["u1 says 3", "u1 says 4"]);
    expect(exported.summaries[0].content).toBe("summary u1");
    expect(exported.featureOffers[0].text).toBe("add a /dance command for u1");
    expect(mem.counts("u1")).toEqual({ profiles: 1, preferences: 1, messages: 2, summaries: 1, feature_offers: 1 });
    expect(mem.forget("u1")).toEqual({ profiles: 1, preferences: 1, messages: 2, summaries: 1, feature_offers: 1 });
    expect(Object.values(mem.counts("u1")).every((n) => n === 0)).toBe(true);
    expect(mem.counts("u2").messages).toBe(2);
    expect(mem.export("u1")).toMatchObject({ profile: null, messages: [], summaries: [], featureOffers: [] });
  });

  it("an offer can be taken once", () => {
    const id = mem.saveOffer("u1", "add a weather command");
    expect(mem.takeOffer(id)).toEqual({ userId: "u1", text: "add a weather command" });
    expect(mem.takeOffer(id)).toBeUndefined();
  });
});
