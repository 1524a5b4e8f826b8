// The console's sign-in (issue 14): who is looking, and whether they may act.
// - local mode (loopback only): nobody signs in; the viewer is "local" and acts.
// - production: `OURO_CONSOLE_TOKEN` (a bearer header for headless clients, or pasted once on
//   the sign-in page for a session), and/or GitHub sign-in through the App's OAuth client (the
//   web application flow for GitHub Apps). The App's installation client asks GitHub for the
//   user's role on the repository: admin/maintain/write act, triage/read look, anyone else is
//   refused. The role is asked again when it is older than 10 minutes.
// Sessions and the GitHub sign-ins under way live in the app's store (sessions.ts,
// store/console-sessions.ts), by the hash of their secrets: any replica behind a load balancer
// honours them — a sign-in started on one may come back to another — and a restart signs
// nobody out. The user's access token is used for one `GET /user` and dropped; no token, code
// or secret is logged, shown or stored.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { AppContext } from "../../context.ts";
import type { Role } from "../../review/merge-gate.ts";
import { authorizeUrl, exchangeCode, loginOf, OAuthRefused } from "./github.ts";
import type { OAuthClient } from "./github.ts";
import { describeStoreError, isUnwritable } from "../../store/database.ts";
import { hashOf } from "../../store/console-sessions.ts";
import { problemPage, signInPage, signOutPage } from "./pages.ts";
import { cookie, FixedNameCsrf, isSecret, newSecret, sameSecret, SESSION_COOKIE, SESSION_TTL_MS, Sessions, setCookie } from "./sessions.ts";
import type { Session } from "./sessions.ts";

/** Who is looking at the console. canAct: may press rollback / stop / resume. */
export interface Viewer {
  login: string;
  canAct: boolean;
  via: "github" | "token" | "local";
}

export type ConsoleAuthOptions =
  | { mode: "local" } // local mode on loopback: no sign-in, the viewer is { login: "local", canAct: true, via: "local" }
  | {
      mode: "production";
      /** OURO_CONSOLE_TOKEN: `Authorization: Bearer <token>` (headless) or pasted once on the sign-in page → session; acts. */
      token?: string;
      /** The GitHub App's OAuth client (user-to-server web flow); webUrl e.g. https://github.com or the stand-in's URL. */
      github?: { clientId: string; clientSecret: string; webUrl: string };
      /**
       * OURO_PUBLIC_URL: the console's address as browsers reach it (e.g. https://ouro.example.com).
       * GitHub sends people back to `${publicUrl}/console/auth/callback`, which must be the App's
       * callback URL; https here makes the cookies Secure. Without it, the request's Host is used.
       */
      publicUrl?: string;
    };

export interface ConsoleAuth {
  /** Who is asking (session cookie or bearer token), or null when nobody is signed in. */
  viewer(req: IncomingMessage): Promise<Viewer | null>;
  /** Answers /console/auth/* (sign-in page, login redirect, callback, sign-out); resolves false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** A per-session token to embed in forms; checked on every POST that acts (CSRF). null when not signed in. */
  csrfToken(req: IncomingMessage): string | null;
  verifyCsrf(req: IncomingMessage, token: string | undefined): boolean;
}

/** What the auth needs from the app: the repo, the installation client (for roles), the clock, the log and the store (sessions). */
export type ConsoleAuthContext = Pick<AppContext, "config" | "client" | "now" | "log" | "store">;

