// GitHub's web sign-in for GitHub Apps ("Generating a user access token for a GitHub App",
// web application flow), as github.com behaves:
// - `GET /login?return_to=…` and `POST /session`: the stand-in's own sign-in, which says who
//   the browser is (a `user_session` cookie, as github.com's own session). Any existing user
//   account may sign in; the stand-in has no passwords.
// - `GET /login/oauth/authorize?client_id&redirect_uri&state`: an unknown client_id is GitHub's
//   404 page; a redirect_uri that is not exactly one of the App's callback URLs sends the browser
//   to the first callback URL with `error=redirect_uri_mismatch`; nobody signed in goes to
//   /login first; a user who authorized the App before goes straight back with a code; anyone
//   else sees "Authorize <App>" and approves (`code`, `state`) or cancels
//   (`error=access_denied`).
// - `POST /login/oauth/access_token` (client_id, client_secret, code, redirect_uri; form, JSON or
//   query): codes are single use, live 10 minutes and are bound to the App and redirect_uri.
//   Errors are HTTP 200 with `{ error, error_description, error_uri }`, as GitHub answers them;
//   JSON with `Accept: application/json`, else form-encoded. The token is a `ghu_…` user access
//   token (8 hours) that `GET /user` answers for.
// Web sessions, codes and authorizations live in memory: a restarted stand-in forgets them.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { newToken } from "./auth.ts";
import type { Core } from "./domain.ts";
import { now } from "./store.ts";
import type { AppRec } from "./store.ts";

const CODE_TTL_MS = 10 * 60 * 1000;
const TOKEN_TTL_S = 8 * 60 * 60;
const REFRESH_TTL_S = 15_897_600;
const FORM_LIMIT = 64 * 1024;
const SESSION_COOKIE = "user_session";
const ERROR_DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors";
const TOKEN_ERROR_DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

interface Code {
  appId: number;
  login: string;
  redirectUri: string;
  expiresAt: number;
}

interface WebState {
  /** user_session cookie → login */
  sessions: Map<string, string>;
  codes: Map<string, Code>;
  /** `${appId}:${login}` of users who authorized an App */
  authorized: Set<string>;
}

const stateByCore = new WeakMap<Core, WebState>();
const stateOf = (core: Core): WebState => {
  let s = stateByCore.get(core);
  if (!s) stateByCore.set(core, (s = { sessions: new Map(), codes: new Map(), authorized: new Set() }));
  return s;
};

