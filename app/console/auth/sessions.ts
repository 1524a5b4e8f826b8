// The console's sign-in sessions: random 32-byte ids in an HttpOnly, SameSite=Lax cookie,
// kept in the app's store (store/console-sessions.ts, only the id's hash), so every replica
// honours them and a restart signs nobody out. A session's CSRF token is an HMAC keyed by its
// id: any replica that sees the cookie can check it, and the database alone cannot make one.
// Names that are not sessions (local mode, a bearer client) get tokens under a key made at start.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ConsoleSession, ConsoleSessions } from "../../store/console-sessions.ts";

export interface Session extends ConsoleSession {
  /** The id the browser's cookie holds (never stored). */
  id: string;
}

export const SESSION_COOKIE = "ouro_console";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** Our secrets' shape: 32 random bytes, base64url. Anything else is not worth a look-up. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const newSecret = (): string => randomBytes(32).toString("base64url");
export const isSecret = (s: string | undefined | null): s is string => typeof s === "string" && SECRET.test(s);

/** Equal strings, compared as SHA-256 digests in constant time (so neither content nor length leaks). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
}

/** One cookie's value from the request, or undefined. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Path scoped, Secure when asked. maxAgeS 0 deletes it. */
export function setCookie(name: string, value: string, opts: { path: string; maxAgeS: number; secure: boolean }): string {
  return [
    `${name}=${value}`,
    `Path=${opts.path}`,
    `Max-Age=${opts.maxAgeS}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(opts.secure ? ["Secure"] : []),
  ].join("; ");
}

const csrfOf = (key: string | Buffer, name: string): string => createHmac("sha256", key).update(name).digest("base64url");
const verify = (expected: string, token: string | undefined): boolean =>
  typeof token === "string" && token !== "" && sameSecret(expected, token);

export class Sessions {
  readonly #store: ConsoleSessions;
  readonly #now: () => number;
  /** Each request's session, looked up once (on PostgreSQL a look-up is a round trip). */
  readonly #seen = new WeakMap<IncomingMessage, Session | null>();

  constructor(store: ConsoleSessions, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  create(s: Pick<Session, "login" | "via" | "canAct">): Session {
    const session: Session = { ...s, id: newSecret(), checkedAt: this.#now(), expiresAt: this.#now() + SESSION_TTL_MS };
    const { id, ...stored } = session;
    this.#store.add(id, stored);
    return session;
  }

  /** The live session the request's cookie names, or null (a malformed cookie is not looked up). */
  of(req: IncomingMessage): Session | null {
    if (this.#seen.has(req)) return this.#seen.get(req) ?? null;
    const id = cookie(req, SESSION_COOKIE);
    const stored = isSecret(id) ? this.#store.get(id) : null;
    const s = stored && id ? { ...stored, id } : null;
    this.#seen.set(req, s);
    return s;
  }

  /** Ends the session for every replica (and for the rest of this request). */
  delete(id: string, req?: IncomingMessage): void {
    this.#store.remove(id);
    if (req) this.#seen.set(req, null);
  }

  /** Records a role re-check's answer. */
  checked(s: Session, canAct: boolean): void {
    this.#store.checked(s.id, canAct, this.#now());
  }

  csrfFor(id: string): string {
    return csrfOf(id, "ouro console csrf");
  }

  verifyCsrf(id: string, token: string | undefined): boolean {
    return verify(this.csrfFor(id), token);
  }
}

/** CSRF tokens for fixed names (local mode, a bearer client), under a key made at start. */
export class FixedNameCsrf {
  readonly #key = randomBytes(32);

  tokenFor(name: string): string {
    return csrfOf(this.#key, name);
  }

  verify(name: string, token: string | undefined): boolean {
    return verify(this.tokenFor(name), token);
  }
}
