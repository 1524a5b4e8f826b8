// The console's production sign-in against the GitHub stand-in, with the real app (Probot,
// the store, the console pages) and a browser made of fetch and a cookie jar: the console
// token (bearer or pasted once), and GitHub sign-in through the App's OAuth web flow — a
// writer acts, a reader sees but is refused, someone without access is turned away, the state
// is single use and bound to the browser, a cancelled consent signs nobody in, sessions end
// (8 h, sign-out) and a demoted user loses the power once the 10-minute re-check comes round.
// Time is the app's clock (advanced by the test), never slept.
import { randomBytes } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../../app/config.ts";
import type { AppConfig } from "../../../app/config.ts";
import { createConsoleAuth, RECHECK_MS } from "../../../app/console/auth/index.ts";
import type { ConsoleAuthOptions } from "../../../app/console/auth/index.ts";
import { SESSION_TTL_MS } from "../../../app/console/auth/sessions.ts";
import { startApp } from "../../../app/start.ts";
import type { RunningApp } from "../../../app/start.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { ENCRYPTION_KEY, fixedWriter, policyWith, REPO, startRepoWithOuro, TOKEN } from "../harness.ts";
import { Browser, formOf } from "../../local/github/browser.ts";

const CONSOLE_TOKEN = randomBytes(24).toString("hex"); // 48 characters
let gh: GitHubStandIn;
let reg: RegisteredApp;
let app: RunningApp;
let dataDir: string;
const clock = { now: Date.now() };
const logs: string[] = [];

beforeAll(async () => {
  ({ gh, reg } = await startRepoWithOuro({ "README.md": "# bot\n", "policies/ouro.yml": policyWith({ editable: ["docs/**"] }) }));
  dataDir = mkdtempSync(join(tmpdir(), "ouro-console-auth-"));
  const config: AppConfig = {
    appId: reg.appId,
    privateKey: reg.privateKey,
    webhookSecret: reg.webhookSecret,
    apiUrl: gh.apiUrl,
    gitUrl: gh.url,
    owner: "acme",
    repo: "bot",
    appToken: TOKEN,
    dataDir,
    encryptionKey: ENCRYPTION_KEY,
    port: 0,
    host: "127.0.0.1",
    botLink: { host: "127.0.0.1", port: 0 },
    webhookPath: "/api/github/webhooks",
    logLevel: "debug",
    octokit: { retries: 0, retryBaseMs: 20, writeSpacingMs: 0 },
  };
  const console: ConsoleAuthOptions = {
    mode: "production",
    token: CONSOLE_TOKEN,
    github: { clientId: reg.clientId, clientSecret: reg.clientSecret, webUrl: gh.url },
  };
  // Every log line is kept: no token, code or secret may ever show in one.
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
  app = await startApp({ config, writer: fixedWriter, now: () => clock.now, logger, tickMs: 3_600_000, console });
  gh.setWebhook(reg.appId, `${app.url}${config.webhookPath}`);
  gh.setCallbackUrls(reg.appId, [`${app.url}/console/auth/callback`]);
  gh.driver.setPermission(REPO, "rita", "read");
  gh.driver.setPermission(REPO, "tom", "triage");
  gh.driver.setPermission(REPO, "nora", "none");
  for (const login of ["wendy", "maya", "rita", "tom", "nora", "dora", "dan", "sid", "xena"]) gh.driver.user(login);
  gh.driver.setPermission(REPO, "maya", "maintain");
});
afterAll(async () => {
  await app?.close();
  await gh?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const atApp = (u: string) => u.startsWith(app.url);
const stopped = () => app.store.values.stop().stopped;

/**
 * Signs `login` in through the console's sign-in page, GitHub's sign-in and its Authorize page
 * (GitHub skips the ones this browser went through before); returns where it landed.
 */
async function signInWithGitHub(b: Browser, login: string, opts: { consent?: boolean } = {}) {
  const start = await b.follow(`${app.url}/console/live`);
  expect(new URL(start.url).pathname).toBe("/console/auth/sign-in");
  const link = /href="(\/console\/auth\/github[^"]*)"/.exec(await start.res.text())?.[1];
  expect(link, "the sign-in page links to GitHub sign-in").toBeTruthy();
  let at = await b.follow(new URL(link!.replace(/&amp;/g, "&"), app.url).toString(), {}, atApp);
  if (!atApp(at.url) && new URL(at.url).pathname === "/login") {
    const form = formOf(await at.res.text(), at.url);
    at = await b.submit(form.action, { ...form.fields, login }, atApp);
  }
  if (!atApp(at.url)) {
    const page = await at.res.text();
    expect(page).toContain(`Signed in as <strong>${login}</strong>`);
    const consent = formOf(page, at.url);
    // Approving or cancelling sends the browser back to the console's callback.
    at = await b.submit(consent.action, { ...consent.fields, authorize: opts.consent === false ? "0" : "1" }, atApp);
  }
  const callbackUrl = at.url;
  const stateCookie = b.cookie(app.url, "ouro_console_state");
  const landed = await b.follow(callbackUrl);
  return { callbackUrl, stateCookie, res: landed.res, url: landed.url, html: await landed.res.text() };
}

