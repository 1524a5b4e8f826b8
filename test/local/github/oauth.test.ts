// GitHub's web application flow for Apps on the stand-in, driven as a browser would (a cookie
// jar, the real pages and redirects) and exchanged with plain fetch as an app server would:
// sign in, authorize or cancel, the code → `ghu_…` token exchange with GitHub's error shapes
// (HTTP 200 with `error`), and `GET /user` with the token through Octokit.
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { Browser, formOf } from "./browser.ts";

const CALLBACK = "http://127.0.0.1:9/console/auth/callback";
const OTHER_CALLBACK = "http://127.0.0.1:9/other/callback";

let gh: GitHubStandIn;
let app: RegisteredApp;
beforeAll(async () => {
  gh = await startGitHub({ logLevel: "fatal" });
  app = await gh.registerApp({ name: "ouro-oauth", callbackUrls: [CALLBACK, OTHER_CALLBACK] });
  for (const login of ["alice", "bob", "carol", "dave", "erin", "frank"]) gh.driver.user(login);
});
afterAll(() => gh.close());

const authorizeUrl = (q: Record<string, string>) => `${gh.url}/login/oauth/authorize?${new URLSearchParams(q)}`;
const atCallback = (u: string) => u.startsWith("http://127.0.0.1:9/");

/** Signs `login` in on the stand-in, as its /login page does. */
async function signedIn(login: string): Promise<Browser> {
  const b = new Browser();
  const page = await b.fetch(`${gh.url}/login`);
  expect(await page.text()).toContain('name="login"');
  const r = await b.submit(`${gh.url}/session`, { login, return_to: "/" });
  expect(r.hops[0].status).toBe(302);
  expect(b.cookie(gh.url, "user_session")).toBeTruthy();
  return b;
}

/** Through the authorize page with the Authorize button; the callback URL GitHub sends the browser to. */
async function approve(b: Browser, q: Record<string, string>): Promise<URL> {
  const first = await b.follow(authorizeUrl(q), {}, atCallback);
  if (atCallback(first.url)) return new URL(first.url);
  const html = await first.res.text();
  expect(html).toMatch(/<h1>Authorize ouro-/);
  const form = formOf(html, first.url);
  const done = await b.submit(form.action, { ...form.fields, authorize: "1" }, atCallback);
  return new URL(done.url);
}