export const AUTH_PREFIX = "/console/auth";
/** A GitHub viewer's role is asked again when older than this. */
export const RECHECK_MS = 10 * 60 * 1000;
/** How long a sign-in started at GitHub may take. */
export const STATE_TTL_MS = 10 * 60 * 1000;
const STATE_COOKIE = "ouro_console_state";
/** Sign-ins started and not finished that are remembered (the oldest are forgotten first). */
const MAX_PENDING = 10_000;
const FORM_LIMIT = 16 * 1024;
const ACTS: ReadonlySet<Role> = new Set<Role>(["admin", "maintain", "write"]);
const LOCAL_VIEWER: Viewer = Object.freeze({ login: "local", canAct: true, via: "local" as const });
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function createConsoleAuth(ctx: ConsoleAuthContext, options: ConsoleAuthOptions): ConsoleAuth {
  const fixed = new FixedNameCsrf();
  if (options.mode === "local") return localAuth(fixed);
  const sessions = new Sessions(ctx.store.consoleSessions, () => ctx.now());
  const log = ctx.log.child({ name: "console-auth" });
  const token = options.token;
  const github: OAuthClient | undefined = options.github;
  const publicUrl = options.publicUrl?.replace(/\/+$/, "");
  const rechecks = new Map<string, Promise<Session | null>>();
  const repo = `${ctx.config.owner}/${ctx.config.repo}`;

  const secure = (req: IncomingMessage): boolean =>
    publicUrl?.startsWith("https:") === true ||
    (req.socket as TLSSocket).encrypted === true ||
    req.headers["x-forwarded-proto"] === "https";
  const callbackUrl = (req: IncomingMessage): string =>
    `${publicUrl ?? `${secure(req) ? "https" : "http"}://${req.headers.host ?? "127.0.0.1"}`}${AUTH_PREFIX}/callback`;

  /** The bearer token's verdict: "none" without an Authorization header, else right or wrong. */
  const bearer = (req: IncomingMessage): "none" | "right" | "wrong" => {
    const h = req.headers.authorization;
    if (h === undefined) return "none";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return token !== undefined && m !== null && sameSecret(m[1], token) ? "right" : "wrong";
  };

  const roleOf = async (login: string): Promise<Role> => (await ctx.client()).role(login);

  /** Asks GitHub again for a GitHub viewer's role when the last answer is too old; null = no access any more. */
  const fresh = (s: Session): Promise<Session | null> => {
    if (s.via !== "github" || ctx.now() - s.checkedAt < RECHECK_MS) return Promise.resolve(s);
    let p = rechecks.get(s.id);
    if (!p) {
      p = roleOf(s.login)
        .then(
          (role) => {
            if (role === "none") {
              log.info(`console: ${s.login} has no access to ${repo} any more; signed out`);
              storeLater(`sign ${s.login} out`, () => sessions.delete(s.id));
              return null;
            }
            const canAct = ACTS.has(role);
            if (canAct !== s.canAct) log.info(`console: ${s.login} is now ${role} on ${repo}; ${canAct ? "may act" : "may only look"}`);
            // Shared with every replica; if the store cannot take it now, GitHub is asked again next time.
            storeLater(`record ${s.login}'s role`, () => sessions.checked(s, canAct));
            s.canAct = canAct;
            s.checkedAt = ctx.now();
            return s;
          },
          (e: unknown) => {
            // Cannot ask now: look but do not act until GitHub answers again.
            log.warn({ err: e }, `console: could not ask GitHub for ${s.login}'s role on ${repo}; acting is held until it answers`);
            return { ...s, canAct: false };
          },
        )
        .finally(() => rechecks.delete(s.id));
      rechecks.set(s.id, p);
    }
    return p;
  };

  /** A write the answer does not hang on: while the store cannot be written it waits for the next request. */
  const storeLater = (what: string, write: () => void): void => {
    try {
      write();
    } catch (e) {
      if (!isUnwritable(e)) throw e;
      log.warn(`console: could not ${what} in the store now (${describeStoreError(e)}); it is done at a later request`);
    }
  };

  const sessionCookie = (req: IncomingMessage, value: string, maxAgeS: number): string =>
    setCookie(SESSION_COOKIE, value, { path: "/console", maxAgeS, secure: secure(req) });
  const stateCookie = (req: IncomingMessage, value: string, maxAgeS: number): string =>
    setCookie(STATE_COOKIE, value, { path: AUTH_PREFIX, maxAgeS, secure: secure(req) });

  const startSession = (req: IncomingMessage, res: ServerResponse, s: Pick<Session, "login" | "via" | "canAct">, next: string) => {
    const earlier = sessions.of(req);
    if (earlier) sessions.delete(earlier.id, req); // a new sign-in never keeps an old id alive
    const session = sessions.create(s);
    log.info(`console: ${s.login} signed in (${s.via}; ${s.canAct ? "may act" : "may only look"})`);
    redirect(res, next, [sessionCookie(req, session.id, SESSION_TTL_MS / 1000), stateCookie(req, "", 0)]);
  };

  const signInPageFor = (res: ServerResponse, status: number, next: string, problem?: string) =>
    html(res, status, signInPage({ github: github !== undefined, token: token !== undefined, next, problem }));

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const clearState = stateCookie(req, "", 0);
    if (!github) return html(res, 404, problemPage("Not found", "GitHub sign-in is not configured for this console."));
    const state = url.searchParams.get("state");
    // Single use, whatever happens next, on whichever replica the callback reaches.
    const rec = isSecret(state) ? ctx.store.consoleSessions.takeSignIn(state) : null;
    const browser = cookie(req, STATE_COOKIE);
    if (!rec || !isSecret(browser) || !sameSecret(rec.browserHash, hashOf(browser)))
      return html(
        res,
        400,
        problemPage(
          "Sign-in not finished",
          "This sign-in link is not valid here: it was used already, is more than 10 minutes old, or was started in another browser. Start again from the sign-in page.",
        ),
        [clearState],
      );
    const error = url.searchParams.get("error");
    if (error === "access_denied")
      return html(res, 403, problemPage("Not signed in", "You did not authorize the Ouro console on GitHub, so you are not signed in."), [
        clearState,
      ]);
    if (error !== null) {
      const why = url.searchParams.get("error_description") ?? error;
      return html(res, 400, problemPage("Not signed in", `GitHub did not sign you in: ${why}`), [clearState]);
    }
    const code = url.searchParams.get("code");
    if (!code) return html(res, 400, problemPage("Not signed in", "GitHub sent no code back. Start again."), [clearState]);
    let login: string;
    try {
      // The user's token answers one question (who is this?) and goes out of scope here.
      login = await loginOf(github, await exchangeCode(github, code, callbackUrl(req)));
    } catch (e) {
      if (!(e instanceof OAuthRefused)) throw e;
      log.warn(`console: a GitHub sign-in failed: ${e.message}`);
      return html(res, 400, problemPage("Not signed in", e.message), [clearState]);
    }
    let role: Role;
    try {
      role = await roleOf(login);
    } catch (e) {
      log.warn({ err: e }, `console: could not ask GitHub for ${login}'s role on ${repo}`);
      return html(
        res,
        503,
        problemPage("Not signed in", `GitHub could not say what access you have to ${repo} just now. Try again in a moment.`),
        [clearState],
      );
    }
    if (role === "none") {
      log.info(`console: refused ${login}: no access to ${repo}`);
      return html(res, 403, problemPage("No access", `You (${login}) have no access to ${repo}, so you cannot use its console.`), [
        clearState,
      ]);
    }
    startSession(req, res, { login, via: "github", canAct: ACTS.has(role) }, rec.next);
  }

  /** Answers /console/auth/*; when the store cannot be used, a 503 page that says why (nothing was done). */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    try {
      return await route(req, res);
    } catch (e) {
      if (!isUnwritable(e) || res.headersSent) throw e;
      log.warn(`console: a sign-in request could not use the store: ${describeStoreError(e)}`);
      html(
        res,
        503,
        problemPage(
          "Not done",
          `The console cannot keep sign-ins just now (its store cannot be used: ${describeStoreError(e)}). Nothing was changed; try again in a moment.`,
        ),
      );
      return true;
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://console");
    const path = url.pathname.replace(/\/+$/, "");
    if (path !== AUTH_PREFIX && !path.startsWith(`${AUTH_PREFIX}/`)) return false;
    const method = req.method ?? "GET";
    const next = safeNext(url.searchParams.get("next"));
    if (path === `${AUTH_PREFIX}/sign-in` && method === "GET") {
      if (bearer(req) === "right" || (sessions.of(req) && (await viewer(req)))) redirect(res, next);
      else signInPageFor(res, 200, next);
      return true;
    }
    if (path === `${AUTH_PREFIX}/token` && method === "POST") {
      const form = await readForm(req, res);
      if (!form) return true;
      const formNext = safeNext(form.get("next"));
      if (token === undefined) signInPageFor(res, 404, formNext, "Signing in with a token is not configured here.");
      else if (!sameSecret(form.get("token") ?? "", token)) {
        log.warn("console: a sign-in with a wrong token was refused");
        signInPageFor(res, 401, formNext, "That token is not right.");
      } else startSession(req, res, { login: "token", via: "token", canAct: true }, formNext);
      return true;
    }
    if (path === `${AUTH_PREFIX}/github` && method === "GET") {
      if (!github) {
        signInPageFor(res, 404, next, "GitHub sign-in is not configured here.");
        return true;
      }
      const state = newSecret();
      const browser = newSecret();
      ctx.store.consoleSessions.startSignIn(
        state,
        { browserHash: hashOf(browser), next, expiresAt: ctx.now() + STATE_TTL_MS },
        MAX_PENDING,
      );
      redirect(res, authorizeUrl(github, callbackUrl(req), state), [stateCookie(req, browser, STATE_TTL_MS / 1000)]);
      return true;
    }
    if (path === `${AUTH_PREFIX}/callback` && method === "GET") {
      await callback(req, res, url);
      return true;
    }
    if (path === `${AUTH_PREFIX}/sign-out`) {
      const s = sessions.of(req);
      if (method === "GET") html(res, 200, signOutPage(s ? sessions.csrfFor(s.id) : null));
      else if (method === "POST") {
        const form = await readForm(req, res);
        if (!form) return true;
        if (s && !sessions.verifyCsrf(s.id, form.get("csrf") ?? undefined)) {
          html(
            res,
            403,
            problemPage("Not signed out", "This sign-out form is not from this session. Open the sign-out page and try again."),
          );
          return true;
        }
        if (s) {
          sessions.delete(s.id, req);
          log.info(`console: ${s.login} signed out`);
        }
        redirect(res, `${AUTH_PREFIX}/sign-in`, [sessionCookie(req, "", 0)]);
      } else html(res, 405, problemPage("Not allowed", "Use the sign-out page's button."), [], { allow: "GET, POST" });
      return true;
    }
    html(res, 404, problemPage("Not found", "There is no such sign-in page."));
    return true;
  }

  async function viewer(req: IncomingMessage): Promise<Viewer | null> {
    const b = bearer(req);
    if (b === "right") return { login: "token", canAct: true, via: "token" };
    if (b === "wrong") return null;
    const s = sessions.of(req);
    if (!s) return null;
    const f = await fresh(s);
    return f ? { login: f.login, canAct: f.canAct, via: f.via } : null;
  }

  return {
    viewer,
    handle,
    csrfToken(req) {
      if (bearer(req) === "right") return fixed.tokenFor("bearer");
      const s = sessions.of(req);
      return s ? sessions.csrfFor(s.id) : null;
    },
    verifyCsrf(req, t) {
      const b = bearer(req);
      // A bearer header is never sent by a browser on its own: it is no cross-site risk.
      if (b !== "none") return b === "right";
      const s = sessions.of(req);
      return s !== null && sessions.verifyCsrf(s.id, t);
    },
  };
}

