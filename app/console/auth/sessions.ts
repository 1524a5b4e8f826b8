// The console's sign-in sessions: random 32-byte ids in an HttpOnly, SameSite=Lax cookie,
// kept in memory with an expiry (a restart signs everyone out), and a CSRF token per session
// (an HMAC of its id under a key made at start), compared in constant time.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export interface Session {
  id: string;
  login: string;
  via: "github" | "token";
  canAct: boolean;
  /** When the GitHub permission was last asked (ms); token sessions never need asking. */
  checkedAt: number;
  expiresAt: number;
}

export const SESSION_COOKIE = "ouro_console";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

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

export class Sessions {
  private readonly byId = new Map<string, Session>();
  private readonly csrfKey = randomBytes(32);
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  create(s: Omit<Session, "id" | "expiresAt" | "checkedAt">): Session {
    this.sweep();
    const session: Session = {
      ...s,
      id: randomBytes(32).toString("base64url"),
      checkedAt: this.now(),
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    this.byId.set(session.id, session);
    return session;
  }

  /** The live session the request's cookie names, or null (an expired one is deleted). */
  of(req: IncomingMessage): Session | null {
    const id = cookie(req, SESSION_COOKIE);
    if (!id) return null;
    const s = this.byId.get(id);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.byId.delete(id);
      return null;
    }
    return s;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** The CSRF token of a session id (or any other fixed name, e.g. local mode's). */
  csrfFor(id: string): string {
    return createHmac("sha256", this.csrfKey).update(id).digest("base64url");
  }

  verifyCsrf(id: string, token: string | undefined): boolean {
    if (typeof token !== "string" || token === "") return false;
    return sameSecret(this.csrfFor(id), token);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.byId) if (s.expiresAt <= t) this.byId.delete(id);
  }
}