/** Whether the stand-in's web sign-in serves this path. */
export function isWebSignInPath(pathname: string): boolean {
  return ["/login", "/session", "/logout", "/login/oauth/authorize", "/login/oauth/access_token"].includes(pathname.replace(/\/+$/, ""));
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · GitHub stand-in</title></head>\n<body><main>\n${body}\n</main></body></html>\n`;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-frame-options": "deny",
    ...headers,
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(302, { location, "cache-control": "no-store", ...headers, "content-type": "text/html; charset=utf-8" });
  res.end(`<html><body>You are being <a href="${esc(location)}">redirected</a>.</body></html>`);
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The signed-in login of this browser, or null. */
function signedIn(core: Core, req: IncomingMessage): string | null {
  const id = cookieOf(req, SESSION_COOKIE);
  return (id && stateOf(core).sessions.get(id)) || null;
}

/** The form's anti-forgery token: an HMAC-like digest of the browser's session id. */
function authenticityToken(req: IncomingMessage): string {
  return createHash("sha256")
    .update(`authenticity:${cookieOf(req, SESSION_COOKIE) ?? ""}`)
    .digest("base64url");
}

function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

async function readParams(req: IncomingMessage): Promise<URLSearchParams | "too large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > FORM_LIMIT) return "too large";
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (String(req.headers["content-type"] ?? "").startsWith("application/json")) {
    const out = new URLSearchParams();
    try {
      const v = JSON.parse(text) as unknown;
      if (v && typeof v === "object" && !Array.isArray(v))
        for (const [k, x] of Object.entries(v)) if (typeof x === "string" || typeof x === "number") out.set(k, String(x));
    } catch {
      // GitHub treats an unreadable body as missing parameters.
    }
    return out;
  }
  return new URLSearchParams(text);
}

/** A `return_to` that stays on this site. */
const localPath = (raw: string | null): string => (raw && raw.startsWith("/") && !raw.startsWith("//") && !raw.includes("\\") ? raw : "/");

const appByClientId = (core: Core, clientId: string | null): AppRec | undefined =>
  clientId ? Object.values(core.store.data.apps).find((a) => a.clientId === clientId) : undefined;

function withParams(base: string, params: Record<string, string | null>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return u.toString();
}

export async function serveWebSignIn(core: Core, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";
  const st = stateOf(core);

  if (path === "/login" && method === "GET") {
    const returnTo = localPath(url.searchParams.get("return_to"));
    return send(
      res,
      200,
      page(
        "Sign in",
        `<h1>Sign in to the GitHub stand-in</h1>
<form method="post" action="/session">
<input type="hidden" name="return_to" value="${esc(returnTo)}">
<label for="login_field">Username</label>
<input id="login_field" name="login" autocomplete="username" required>
<button type="submit" name="commit" value="Sign in">Sign in</button>
</form>
<p>The stand-in has no passwords: any existing user account may sign in.</p>`,
      ),
    );
  }
  if (path === "/session" && method === "POST") {
    const form = await readParams(req);
    if (form === "too large") return send(res, 413, page("Too large", "<p>The form is too large.</p>"));
    const login = form.get("login") ?? "";
    const account = core.store.data.accounts[login.toLowerCase()];
    if (!account || account.type !== "User")
      return send(res, 401, page("Sign in", `<p role="alert">Incorrect username or password.</p><p><a href="/login">Try again</a></p>`));
    const id = randomBytes(32).toString("base64url");
    st.sessions.set(id, account.login);
    return redirect(res, localPath(form.get("return_to")), {
      "set-cookie": `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`,
    });
  }
  if (path === "/logout" && method === "POST") {
    const id = cookieOf(req, SESSION_COOKIE);
    if (id) st.sessions.delete(id);
    return redirect(res, "/", { "set-cookie": `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` });
  }
  if (path === "/login/oauth/authorize") {
    const params = method === "POST" ? await readParams(req) : url.searchParams;
    if (params === "too large") return send(res, 413, page("Too large", "<p>The form is too large.</p>"));
    const app = appByClientId(core, params.get("client_id"));
    if (!app) return send(res, 404, page("Page not found", "<h1>404</h1><p>This is not the web page you are looking for.</p>"));
    const callbacks = app.callbackUrls ?? [];
    const state = params.get("state");
    const asked = params.get("redirect_uri");
    if (callbacks.length === 0)
      return send(res, 400, page("Error", "<p>The application has no callback URL: the redirect_uri cannot be checked.</p>"));
    if (asked !== null && !callbacks.includes(asked))
      return redirect(
        res,
        withParams(callbacks[0], {
          error: "redirect_uri_mismatch",
          error_description: "The redirect_uri MUST match the registered callback URL for this application.",
          error_uri: `${ERROR_DOCS}#redirect-uri-mismatch`,
          state,
        }),
      );
    const redirectUri = asked ?? callbacks[0];
    const login = signedIn(core, req);
    if (!login) {
      const returnTo = `/login/oauth/authorize?${new URLSearchParams([...params.entries()].filter(([k]) => k !== "authorize" && k !== "authenticity_token"))}`;
      return redirect(res, `/login?${new URLSearchParams({ client_id: app.clientId, return_to: returnTo })}`);
    }
    const key = `${app.id}:${login.toLowerCase()}`;
    const giveCode = (): void => {
      st.authorized.add(key);
      for (const [c, rec] of st.codes) if (rec.expiresAt <= Date.now()) st.codes.delete(c);
      const code = randomBytes(10).toString("hex");
      st.codes.set(code, { appId: app.id, login, redirectUri, expiresAt: Date.now() + CODE_TTL_MS });
      core.log.info(`oauth: ${login} authorized ${app.slug}; redirecting to ${new URL(redirectUri).origin}`);
      redirect(res, withParams(redirectUri, { code, state }));
    };
    if (method === "GET") {
      if (st.authorized.has(key)) return giveCode();
      const hidden = (name: string, value: string | null) =>
        value === null ? "" : `<input type="hidden" name="${name}" value="${esc(value)}">`;
      return send(
        res,
        200,
        page(
          `Authorize ${app.name}`,
          `<h1>Authorize ${esc(app.name)}</h1>
<p>Signed in as <strong>${esc(login)}</strong>. ${esc(app.name)} (by ${esc(app.ownerLogin)}) wants to verify your GitHub identity and know what resources you can access.</p>
<form method="post" action="/login/oauth/authorize">
${hidden("client_id", app.clientId)}${hidden("redirect_uri", asked)}${hidden("state", state)}${hidden("authenticity_token", authenticityToken(req))}
<button type="submit" name="authorize" value="0">Cancel</button>
<button type="submit" name="authorize" value="1">Authorize ${esc(app.name)}</button>
</form>
<p>Authorizing will redirect to ${esc(new URL(redirectUri).origin)}</p>`,
        ),
      );
    }
    if (method === "POST") {
      if (!sameText(params.get("authenticity_token") ?? "", authenticityToken(req)))
        return send(
          res,
          422,
          page("Unprocessable", "<p>The form's authenticity token is not from this session. Go back and try again.</p>"),
        );
      if (params.get("authorize") === "1") return giveCode();
      return redirect(
        res,
        withParams(redirectUri, {
          error: "access_denied",
          error_description: "The user has denied your application access.",
          error_uri: `${ERROR_DOCS}#access-denied`,
          state,
        }),
      );
    }
  }
  if (path === "/login/oauth/access_token" && method === "POST") {
    const body = await readParams(req);
    if (body === "too large") return send(res, 413, page("Too large", "<p>The request is too large.</p>"));
    const p = (k: string) => body.get(k) ?? url.searchParams.get(k);
    const json = String(req.headers.accept ?? "").includes("application/json");
    const answer = (fields: Record<string, string | number>): void => {
      const text = json
        ? JSON.stringify(fields)
        : new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
      res.writeHead(200, {
        "content-type": json ? "application/json; charset=utf-8" : "application/x-www-form-urlencoded; charset=utf-8",
        "cache-control": "no-store",
        "content-length": String(Buffer.byteLength(text)),
      });
      res.end(text);
    };
    const fail = (error: string, description: string, anchor: string) =>
      answer({ error, error_description: description, error_uri: `${TOKEN_ERROR_DOCS}#${anchor}` });
    const app = appByClientId(core, p("client_id"));
    const secret = p("client_secret") ?? "";
    const secretHash = createHash("sha256").update(secret).digest("hex");
    if (!app || !app.clientSecretHash || !sameText(secretHash, app.clientSecretHash))
      return fail(
        "incorrect_client_credentials",
        "The client_id and/or client_secret passed are incorrect.",
        "incorrect-client-credentials",
      );
    const grant = p("grant_type");
    if (grant !== null && grant !== "authorization_code")
      return fail("unsupported_grant_type", `The grant type ${grant} is not supported by the stand-in.`, "unsupported-grant-type");
    const code = p("code") ?? "";
    const rec = st.codes.get(code);
    if (!rec || rec.appId !== app.id || rec.expiresAt <= Date.now()) {
      if (rec && rec.expiresAt <= Date.now()) st.codes.delete(code);
      return fail("bad_verification_code", "The code passed is incorrect or expired.", "bad-verification-code");
    }
    st.codes.delete(code); // single use from here on, whatever the redirect_uri says
    const redirectUri = p("redirect_uri");
    if (redirectUri !== null && redirectUri !== rec.redirectUri)
      return fail(
        "redirect_uri_mismatch",
        "The redirect_uri MUST match the registered callback URL for this application.",
        "redirect-uri-mismatch",
      );
    const token = newToken("ghu");
    const refresh = newToken("ghr");
    const t = Date.now();
    core.store.data.tokens[token] = {
      token,
      kind: "user",
      login: rec.login,
      appId: app.id,
      expiresAt: new Date(t + TOKEN_TTL_S * 1000).toISOString(),
      createdAt: now(),
    };
    core.store.touch();
    core.store.save();
    return answer({
      access_token: token,
      expires_in: TOKEN_TTL_S,
      refresh_token: refresh,
      refresh_token_expires_in: REFRESH_TTL_S,
      token_type: "bearer",
      scope: "",
    });
  }
  send(res, 404, page("Page not found", "<h1>404</h1><p>This is not the web page you are looking for.</p>"));
}