/** Local mode: only this machine (a loopback peer asking for a loopback host name) is the viewer. */
function localAuth(csrf: FixedNameCsrf): ConsoleAuth {
  const local = (req: IncomingMessage): boolean => {
    const peer = req.socket.remoteAddress ?? "";
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const peerLoopback = peer === "::1" || peer.startsWith("127.") || peer.startsWith("::ffff:127.");
    // A loopback Host keeps a DNS-rebinding page (its own name, our address) out.
    return peerLoopback && LOOPBACK_HOSTS.has(host);
  };
  return {
    viewer: (req) => Promise.resolve(local(req) ? { ...LOCAL_VIEWER } : null),
    async handle(req, res) {
      const url = new URL(req.url ?? "/", "http://console");
      const path = url.pathname.replace(/\/+$/, "");
      if (path !== AUTH_PREFIX && !path.startsWith(`${AUTH_PREFIX}/`)) return false;
      if (path === `${AUTH_PREFIX}/sign-in` && local(req)) redirect(res, safeNext(url.searchParams.get("next")));
      else html(res, 404, problemPage("Not found", "Local mode has no sign-in: open the console from this machine."));
      return true;
    },
    csrfToken: (req) => (local(req) ? csrf.tokenFor("local") : null),
    verifyCsrf: (req, t) => local(req) && csrf.verify("local", t),
  };
}