async function exchange(
  fields: Record<string, string>,
  accept = "application/json",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gh.url}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept, "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("GitHub's web application flow on the stand-in", () => {
  it("signs a user in, asks them, and trades the code once for a ghu_ token that GET /user answers for", async () => {
    const b = new Browser();
    // Nobody signed in: GitHub's sign-in first, then back to the authorize page.
    const first = await b.fetch(authorizeUrl({ client_id: app.clientId, redirect_uri: CALLBACK, state: "s1" }));
    expect(first.status).toBe(302);
    const login = new URL(first.headers.get("location")!, gh.url);
    expect(login.pathname).toBe("/login");
    expect(login.searchParams.get("return_to")).toMatch(/^\/login\/oauth\/authorize\?/);
    const signIn = await b.submit(`${gh.url}/session`, { login: "alice", return_to: login.searchParams.get("return_to")! });
    const html = await signIn.res.text();
    expect(html).toContain("Signed in as <strong>alice</strong>");
    const form = formOf(html, signIn.url);
    const back = new URL((await b.submit(form.action, { ...form.fields, authorize: "1" }, atCallback)).url);
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get("state")).toBe("s1");
    const code = back.searchParams.get("code")!;
    expect(code).toMatch(/^[0-9a-f]{20}$/);

    const { status, body } = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 28800, scope: "" });
    expect(body.access_token).toMatch(/^ghu_/);
    expect(body.refresh_token).toMatch(/^ghr_/);
    const me = await new Octokit({ auth: body.access_token as string, baseUrl: gh.apiUrl }).rest.users.getAuthenticated();
    expect(me.data.login).toBe("alice");

    // The same code again: GitHub's bad_verification_code, with HTTP 200.
    const again = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK });
    expect(again).toEqual({
      status: 200,
      body: expect.objectContaining({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }),
    });
    expect(again.body.access_token).toBeUndefined();

    // Authorized once: the next authorize goes straight back with a new code.
    const next = await b.follow(authorizeUrl({ client_id: app.clientId, redirect_uri: CALLBACK, state: "s2" }), {}, atCallback);
    expect(new URL(next.url).searchParams.get("state")).toBe("s2");
    expect(new URL(next.url).searchParams.get("code")).toMatch(/^[0-9a-f]{20}$/);
  });

  it("refuses a wrong client secret and an unknown client id with incorrect_client_credentials", async () => {
    const b = await signedIn("bob");
    const code = (await approve(b, { client_id: app.clientId, state: "x" })).searchParams.get("code")!;
    const wrong = await exchange({ client_id: app.clientId, client_secret: "0".repeat(40), code });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ error: "incorrect_client_credentials" });
    expect(wrong.body.access_token).toBeUndefined();
    const unknown = await exchange({ client_id: "Iv1.nosuchclient", client_secret: app.clientSecret, code });
    expect(unknown.body).toMatchObject({ error: "incorrect_client_credentials" });
  });

  it("binds the code to its redirect_uri: another one is redirect_uri_mismatch and spends the code", async () => {
    const b = await signedIn("carol");
    const back = await approve(b, { client_id: app.clientId, redirect_uri: OTHER_CALLBACK, state: "y" });
    expect(back.origin + back.pathname).toBe(OTHER_CALLBACK);
    const code = back.searchParams.get("code")!;
    const mismatch = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK });
    expect(mismatch.body).toMatchObject({ error: "redirect_uri_mismatch" });
    const after = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: OTHER_CALLBACK });
    expect(after.body).toMatchObject({ error: "bad_verification_code" });
  });

  it("answers form-encoded without Accept: application/json, as GitHub does", async () => {
    const b = await signedIn("dave");
    const code = (await approve(b, { client_id: app.clientId, state: "z" })).searchParams.get("code")!;
    const res = await fetch(`${gh.url}/login/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, code }).toString(),
    });
    expect(res.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(await res.text());
    expect(form.get("access_token")).toMatch(/^ghu_/);
    expect(form.get("token_type")).toBe("bearer");
  });

  it("sends a cancelled authorization back with error=access_denied and the state, and no code", async () => {
    const b = await signedIn("erin");
    const page = await b.follow(authorizeUrl({ client_id: app.clientId, redirect_uri: CALLBACK, state: "deny-me" }));
    const form = formOf(await page.res.text(), page.url);
    const back = new URL((await b.submit(form.action, { ...form.fields, authorize: "0" }, atCallback)).url);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("deny-me");
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("checks the redirect_uri against the App's callback URLs, the client id, and where the form came from", async () => {
    const b = await signedIn("frank");
    const mismatch = await b.fetch(authorizeUrl({ client_id: app.clientId, redirect_uri: "http://evil.example/cb", state: "m" }));
    expect(mismatch.status).toBe(302);
    const to = new URL(mismatch.headers.get("location")!);
    expect(to.origin + to.pathname).toBe(CALLBACK);
    expect(to.searchParams.get("error")).toBe("redirect_uri_mismatch");
    expect(to.searchParams.get("code")).toBeNull();

    const unknown = await b.fetch(authorizeUrl({ client_id: "Iv1.nosuchclient", state: "u" }));
    expect(unknown.status).toBe(404);

    // A form posted without this session's authenticity token (another site's) gets no code.
    const forged = await b.fetch(`${gh.url}/login/oauth/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, state: "f", authorize: "1" }).toString(),
    });
    expect(forged.status).toBe(422);
    expect(forged.headers.get("location")).toBeNull();
  });

  it("refuses to sign in an account that does not exist, and sets no session", async () => {
    const b = new Browser();
    const r = await b.submit(`${gh.url}/session`, { login: "nobody-here", return_to: "/" });
    expect(r.res.status).toBe(401);
    expect(await r.res.text()).toContain("Incorrect username or password.");
    expect(b.cookie(gh.url, "user_session")).toBeUndefined();
  });

  it("keeps the manifest's callback_urls and hands out a client secret the token exchange accepts", async () => {
    const manifest = {
      name: "ouro-from-manifest",
      url: "https://example.com",
      redirect_url: "http://127.0.0.1:9/setup/callback",
      callback_urls: [CALLBACK],
      hook_attributes: { url: "http://127.0.0.1:9/hook" },
      default_permissions: { metadata: "read" },
    };
    const made = await fetch(`${gh.url}/settings/apps/new?state=st`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ manifest: JSON.stringify(manifest) }).toString(),
      redirect: "manual",
    });
    const setupCode = new URL(made.headers.get("location")!).searchParams.get("code")!;
    const conv = await new Octokit({ baseUrl: gh.apiUrl }).rest.apps.createFromManifest({ code: setupCode });
    const b = await signedIn("alice");
    const code = (await approve(b, { client_id: conv.data.client_id, redirect_uri: CALLBACK, state: "mf" })).searchParams.get("code")!;
    const { body } = await exchange({ client_id: conv.data.client_id, client_secret: conv.data.client_secret, code });
    expect(body.access_token).toMatch(/^ghu_/);
  });
});
