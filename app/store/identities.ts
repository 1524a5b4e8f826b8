// Discord users linked to GitHub logins (/link github), and the one-time codes that prove a
// link: a code is stored only as its hash, bound to the Discord user and the login it was
// issued for, and lives until it is used, replaced by a newer one, or expires. One login per
// Discord user: linking again replaces the link. The Discord id is personal data, so both
// tables hold only its keyed hash (the store's HMAC): a link is found by the id, never read back as one.
import type { Db } from "../../contract/storage/engine.ts";
import type { Row } from "./database.ts";

export interface PendingLink {
  /** The Discord user's keyed hash (see keyOf). */
  discordKey: string;
  login: string;
  expiresAt: number;
}

export class Identities {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #hash: (value: string) => string;

  constructor(db: Db, now: () => number, hash: (value: string) => string) {
    this.#db = db;
    this.#now = now;
    this.#hash = hash;
  }

  /** What a Discord user is stored (and audited) as: a keyed hash of their id. */
  keyOf(discordId: string): string {
    return this.#hash(`discord:${discordId}`);
  }

  /** The GitHub login linked to a Discord user, or null. */
  loginOf(discordId: string): string | null {
    return this.loginOfKey(this.keyOf(discordId));
  }

  loginOfKey(discordKey: string): string | null {
    const row = this.#db.prepare("SELECT login FROM identities WHERE discord_id = ?").get(discordKey) as Row | undefined;
    return row ? String(row.login) : null;
  }

  /** A new code for this Discord user (any earlier one of theirs is void); expired codes are dropped. */
  addCode(codeHash: string, discordId: string, login: string, expiresAt: number): void {
    const key = this.keyOf(discordId);
    this.#db.prepare("DELETE FROM identity_codes WHERE discord_id = ? OR expires_at <= ?").run(key, this.#now());
    this.#db
      .prepare("INSERT INTO identity_codes (code_hash, discord_id, login, expires_at) VALUES (?, ?, ?, ?)")
      .run(codeHash, key, login, expiresAt);
  }

  /** The link a code was issued for (expired or not), or null for a code never issued or used already. */
  codeFor(codeHash: string): PendingLink | null {
    const row = this.#db.prepare("SELECT discord_id, login, expires_at FROM identity_codes WHERE code_hash = ?").get(codeHash) as
      Row | undefined;
    return row ? { discordKey: String(row.discord_id), login: String(row.login), expiresAt: Number(row.expires_at) } : null;
  }

  /** Uses a code: the link it names replaces the Discord user's link, and the code is gone. */
  useCode(codeHash: string, link: PendingLink): void {
    this.#db.prepare("DELETE FROM identity_codes WHERE code_hash = ?").run(codeHash);
    this.#db
      .prepare(
        "INSERT INTO identities (discord_id, login, linked_at) VALUES (?, ?, ?) ON CONFLICT(discord_id) DO UPDATE SET login = excluded.login, linked_at = excluded.linked_at",
      )
      .run(link.discordKey, link.login, this.#now());
  }

  /** Removes a Discord user's link and pending code; returns the login that was linked, or null. */
  unlink(discordId: string): string | null {
    const key = this.keyOf(discordId);
    const login = this.loginOfKey(key);
    this.#db.prepare("DELETE FROM identities WHERE discord_id = ?").run(key);
    this.#db.prepare("DELETE FROM identity_codes WHERE discord_id = ?").run(key);
    return login;
  }
}
