// The console's sign-in across two app replicas on one PostgreSQL database, behind one address
// (a small router in front, as a load balancer: the test says which replica takes the next
// request). Real clients against the GitHub stand-in: a browser made of fetch and a cookie jar
// goes through the App's OAuth web flow with the authorize step on replica A and the callback
// on B; the cookie then works on both, a sign-out on one ends it on the other, a state is
// accepted once (also when both replicas get it at the same moment), a restart keeps sessions,
// and the tables — read with a connection of the test's own — hold no raw secret.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECHECK_MS, STATE_TTL_MS } from "../../../app/console/auth/index.ts";
import { SESSION_TTL_MS } from "../../../app/console/auth/sessions.ts";
import { startApp } from "../../../app/start.ts";
import type { RunningApp } from "../../../app/start.ts";
import { PostgresDb } from "../../../contract/storage/postgres.ts";
import { freshSchema, postgresDatabase } from "../../helpers/postgres.ts";
import { Browser, formOf } from "../../local/github/browser.ts";
import { fixedWriter, REPO, startWorld } from "../harness.ts";
import type { World } from "../harness.ts";
import { CONSOLE_TOKEN, csrfOf } from "./world.ts";

type Replica = "A" | "B";

let w: World;
let b: RunningApp;
let dataDirB: string;
let databaseUrl: string;
let own: PostgresDb;
const router = { to: "A" as Replica, served: [] as { replica: Replica; path: string }[], url: "", server: null as Server | null };
const replicas = { takeoverMs: 100, followMs: 50 };

const appOf = (r: Replica): RunningApp => (r === "A" ? w.app : b);

