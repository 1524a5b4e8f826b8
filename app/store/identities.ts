// Discord users linked to GitHub logins (/link github), and the one-time codes that prove a
// link: a code is stored only as its hash, bound to the Discord user and the login it was
// issued for, and lives until it is used, replaced by a newer one, or expires. One login per
// Discord user: linking again replaces the link.
import type { DatabaseSync } from "node:sqlite";
import type { Row } from "./database.ts";

export interface PendingLink {
  discordId: string;
  login: string;
  expiresAt: number;
}

export class Identities {
  readonly #db: DatabaseSync;
  readonly #now: () => number;

  constructor(db: DatabaseSync, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** The GitHub login linked to a Discord user, or null. */
  loginOf(discordId: string): string | null {
    const row = this.#db.prepare("SELECT login FROM identities WHERE discord_id = ?").get(discordId) as Row | undefined;
    return row ? String(row.login) : null;
  }

  /** A new code for this Discord user (any earlier one of theirs is void); expired codes are dropped. */
  addCode(codeHash: string, link: PendingLink): void {
    this.#db.prepare("DELETE FROM identity_codes WHERE discord_id = ? OR expires_at <= ?").run(link.discordId, this.#now());
    this.#db
      .prepare("INSERT INTO identity_codes (code_hash, discord_id, login, expires_at) VALUES (?, ?, ?, ?)")
      .run(codeHash, link.discordId, link.login, link.expiresAt);
  }

  /** The link a code was issued for (expired or not), or null for a code never issued or used already. */
  codeFor(codeHash: string): PendingLink | null {
    const row = this.#db.prepare("SELECT discord_id, login, expires_at FROM identity_codes WHERE code_hash = ?").get(codeHash) as
      | Row
      | undefined;
    return row ? { discordId: String(row.discord_id), login: String(row.login), expiresAt: Number(row.expires_at) } : null;
  }

  /** Uses a code: the link it names replaces the Discord user's link, and the code is gone. */
  useCode(codeHash: string, link: PendingLink): void {
    this.#db.prepare("DELETE FROM identity_codes WHERE code_hash = ?").run(codeHash);
    this.#db
      .prepare(
        "INSERT INTO identities (discord_id, login, linked_at) VALUES (?, ?, ?) ON CONFLICT(discord_id) DO UPDATE SET login = excluded.login, linked_at = excluded.linked_at",
      )
      .run(link.discordId, link.login, this.#now());
  }

  /** Removes a Discord user's link and pending code; returns the login that was linked, or null. */
  unlink(discordId: string): string | null {
    const login = this.loginOf(discordId);
    this.#db.prepare("DELETE FROM identities WHERE discord_id = ?").run(discordId);
    this.#db.prepare("DELETE FROM identity_codes WHERE discord_id = ?").run(discordId);
    return login;
  }
}
