// The app's personal data at rest (issue 16, part 7): request texts, names and Discord ids are
// sealed in the sqlite files (the bot's key scheme), the files are the owner's alone, a store
// is refused under another key, and /forget (through the bot's own client) and retention erase
// the texts and ids while the audit skeleton stays. The real app, its bot link and the GitHub
// stand-in; the store's files are read raw, as someone who copied them would.
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpAppLink } from "../../bot/app-link/http-client.ts";
import { AppLinkError } from "../../bot/app-link/link.ts";
import { startApp } from "../../app/start.ts";
import { DATABASE_FILE } from "../../app/store/database.ts";
import { Store } from "../../app/store/store.ts";
import { actor, fixedWriter, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";

const DAY = 86_400_000;
/** What must never be found in the files as it is. */
const ZELDA = actor("424242424242424242", "Zelda Quartermain");
const SECRET_TEXT = "broken: add a marmalade-sandwich command";
const OPEN_TEXT = "docs: a page about marmalade-jars";

let w: World;
let link: HttpAppLink;
const files = () => [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`].map((f) => join(w.config.dataDir, f));
const raw = () =>
  Buffer.concat(
    files()
      .filter(existsSync)
      .map((f) => readFileSync(f)),
  );
/** The database as someone with the file but not the key reads it (a read-only connection). */
function rawRows<T>(sql: string, ...args: string[]): T[] {
  const db = new DatabaseSync(join(w.config.dataDir, DATABASE_FILE), { readOnly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  w = await startWorld();
  link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN });
});
afterAll(async () => {
  await link?.close();
  await w?.close();
});

describe("app data encrypted at rest", () => {
  it("a request through the bot link: its text, name and Discord id are not in the files, which are 0600; the app reads it back", async () => {
    await link.submitRequest({ id: "discord-secret-1", requester: ZELDA, text: SECRET_TEXT });
    await link.submitRequest({ id: "discord-open-1", requester: ZELDA, text: OPEN_TEXT });
    await w.settle();
    await link.vote("discord-open-1", ZELDA, "up");
    await w.settle();

    const bytes = raw();
    for (const s of ["marmalade", ZELDA.discordId, ZELDA.name]) {
      expect(bytes.includes(Buffer.from(s)), `"${s}" is in the files`).toBe(false);
      expect(bytes.includes(Buffer.from(s, "utf16le")), `"${s}" is in the files (UTF-16)`).toBe(false);
    }
    const [row] = rawRows<Record<string, unknown>>(
      "SELECT text, title, requester, requester_key, request_json FROM changes WHERE id = ?",
      "discord-secret-1",
    );
    for (const v of Object.values(row)) expect(v).toBeInstanceOf(Uint8Array);
    expect(rawRows<{ voter: string }>("SELECT voter FROM votes")[0].voter).toMatch(/^[0-9a-f]{64}$/);
    for (const f of files().filter(existsSync)) expect((statSync(f).mode & 0o777).toString(8), f).toBe("600");
    expect(files().filter(existsSync)).toHaveLength(3); // the -wal and -shm too

    // …and the app itself reads it all back.
    expect(w.app.store.changes.byId("discord-secret-1")).toMatchObject({
      text: SECRET_TEXT,
      requester: ZELDA.name,
      requesterKey: `discord:${ZELDA.discordId}`,
      state: "failed",
      request: { requester: { source: "discord", id: ZELDA.discordId } },
    });
    expect((await link.changes(10)).map((c) => c.title)).toEqual(expect.arrayContaining([expect.stringContaining("marmalade-sandwich")]));
    const audit = await w.api("GET", "/changes/discord-secret-1/audit");
    expect(JSON.stringify(audit.body)).toContain(SECRET_TEXT);
  });

  it("with another key the app does not start: a plain-words error, and nothing in the files is changed", async () => {
    await w.app.close();
    const before = files().map((f) => (existsSync(f) ? readFileSync(f) : null));
    const wrong = { ...w.config, encryptionKey: "ab".repeat(32) };
    const err = await startApp({ config: wrong, writer: fixedWriter, tickMs: 3_600_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /was encrypted with another key: OURO_ENCRYPTION_KEY is not the key this data directory was written with/,
    );
    expect(files().map((f) => (existsSync(f) ? readFileSync(f) : null))).toEqual(before);
    await w.restart(); // the right key opens it as before
    await link.close();
    link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN }); // the restarted app listens anew
    expect(w.app.store.changes.byId("discord-secret-1")?.text).toBe(SECRET_TEXT);
  });

  it("/forget through the bot link erases the person's texts and ids; the audit skeleton stays; open changes keep their request", async () => {
    const before = w.app.store.changes.byId("discord-secret-1")!;
    const eventsBefore = w.app.store.audit.of("discord-secret-1").map((a) => a.event);

    // Bad input is refused in plain words and changes nothing.
    const bad = await link.forget({ discordId: "", name: "x", roles: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppLinkError);
    expect((bad as AppLinkError).status).toBe(400);
    expect((bad as AppLinkError).message).toMatch(/discordId/);
    expect(w.app.store.changes.byId("discord-secret-1")?.text).toBe(SECRET_TEXT);

    expect(await link.forget(ZELDA)).toEqual({ changes: 1, open: 1, auditEntries: expect.any(Number), votes: 1, links: 0 });
    const after = w.app.store.changes.byId("discord-secret-1")!;
    expect(after).toMatchObject({ text: "", title: "(erased)", requester: "(erased)", requesterLogin: null, request: null, followUps: [] });
    // The skeleton: state, times, numbers.
    for (const k of ["state", "reason", "issueNumber", "issueUrl", "createdAt", "kind", "source", "requestId"] as const)
      expect(after[k]).toEqual(before[k]);
    const trail = w.app.store.audit.of("discord-secret-1");
    expect(trail.map((a) => a.event)).toEqual([...eventsBefore, "personal-data.erased"]);
    const request = trail.find((a) => a.event === "request")!;
    expect(request.detail).toEqual({ source: "discord" });
    expect(JSON.stringify(trail)).not.toContain("marmalade");
    expect(JSON.stringify(trail)).not.toContain(ZELDA.discordId);
    // The open change keeps what its work needs until it is done.
    expect(w.app.store.changes.byId("discord-open-1")?.text).toBe(OPEN_TEXT);
    // The vote still counts, but no longer leads to her.
    expect(w.app.store.votes.count("discord-open-1")).toEqual({ up: 1, down: 0 });
    expect(rawRows("SELECT 1 FROM changes WHERE requester_hash IS NOT NULL AND id = ?", "discord-secret-1")).toEqual([]);
    // A second /forget finds nothing more.
    expect(await link.forget(ZELDA)).toMatchObject({ changes: 0, open: 1, auditEntries: 0, votes: 0 });
  });

  it("retention erases finished changes older than the window (OURO_RETENTION_DAYS, 90 by default) in the app's periodic pass", async () => {
    const ivy = actor("777000777", "Ivy Oldrequest");
    await link.submitRequest({ id: "discord-old-1", requester: ivy, text: "broken: an ancient marmalade request" });
    await w.settle();
    const start = w.clock.now;
    w.clock.now = start + 89 * DAY;
    expect(w.app.retention()).toEqual({ changes: 0, auditEntries: 0 });
    expect(w.app.store.changes.byId("discord-old-1")?.text).toBe("broken: an ancient marmalade request");
    w.clock.now = start + 91 * DAY;
    const r = w.app.retention();
    expect(r.changes).toBe(1); // discord-secret-1 was erased already; the open change is kept
    expect(r.auditEntries).toBeGreaterThan(0);
    expect(w.app.store.changes.byId("discord-old-1")).toMatchObject({ text: "", requester: "(erased)", state: "failed" });
    expect(w.app.store.audit.of("discord-old-1").at(-1)).toMatchObject({ event: "personal-data.erased", detail: { why: "retention" } });
    expect(w.app.store.changes.byId("discord-open-1")?.text).toBe(OPEN_TEXT);
    expect(w.app.retention()).toEqual({ changes: 0, auditEntries: 0 });
  });
});

describe("app data encrypted at rest: a data directory from before", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("a 0644 store with plaintext rows is tightened to 0600 and its rows are sealed by the migration", () => {
    const dir = mkdtempSync(join(tmpdir(), "ouro-app-privacy-"));
    dirs.push(dir);
    const file = join(dir, DATABASE_FILE);
    const key = Buffer.alloc(32, 9);
    // A store as the previous version left it (schema 2), then its rows in plaintext.
    new Store(dir, key).close();
    const old = new DatabaseSync(file);
    old.exec("DELETE FROM kv; PRAGMA user_version = 2;");
    old.exec(`DROP INDEX changes_requester; DROP INDEX audit_subject;
ALTER TABLE changes DROP COLUMN requester_hash; ALTER TABLE changes DROP COLUMN erased_at; ALTER TABLE audit DROP COLUMN subject;`);
    old
      .prepare(
        "INSERT INTO changes (id, request_id, kind, source, requester, requester_key, text, title, request_json, state, created_at, updated_at, target_key) VALUES ('o1', 'discord-o1', 'change', 'discord', 'Olga Plaintext', 'discord:31337', 'make toast-o-matic', 'Make toast-o-matic', ?, 'failed', 1, 1, 'text:discord:31337:abc')",
      )
      .run(
        JSON.stringify({
          id: "o1",
          requester: { source: "discord", id: "31337", name: "Olga Plaintext", roles: [] },
          text: "make toast-o-matic",
        }),
      );
    old
      .prepare("INSERT INTO audit (change_id, at, event, detail) VALUES ('o1', '1970-01-01T00:00:00.001Z', 'request', ?)")
      .run(JSON.stringify({ source: "discord", requester: "discord:31337", text: "make toast-o-matic" }));
    old.prepare("INSERT INTO votes (change_id, voter, vote, at) VALUES ('o1', 'discord:31337', 'up', 1)").run();
    old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    old.close();
    chmodSync(file, 0o644);

    const s = new Store(dir, key);
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(readFileSync(file).includes(Buffer.from("toast-o-matic"))).toBe(false);
    expect(s.changes.byId("o1")).toMatchObject({ text: "make toast-o-matic", requester: "Olga Plaintext", requesterKey: "discord:31337" });
    expect(s.audit.of("o1")[0].detail).toMatchObject({ text: "make toast-o-matic" });
    s.close();
    const db = new DatabaseSync(file, { readOnly: true });
    const row = db.prepare("SELECT text, requester_key, requester_hash, target_key FROM changes WHERE id = 'o1'").get() as Record<
      string,
      unknown
    >;
    const voter = db.prepare("SELECT voter FROM votes").get() as { voter: string };
    const version = db.prepare("PRAGMA user_version").get() as { user_version: number };
    db.close();
    expect(row.text).toBeInstanceOf(Uint8Array);
    expect(row.requester_key).toBeInstanceOf(Uint8Array);
    expect(row.requester_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.target_key).toMatch(/^text:[0-9a-f]{64}$/);
    expect(voter.voter).toMatch(/^[0-9a-f]{64}$/);
    expect(version.user_version).toBeGreaterThanOrEqual(3);

    // …and /forget reaches the migrated rows too, and her GitHub link.
    const t = new Store(dir, key);
    t.identities.useCode("c0de", { discordKey: t.identities.keyOf("31337"), login: "olga", expiresAt: Date.now() + DAY });
    expect(t.forget("31337")).toMatchObject({ changes: 1, votes: 1, links: 1 });
    expect(t.changes.byId("o1")?.text).toBe("");
    expect(t.identities.loginOf("31337")).toBeNull();
    t.close();
  });

  it("npm start with another key stops with exit code 2 and the reason in plain words; the store is unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ouro-app-privacy-"));
    dirs.push(dir);
    const s = new Store(dir, Buffer.alloc(32, 1));
    s.changes.insert({
      id: "k1",
      requestId: "discord-k1",
      kind: "change",
      source: "discord",
      requester: "Kim",
      requesterKey: "discord:9",
      text: "t",
      title: "t",
    });
    s.close();
    const file = join(dir, DATABASE_FILE);
    const before = readFileSync(file);
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const env = {
      PATH: process.env.PATH,
      APP_ID: "12",
      PRIVATE_KEY: pem,
      WEBHOOK_SECRET: "s3cret-s3cret",
      OURO_REPO: "acme/bot",
      OURO_APP_TOKEN: "t".repeat(20),
      OURO_ENCRYPTION_KEY: "02".repeat(32),
      OURO_DATA_DIR: dir,
      PORT: "0",
      OURO_BOT_LINK_PORT: "0",
      LOG_LEVEL: "silent" as const,
    };
    const err = await promisify(execFile)(process.execPath, ["app/main.ts"], { env }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim()).toBe(
      `the app's store ${file} was encrypted with another key: OURO_ENCRYPTION_KEY is not the key this data directory was written with; set the key it was written with (nothing was read or changed)`,
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