/** Where to go after signing in: a console page, never another site or the sign-in pages themselves. */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !/^\/console(?:[/?#][^\s\\]*)?$/.test(raw) || raw.startsWith(AUTH_PREFIX)) return "/console/";
  return raw;
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

function html(res: ServerResponse, status: number, body: string, cookies: string[] = [], extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    ...(cookies.length ? { "set-cookie": cookies } : {}),
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(302, { ...SECURITY_HEADERS, location, ...(cookies.length ? { "set-cookie": cookies } : {}) });
  res.end();
}

/** A small urlencoded form, or null after answering 413/415 (nothing else happens then). */
async function readForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | null> {
  const type = String(req.headers["content-type"] ?? "");
  if (!type.startsWith("application/x-www-form-urlencoded")) {
    req.resume();
    html(res, 415, problemPage("Not understood", "Send the form as application/x-www-form-urlencoded, as the page does."));
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > FORM_LIMIT) {
      html(res, 413, problemPage("Too large", "The form is too large."));
      req.destroy();
      return null;
    }
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** One line for the start log: how to reach the console, or how to turn it on. */
export function consoleSignInSummary(options: ConsoleAuthOptions, appUrl: string): string {
  if (options.mode === "local") return `console: ${appUrl}/console/ (local mode: no sign-in, this machine only)`;
  const ways = [
    ...(options.github ? [`GitHub through the App (callback URL ${options.publicUrl ?? appUrl}${AUTH_PREFIX}/callback)`] : []),
    ...(options.token ? ["the console token"] : []),
  ];
  if (ways.length === 0)
    return (
      "console: off — no way to sign in is configured. Set OURO_CONSOLE_TOKEN (32+ characters, e.g. `openssl rand -hex 32`) " +
      "for headless use, and/or OURO_GITHUB_CLIENT_ID, OURO_GITHUB_CLIENT_SECRET and OURO_PUBLIC_URL for GitHub sign-in " +
      `(the App's callback URL must be OURO_PUBLIC_URL${AUTH_PREFIX}/callback), then restart`
    );
  return `console: ${options.publicUrl ?? appUrl}/console/ (sign in with ${ways.join(" or ")})`;
}
