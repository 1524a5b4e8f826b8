// The console's sign-ins (console/auth), kept in the store so every replica honours them:
// sessions, and GitHub sign-ins started and not finished (the OAuth state). The secrets — a
// session's id, a state, the state cookie of the browser that started it — are given here as
// they are and stored only as their SHA-256: they are 32 random bytes each, so the hash cannot
// be turned back, and a copy of the database opens no session. A state is taken once
// (DELETE … RETURNING): of two replicas handed the same state, one gets it. Expired rows are
// deleted when read, when new ones are written, and by purgeExpired().
import { createHash } from "node:crypto";
import type { Db } from "../../contract/storage/engine.ts";
import type { Row } from "./database.ts";
import { isUnwritable } from "./database.ts";

export interface ConsoleSession {
  login: string;
  via: "github" | "token";
  canAct: boolean;
  /** When the GitHub role was last asked (ms); token sessions never need asking. */
  checkedAt: number;
  expiresAt: number;
}

export interface PendingSignIn {
  /** The SHA-256 of the state cookie held by the browser that started it. */
  browserHash: string;
  /** The console page to go to once signed in. */
  next: string;
  expiresAt: number;
}

/** What is stored in place of a secret: its SHA-256, base64url. */
export const hashOf = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("base64url");

export class ConsoleSessions {
  readonly #db: Db;
  readonly #now: () => number;

  constructor(db: Db, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** Stores a new session under the hash of `id`; expired sessions are dropped first. */
  add(id: string, s: ConsoleSession): void {
    this.#db.prepare("DELETE FROM console_sessions WHERE expires_at <= ?").run(this.#now());
    this.#db
      .prepare("INSERT INTO console_sessions (id_hash, login, via, can_act, checked_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(hashOf(id), s.login, s.via, s.canAct ? 1 : 0, s.checkedAt, s.expiresAt);
  }

  /** The live session `id` names, or null; an expired one is deleted (when the store can be written). */
  get(id: string): ConsoleSession | null {
    const row = this.#db
      .prepare("SELECT login, via, can_act, checked_at, expires_at FROM console_sessions WHERE id_hash = ?")
      .get(hashOf(id)) as Row | undefined;
    if (!row) return null;
    const s: ConsoleSession = {
      login: String(row.login),
      via: row.via === "github" ? "github" : "token",
      canAct: Number(row.can_act) === 1,
      checkedAt: Number(row.checked_at),
      expiresAt: Number(row.expires_at),
    };
    if (s.expiresAt > this.#now()) return s;
    bestEffort(() => this.remove(id));
    return null;
  }

  /** Records the answer of a role re-check. */
  checked(id: string, canAct: boolean, at: number): void {
    this.#db.prepare("UPDATE console_sessions SET can_act = ?, checked_at = ? WHERE id_hash = ?").run(canAct ? 1 : 0, at, hashOf(id));
  }

  /** Ends a session for every replica; returns whether there was one. */
  remove(id: string): boolean {
    return Number(this.#db.prepare("DELETE FROM console_sessions WHERE id_hash = ?").run(hashOf(id)).changes) > 0;
  }

  /** Remembers a sign-in started with `state`; expired ones go, and beyond `max` the oldest. */
  startSignIn(state: string, p: PendingSignIn, max: number): void {
    this.#db.prepare("DELETE FROM console_sign_ins WHERE expires_at <= ?").run(this.#now());
    this.#db
      .prepare("INSERT INTO console_sign_ins (state_hash, browser_hash, next, expires_at) VALUES (?, ?, ?, ?)")
      .run(hashOf(state), p.browserHash, p.next, p.expiresAt);
    const cut = this.#db.prepare("SELECT expires_at FROM console_sign_ins ORDER BY expires_at DESC LIMIT 1 OFFSET ?").get(max) as
      Row | undefined;
    if (cut) this.#db.prepare("DELETE FROM console_sign_ins WHERE expires_at <= ?").run(Number(cut.expires_at));
  }

  /** Takes the sign-in `state` names, once: null if it was never started, taken already, or expired. */
  takeSignIn(state: string): PendingSignIn | null {
    const row = this.#db
      .prepare("DELETE FROM console_sign_ins WHERE state_hash = ? RETURNING browser_hash, next, expires_at")
      .get(hashOf(state)) as Row | undefined;
    if (!row || Number(row.expires_at) <= this.#now()) return null;
    return { browserHash: String(row.browser_hash), next: String(row.next), expiresAt: Number(row.expires_at) };
  }

  /** Deletes every expired session and sign-in (retention); returns how many of each. */
  purgeExpired(): { sessions: number; signIns: number } {
    const t = this.#now();
    const sessions = this.#db.prepare("DELETE FROM console_sessions WHERE expires_at <= ?").run(t).changes;
    const signIns = this.#db.prepare("DELETE FROM console_sign_ins WHERE expires_at <= ?").run(t).changes;
    return { sessions: Number(sessions), signIns: Number(signIns) };
  }
}

/** A cleanup that may wait: skipped while the store cannot be written (the next read or purge does it). */
function bestEffort(write: () => unknown): void {
  try {
    write();
  } catch (e) {
    if (!isUnwritable(e)) throw e;
  }
}