const csrfOf = (html: string): string => {
  const m = /name="csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error("no csrf field on the page");
  return m[1];
};

/** Presses "Stop" on the Live page as this browser; the response status. */
async function pressStop(b: Browser, csrf: string): Promise<number> {
  const r = await b.fetch(`${app.url}/console/stop`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf }).toString(),
  });
  await r.arrayBuffer();
  return r.status;
}

async function resumeAsToken(): Promise<void> {
  const r = await fetch(`${app.url}/console/resume`, {
    method: "POST",
    headers: { authorization: `Bearer ${CONSOLE_TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
    body: "",
    redirect: "manual",
  });
  expect(r.status).toBe(303);
  expect(stopped()).toBe(false);
}

describe("the console token", () => {
  it("lets a headless client in with the right bearer token and refuses a wrong one with 401", async () => {
    const right = await fetch(`${app.url}/console/live`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/Signed in as <strong>token<\/strong>\s*—\s*may act/);
    const wrong = await fetch(`${app.url}/console/events`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN.slice(0, -1)}x` } });
    expect(wrong.status).toBe(401);
    const none = await fetch(`${app.url}/console/events`);
    expect(none.status).toBe(401);
    // A headless client acts with its header alone (no cookie, so no cross-site risk).
    const stop = await fetch(`${app.url}/console/stop`, {
      method: "POST",
      headers: { authorization: `Bearer ${CONSOLE_TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
      body: "",
      redirect: "manual",
    });
    expect(stop.status).toBe(303);
    expect(stopped()).toBe(true);
    await resumeAsToken();
  });

  it("pasted once on the sign-in page, opens a session; a wrong token is a 401 and no session", async () => {
    const b = new Browser();
    const wrong = await b.submit(`${app.url}/console/auth/token`, { token: "x".repeat(48), next: "/console/live" });
    expect(wrong.res.status).toBe(401);
    expect(await wrong.res.text()).toContain("That token is not right.");
    expect(b.cookie(app.url, "ouro_console")).toBeUndefined();

    const right = await b.submit(`${app.url}/console/auth/token`, { token: CONSOLE_TOKEN, next: "/console/live" });
    expect(right.url).toBe(`${app.url}/console/live`);
    const html = await right.res.text();
    expect(html).toMatch(/Signed in as <strong>token<\/strong>/);
    expect(html).not.toContain(CONSOLE_TOKEN);
    // The session cookie: HttpOnly, SameSite=Lax, scoped to the console.
    const again = await fetch(`${app.url}/console/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: CONSOLE_TOKEN }).toString(),
      redirect: "manual",
    });
    expect(again.headers.getSetCookie().find((c) => c.startsWith("ouro_console="))).toMatch(
      /^ouro_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=28800; HttpOnly; SameSite=Lax$/,
    );
    // Acting needs the session's CSRF token; without it nothing happens.
    expect(await pressStop(b, "")).toBe(403);
    expect(stopped()).toBe(false);
    expect(await pressStop(b, csrfOf(html))).toBe(303);
    expect(stopped()).toBe(true);
    await resumeAsToken();
    // Signing in again replaces the session: the earlier id is dead.
    const first = b.cookie(app.url, "ouro_console")!;
    await b.submit(`${app.url}/console/auth/token`, { token: CONSOLE_TOKEN });
    expect(b.cookie(app.url, "ouro_console")).not.toBe(first);
    const old = await fetch(`${app.url}/console/live`, { headers: { cookie: `ouro_console=${first}` }, redirect: "manual" });
    expect(old.status).toBe(303);
  });
});