/** One address in front of both replicas; each request goes to `router.to` and is logged. */
async function startRouter(): Promise<void> {
  const server = createServer((req, res) => {
    const replica = router.to;
    const target = new URL(appOf(replica).url);
    router.served.push({ replica, path: (req.url ?? "/").split("?")[0] });
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.once("error", (e) => res.writeHead(502, { "content-type": "text/plain" }).end(`replica ${replica} did not answer: ${e.message}`));
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  router.server = server;
  router.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const atRouter = (u: string) => u.startsWith(router.url);
/** The replica that served the last request for `path`. */
const servedBy = (path: string) => router.served.filter((s) => s.path === path).at(-1)?.replica;
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("base64url");
const rows = (table: string) => own.prepare(`SELECT * FROM ${table}`).all();
const counts = () => ({ sessions: rows("console_sessions").length, signIns: rows("console_sign_ins").length });

beforeAll(async () => {
  await startRouter();
  databaseUrl = freshSchema(await postgresDatabase());
  w = await startWorld({ databaseUrl, start: { replicas } });
  w.config.console = {
    mode: "production",
    token: CONSOLE_TOKEN,
    github: { clientId: w.reg.clientId, clientSecret: w.reg.clientSecret, webUrl: w.gh.url },
    publicUrl: router.url,
  };
  await w.restart();
  dataDirB = mkdtempSync(join(tmpdir(), "ouro-console-replica-b-"));
  b = await startApp({
    config: { ...w.config, dataDir: dataDirB },
    writer: fixedWriter,
    now: () => w.clock.now,
    logger: pino({ level: process.env.OURO_TEST_LOG ?? "silent" }),
    tickMs: 3_600_000,
    replicas,
  });
  w.gh.setCallbackUrls(w.reg.appId, [`${router.url}/console/auth/callback`]);
  for (const login of ["wendy", "dora", "dan"]) w.gh.driver.user(login);
  own = new PostgresDb(databaseUrl);
});
afterAll(async () => {
  own?.close();
  await b?.close();
  await w?.close();
  await new Promise<void>((resolve) => (router.server ? router.server.close(() => resolve()) : resolve()));
  if (dataDirB) rmSync(dataDirB, { recursive: true, force: true });
});

/**
 * Through the router, the sign-in page and the start of the OAuth flow on `start`, then GitHub's
 * sign-in and Authorize pages as `login`: the callback URL GitHub sends the browser back to.
 */
async function toCallback(browser: Browser, login: string, start: Replica): Promise<string> {
  router.to = start;
  const page = await browser.follow(`${router.url}/console/live`);
  expect(new URL(page.url).pathname).toBe("/console/auth/sign-in");
  const link = /href="(\/console\/auth\/github[^"]*)"/.exec(await page.res.text())?.[1];
  expect(link, "the sign-in page links to GitHub sign-in").toBeTruthy();
  const toGitHub = await browser.follow(new URL(link!.replace(/&amp;/g, "&"), router.url).toString());
  expect(servedBy("/console/auth/github")).toBe(start);
  const form = formOf(await toGitHub.res.text(), toGitHub.url);
  let back = await browser.submit(form.action, { ...form.fields, login }, atRouter);
  // GitHub asks for consent once per user; after that it sends the browser straight back.
  if (!atRouter(back.url)) {
    const consent = formOf(await back.res.text(), back.url);
    back = await browser.submit(consent.action, { ...consent.fields, authorize: "1" }, atRouter);
  }
  expect(new URL(back.url).pathname).toBe("/console/auth/callback");
  return back.url;
}

/** Signs `login` in: the flow starts on `start` (toCallback) and GitHub's callback lands on `callback`. */
async function signIn(login: string, start: Replica, callback: Replica) {
  const browser = new Browser();
  const callbackUrl = await toCallback(browser, login, start);
  const stateCookie = browser.cookie(router.url, "ouro_console_state")!;
  router.to = callback;
  const landed = await browser.follow(callbackUrl);
  expect(servedBy("/console/auth/callback")).toBe(callback);
  return { browser, callbackUrl, stateCookie, url: landed.url, status: landed.res.status, html: await landed.res.text() };
}

/** GET a console page on one replica directly (not through the router) with these cookies. */
async function getOn(r: Replica, path: string, cookie: string): Promise<{ status: number; location: string | null; html: string }> {
  const res = await fetch(`${appOf(r).url}${path}`, { headers: { cookie }, redirect: "manual" });
  return { status: res.status, location: res.headers.get("location"), html: await res.text() };
}

async function postOn(r: Replica, path: string, form: Record<string, string>, cookie: string): Promise<number> {
  const res = await fetch(`${appOf(r).url}${path}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  await res.arrayBuffer();
  return res.status;
}

const resumeWithToken = async () => {
  const res = await fetch(`${b.url}/console/resume`, {
    method: "POST",
    headers: { authorization: `Bearer ${CONSOLE_TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
    body: "",
    redirect: "manual",
  });
  expect(res.status).toBe(303);
};

describe("GitHub sign-in across replicas", () => {
  it("starts on A and finishes on B; the cookie then works on both, and a form from A acts on B", async () => {
    const s = await signIn("wendy", "A", "B");
    expect(s.url).toBe(`${router.url}/console/live`);
    expect(s.html).toMatch(/Signed in as <strong>wendy<\/strong>\s*—\s*may act/);
    const cookie = `ouro_console=${s.browser.cookie(router.url, "ouro_console")}`;
    for (const r of ["A", "B"] as const) {
      const page = await getOn(r, "/console/live", cookie);
      expect(page.status, `replica ${r}`).toBe(200);
      expect(page.html).toMatch(/Signed in as <strong>wendy<\/strong>\s*—\s*may act/);
    }
    // The CSRF token of a page A rendered is good on B.
    const fromA = csrfOf((await getOn("A", "/console/live", cookie)).html);
    expect(await postOn("B", "/console/stop", { csrf: fromA }, cookie)).toBe(303);
    expect(w.app.store.values.stop().stopped).toBe(true);
    await resumeWithToken();
    expect(await postOn("A", "/console/stop", { csrf: "x".repeat(43) }, cookie)).toBe(403);
    expect(w.app.store.values.stop().stopped).toBe(false);
  });

  it("signed out on B is signed out on A", async () => {
    const s = await signIn("wendy", "B", "A");
    const cookie = `ouro_console=${s.browser.cookie(router.url, "ouro_console")}`;
    expect((await getOn("A", "/console/live", cookie)).status).toBe(200);
    router.to = "B";
    const confirm = await s.browser.fetch(`${router.url}/console/auth/sign-out`);
    const form = formOf(await confirm.text(), `${router.url}/console/auth/sign-out`);
    const out = await s.browser.submit(form.action, form.fields);
    expect(servedBy("/console/auth/sign-out")).toBe("B");
    expect(new URL(out.url).pathname).toBe("/console/auth/sign-in");
    for (const r of ["A", "B"] as const) {
      const page = await getOn(r, "/console/live", cookie);
      expect(page.status, `replica ${r}`).toBe(303);
      expect(page.location).toMatch(/^\/console\/auth\/sign-in/);
    }
  });

  it("refuses a state replayed on the other replica, and takes one state once when both get it at the same moment", async () => {
    const s = await signIn("dan", "A", "A");
    expect(s.html).toMatch(/Signed in as <strong>dan<\/strong>/);
    const replay = await fetch(`${b.url}${new URL(s.callbackUrl).pathname}${new URL(s.callbackUrl).search}`, {
      headers: { cookie: `ouro_console_state=${s.stateCookie}` },
      redirect: "manual",
    });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("This sign-in link is not valid here");
    expect(replay.headers.getSetCookie().some((c) => c.startsWith("ouro_console=") && !c.startsWith("ouro_console=;"))).toBe(false);

    // A fresh sign-in whose callback reaches both replicas at once: one signs in, the other refuses.
    const browser = new Browser();
    const callbackUrl = new URL(await toCallback(browser, "dan", "A"));
    const headers = { cookie: `ouro_console_state=${browser.cookie(router.url, "ouro_console_state")}` };
    const both = await Promise.all(
      (["A", "B"] as const).map((r) =>
        fetch(`${appOf(r).url}${callbackUrl.pathname}${callbackUrl.search}`, { headers, redirect: "manual" }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([302, 400]);
    const won = both.find((r) => r.status === 302)!;
    const session = won.headers
      .getSetCookie()
      .find((c) => c.startsWith("ouro_console="))!
      .split(";")[0];
    expect(await both.find((r) => r.status === 400)!.text()).toContain("This sign-in link is not valid here");
    for (const r of ["A", "B"] as const) expect((await getOn(r, "/console/live", session)).status, `replica ${r}`).toBe(200);
  });
});

describe("what the database holds", () => {
  it("only hashes: no raw session id, state or state cookie is in the tables", async () => {
    const s = await signIn("wendy", "A", "B");
    const id = s.browser.cookie(router.url, "ouro_console")!;
    // A sign-in started and not finished: its state and the browser's cookie.
    const browser = new Browser();
    router.to = "B";
    const start = await browser.fetch(`${router.url}/console/auth/github`);
    const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
    const stateCookie = browser.cookie(router.url, "ouro_console_state")!;
    for (const secret of [id, state, stateCookie]) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const sessions = rows("console_sessions");
    const signIns = rows("console_sign_ins");
    const dump = JSON.stringify([sessions, signIns]);
    for (const secret of [id, state, stateCookie]) expect(dump).not.toContain(secret);
    expect(sessions).toContainEqual(expect.objectContaining({ id_hash: sha256(id), login: "wendy", via: "github", can_act: 1 }));
    expect(signIns).toContainEqual(expect.objectContaining({ state_hash: sha256(state), browser_hash: sha256(stateCookie) }));
    // What the table holds does not open a session.
    expect((await getOn("A", "/console/live", `ouro_console=${sha256(id)}`)).status).toBe(303);
  });

  it("a restart signs nobody out", async () => {
    const s = await signIn("wendy", "B", "A");
    const cookie = `ouro_console=${s.browser.cookie(router.url, "ouro_console")}`;
    await w.restart();
    const page = await getOn("A", "/console/live", cookie);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/Signed in as <strong>wendy<\/strong>/);
  });

  it("keeps the role re-check's answer: a user demoted on GitHub may only look, on both replicas", async () => {
    const s = await signIn("dora", "A", "B");
    expect(s.html).toMatch(/—\s*may act/);
    const cookie = `ouro_console=${s.browser.cookie(router.url, "ouro_console")}`;
    w.gh.driver.setPermission(REPO, "dora", "read");
    w.clock.now += RECHECK_MS + 1;
    expect((await getOn("B", "/console/live", cookie)).html).toMatch(/Signed in as <strong>dora<\/strong>\s*—\s*read only/);
    expect(rows("console_sessions")).toContainEqual(expect.objectContaining({ login: "dora", can_act: 0, checked_at: w.clock.now }));
    expect((await getOn("A", "/console/live", cookie)).html).toMatch(/—\s*read only/);
    w.gh.driver.setPermission(REPO, "dora", "none");
    w.clock.now += RECHECK_MS + 1;
    expect((await getOn("A", "/console/live", cookie)).status).toBe(303);
    expect(rows("console_sessions").filter((r) => r.login === "dora")).toEqual([]);
    expect((await getOn("B", "/console/live", cookie)).status).toBe(303);
  });
});

describe("bad input", () => {
  it("a malformed or unknown cookie is not signed in, and changes nothing", async () => {
    const before = counts();
    for (const value of ["", "x", "'; DROP TABLE console_sessions; --", "A".repeat(43), "é".repeat(43)]) {
      const page = await getOn("B", "/console/live", `ouro_console=${encodeURIComponent(value)}`);
      expect(page.status, value).toBe(303);
      expect(page.location).toMatch(/^\/console\/auth\/sign-in/);
    }
    const out = await postOn("A", "/console/auth/sign-out", { csrf: "x" }, "ouro_console=not-a-session");
    expect(out).toBe(302);
    expect(counts()).toEqual(before);
  });

  it("an unknown or malformed state gets the plain refusal and takes nothing", async () => {
    const browser = new Browser();
    router.to = "A";
    await (await browser.fetch(`${router.url}/console/auth/github`)).arrayBuffer();
    const before = counts();
    for (const state of ["made-up", "B".repeat(43), ""]) {
      router.to = "B";
      const res = await browser.fetch(`${router.url}/console/auth/callback?code=abc&state=${encodeURIComponent(state)}`);
      expect(res.status, state).toBe(400);
      expect(await res.text()).toContain("This sign-in link is not valid here");
    }
    expect(counts()).toEqual(before);
  });
});

describe("a replica whose database refuses writes", () => {
  it("keeps honouring sessions, and refuses sign-in and sign-out with a 503 that says why, changing nothing", async () => {
    const s = await signIn("wendy", "B", "B");
    const cookie = `ouro_console=${s.browser.cookie(router.url, "ouro_console")}`;
    const database = new URL(databaseUrl).pathname.slice(1);
    // New connections to the database are read-only: A's, once restarted (B keeps its own).
    own.exec(`ALTER DATABASE ${database} SET default_transaction_read_only = on`);
    try {
      await w.restart();
      const before = counts();
      expect((await getOn("A", "/console/live", cookie)).status).toBe(200);

      const token = await fetch(`${w.app.url}/console/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: CONSOLE_TOKEN }).toString(),
        redirect: "manual",
      });
      expect(token.status).toBe(503);
      const why = await token.text();
      expect(why).toContain("The console cannot keep sign-ins just now");
      expect(why).toContain("PostgreSQL refuses writes: the database is read-only");
      expect(why).toContain("Nothing was changed");
      expect(token.headers.getSetCookie()).toEqual([]);
      const github = await fetch(`${w.app.url}/console/auth/github`, { redirect: "manual" });
      expect(github.status).toBe(503);
      expect(github.headers.getSetCookie()).toEqual([]);

      const csrf = csrfOf((await getOn("A", "/console/auth/sign-out", cookie)).html);
      expect(await postOn("A", "/console/auth/sign-out", { csrf }, cookie)).toBe(503);
      expect(counts()).toEqual(before);
      expect((await getOn("B", "/console/live", cookie)).status).toBe(200);
    } finally {
      own.exec(`ALTER DATABASE ${database} RESET default_transaction_read_only`);
      await w.restart();
    }
    expect(
      await postOn("A", "/console/auth/sign-out", { csrf: csrfOf((await getOn("A", "/console/auth/sign-out", cookie)).html) }, cookie),
    ).toBe(302);
    expect((await getOn("B", "/console/live", cookie)).status).toBe(303);
  });
});

describe("expiry", () => {
  it("ends a session after 8 hours on every replica and deletes expired rows (on read, and purgeExpired)", async () => {
    const s = await signIn("wendy", "A", "B");
    const id = s.browser.cookie(router.url, "ouro_console")!;
    router.to = "A";
    await (await new Browser().fetch(`${router.url}/console/auth/github`)).arrayBuffer();
    w.clock.now += Math.max(SESSION_TTL_MS, STATE_TTL_MS) + 1;
    expect((await getOn("B", "/console/live", `ouro_console=${id}`)).status).toBe(303);
    expect(rows("console_sessions").some((r) => r.id_hash === sha256(id))).toBe(false);
    expect(rows("console_sign_ins").length).toBeGreaterThan(0);
    const purged = b.store.consoleSessions.purgeExpired();
    expect(purged.signIns).toBeGreaterThan(0);
    expect(purged.sessions).toBeGreaterThan(0);
    expect(counts()).toEqual({ sessions: 0, signIns: 0 });
    expect((await getOn("A", "/console/live", `ouro_console=${id}`)).status).toBe(303);
  });
});