describe("GitHub sign-in through the App", () => {
  it("signs in a user with write access, who may act", async () => {
    const b = new Browser();
    const { url, html } = await signInWithGitHub(b, "wendy");
    expect(url).toBe(`${app.url}/console/live`);
    expect(html).toMatch(/Signed in as <strong>wendy<\/strong>\s*—\s*may act/);
    expect(await pressStop(b, csrfOf(html))).toBe(303);
    expect(stopped()).toBe(true);
    await resumeAsToken();
    // maintain acts too
    const m = await signInWithGitHub(new Browser(), "maya");
    expect(m.html).toMatch(/Signed in as <strong>maya<\/strong>\s*—\s*may act/);
  });

  it("lets a read-only user see but not act: the POST is refused with 403 and changes nothing", async () => {
    for (const login of ["rita", "tom"]) {
      const b = new Browser();
      const { html } = await signInWithGitHub(b, login);
      expect(html).toMatch(new RegExp(`Signed in as <strong>${login}</strong>\\s*—\\s*read only`));
      const changes = await b.fetch(`${app.url}/console/`);
      expect(changes.status).toBe(200);
      const before = app.store.values.stop();
      expect(await pressStop(b, csrfOf(html))).toBe(403);
      expect(app.store.values.stop()).toEqual(before);
      expect(stopped()).toBe(false);
    }
  });

  it("refuses a user with no access to the repository, and signs nobody in", async () => {
    const b = new Browser();
    const r = await signInWithGitHub(b, "nora");
    expect(r.res.status).toBe(403);
    expect(r.html).toContain("You (nora) have no access to acme/bot");
    expect(b.cookie(app.url, "ouro_console")).toBeUndefined();
    const page = await b.fetch(`${app.url}/console/live`);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toMatch(/^\/console\/auth\/sign-in/);
  });

  it("refuses a missing, made-up, reused or other browser's state", async () => {
    const b = new Browser();
    const bogus = await b.fetch(`${app.url}/console/auth/callback?code=abc&state=made-up`);
    expect(bogus.status).toBe(400);
    expect(await bogus.text()).toContain("This sign-in link is not valid here");
    const missing = await b.fetch(`${app.url}/console/auth/callback?code=abc`);
    expect(missing.status).toBe(400);

    const { callbackUrl, stateCookie, html } = await signInWithGitHub(b, "dan");
    expect(html).toMatch(/Signed in as <strong>dan<\/strong>/);
    // Replayed with the very cookie that started it: the state is spent.
    const replay = await fetch(callbackUrl, { headers: { cookie: `ouro_console_state=${stateCookie}` }, redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("This sign-in link is not valid here");
    // The same callback again (state already used), in the same browser and in another one.
    const reused = await b.fetch(callbackUrl);
    expect(reused.status).toBe(400);
    const other = new Browser();
    const stolen = await other.fetch(callbackUrl);
    expect(stolen.status).toBe(400);
    expect(other.cookie(app.url, "ouro_console")).toBeUndefined();
  });

  it("a state started in one browser does not sign in another", async () => {
    const a = new Browser();
    const start = await a.fetch(`${app.url}/console/auth/github`);
    const authorize = new URL(start.headers.get("location")!);
    const state = authorize.searchParams.get("state")!;
    // Another browser (no state cookie) arrives with that state and a real code for sid.
    const b = new Browser();
    const login = await b.follow(authorize.toString());
    const form = formOf(await login.res.text(), login.url);
    const page = await b.submit(form.action, { ...form.fields, login: "sid" });
    const consent = formOf(await page.res.text(), page.url);
    const back = await b.submit(consent.action, { ...consent.fields, authorize: "1" }, atApp);
    expect(new URL(back.url).searchParams.get("state")).toBe(state);
    const r = await b.fetch(back.url);
    expect(r.status).toBe(400);
    expect(b.cookie(app.url, "ouro_console")).toBeUndefined();
  });

  it("signs nobody in when the user cancels on GitHub", async () => {
    const b = new Browser();
    const r = await signInWithGitHub(b, "xena", { consent: false });
    expect(r.res.status).toBe(403);
    expect(r.html).toContain("You did not authorize the Ouro console on GitHub");
    expect(b.cookie(app.url, "ouro_console")).toBeUndefined();
  });

  it("ends sessions after 8 hours and on sign-out", async () => {
    const b = new Browser();
    await signInWithGitHub(b, "wendy");
    clock.now += SESSION_TTL_MS + 1;
    const expired = await b.fetch(`${app.url}/console/live`);
    expect(expired.status).toBe(303);

    const { html } = await signInWithGitHub(b, "wendy");
    const cookieBefore = b.cookie(app.url, "ouro_console")!;
    const confirm = await b.fetch(`${app.url}/console/auth/sign-out`);
    const form = formOf(await confirm.text(), `${app.url}/console/auth/sign-out`);
    expect(form.fields.csrf).toBe(csrfOf(html));
    const out = await b.submit(form.action, form.fields);
    expect(new URL(out.url).pathname).toBe("/console/auth/sign-in");
    expect(b.cookie(app.url, "ouro_console")).toBeUndefined();
    // The old cookie is dead on the server too.
    const replay = await fetch(`${app.url}/console/live`, { headers: { cookie: `ouro_console=${cookieBefore}` }, redirect: "manual" });
    expect(replay.status).toBe(303);
  });

  it("takes the power from a demoted user at the next re-check, and the session from one removed", async () => {
    const b = new Browser();
    const { html } = await signInWithGitHub(b, "dora");
    expect(html).toMatch(/—\s*may act/);
    gh.driver.setPermission(REPO, "dora", "read");
    clock.now += RECHECK_MS + 1;
    const live = await b.fetch(`${app.url}/console/live`);
    expect(await live.text()).toMatch(/Signed in as <strong>dora<\/strong>\s*—\s*read only/);
    expect(await pressStop(b, csrfOf(html))).toBe(403);
    expect(stopped()).toBe(false);

    gh.driver.setPermission(REPO, "dora", "none");
    clock.now += RECHECK_MS + 1;
    const gone = await b.fetch(`${app.url}/console/live`);
    expect(gone.status).toBe(303);
    expect(gone.headers.get("location")).toMatch(/^\/console\/auth\/sign-in/);
  });

  it("keeps no user token, code or secret in the log", () => {
    const all = logs.join("\n");
    expect(all).toContain("console: wendy signed in");
    expect(all).not.toMatch(/ghu_|ghr_/);
    expect(all).not.toContain(reg.clientSecret);
    expect(all).not.toContain(CONSOLE_TOKEN);
  });
});

describe("local mode", () => {
  it("is only for this machine: a loopback peer asking for a loopback host, and its CSRF token is checked", async () => {
    const auth = createConsoleAuth(app.context, { mode: "local" });
    const server = createServer((req, res) => {
      void (async () => {
        const v = await auth.viewer(req);
        const csrf = auth.csrfToken(req);
        const ok = auth.verifyCsrf(req, (req.headers["x-csrf"] as string | undefined) ?? undefined);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ v, csrf, ok }));
      })();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = (await (await fetch(base)).json()) as { v: unknown; csrf: string; ok: boolean };
      expect(first.v).toEqual({ login: "local", canAct: true, via: "local" });
      expect(first.ok).toBe(false);
      const withCsrf = (await (await fetch(base, { headers: { "x-csrf": first.csrf } })).json()) as { ok: boolean };
      expect(withCsrf.ok).toBe(true);
      // A page on another name that resolves here (DNS rebinding) is not the local viewer.
      // (node:http, since fetch will not send another Host.)
      const rebound = await new Promise<string>((resolve, reject) => {
        request(base, { headers: { host: "evil.example" } }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => resolve(text));
        })
          .on("error", reject)
          .end();
      });
      expect(JSON.parse(rebound)).toMatchObject({ v: null, csrf: null, ok: false });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("with no way to sign in", () => {
  it("lets nobody in and says on the sign-in page how to turn the console on", async () => {
    const auth = createConsoleAuth(app.context, { mode: "production" });
    const server = createServer((req, res) => {
      void (async () => {
        if (await auth.handle(req, res)) return;
        const v = await auth.viewer(req);
        res.writeHead(v ? 200 : 401).end();
      })();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/console/auth/sign-in`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("The console is off");
      expect((await fetch(`${base}/console/live`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } })).status).toBe(401);
      const pasted = await fetch(`${base}/console/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: CONSOLE_TOKEN }).toString(),
        redirect: "manual",
      });
      expect(pasted.status).toBe(404);
      expect(pasted.headers.getSetCookie()).toEqual([]);
      expect((await fetch(`${base}/console/auth/github`, { redirect: "manual" })).status).toBe(404);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("configuration", () => {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const env = {
    APP_ID: "12",
    PRIVATE_KEY: pem,
    WEBHOOK_SECRET: "s3cret-s3cret",
    OURO_REPO: "acme/bot",
    OURO_APP_TOKEN: "t".repeat(20),
    OURO_ENCRYPTION_KEY: "0f".repeat(32),
    GHE_HOST: "127.0.0.1:3030",
    GHE_PROTOCOL: "http",
  };
  const error = (e: Record<string, string>): string => {
    try {
      loadConfig(e);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error("loadConfig accepted it");
  };

  it("refuses a console token shorter than 32 characters in plain words", () => {
    expect(error({ ...env, OURO_CONSOLE_TOKEN: "short-token" })).toContain("OURO_CONSOLE_TOKEN must be at least 32 characters");
  });

  it("refuses half an OAuth pair, and local mode off loopback", () => {
    expect(error({ ...env, OURO_GITHUB_CLIENT_ID: "Iv1.abc" })).toContain(
      "OURO_GITHUB_CLIENT_ID is set but OURO_GITHUB_CLIENT_SECRET is not",
    );
    expect(error({ ...env, OURO_CONSOLE: "local", HOST: "0.0.0.0" })).toContain("HOST must be loopback");
    expect(error({ ...env, OURO_PUBLIC_URL: "ouro.example.com" })).toContain("OURO_PUBLIC_URL must be");
  });

  it("builds the production sign-in from the token, the App's client (or setup's names) and the stand-in's web URL", () => {
    expect(loadConfig(env).console).toEqual({ mode: "production" });
    expect(
      loadConfig({
        ...env,
        OURO_CONSOLE_TOKEN: "k".repeat(32),
        GITHUB_CLIENT_ID: "Iv1.abc",
        GITHUB_CLIENT_SECRET: "sec",
        OURO_PUBLIC_URL: "https://ouro.example.com/",
      }).console,
    ).toEqual({
      mode: "production",
      token: "k".repeat(32),
      github: { clientId: "Iv1.abc", clientSecret: "sec", webUrl: "http://127.0.0.1:3030" },
      publicUrl: "https://ouro.example.com",
    });
    expect(loadConfig({ ...env, OURO_CONSOLE: "local" }).console).toEqual({ mode: "local" });
  });
});
