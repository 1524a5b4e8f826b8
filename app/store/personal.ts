// The app's personal data at rest, with the bot's key scheme (contract/sealing.ts): what a
// person wrote or is named by (request texts, titles, names, Discord ids, follow-ups, the
// stored request, audit details) is sealed with AES-256-GCM under `OURO_ENCRYPTION_KEY`, bound
// to its row; ids that are looked up by equality (the requester, a voter, a text target) are
// stored as keyed hashes. A value still stored as text (written before migration 3, or
// erased to "") reads as it is.
import { createKeyedHash, createSealer } from "../../contract/sealing.ts";
import type { Sealer } from "../../contract/sealing.ts";

/** The kv row that tells whether the store was written with this key. */
export const KEY_CHECK = "key-check";
const KEY_CHECK_TEXT = "ouro app store";

/** The store was written with another key: nothing is read or written with this one. */
export class WrongKeyError extends Error {
  override name = "WrongKeyError";
}

export class PersonalData {
  readonly #sealer: Sealer;
  readonly hash: (value: string) => string;

  constructor(key: Buffer) {
    this.#sealer = createSealer(key);
    this.hash = createKeyedHash(key);
  }

  seal(text: string, aad: string): Uint8Array {
    return this.#sealer.seal(text, aad);
  }

  /** A sealed value opened; text (legacy or erased) as it is; null stays null. */
  open(value: unknown, aad: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === "string") return value;
    if (value instanceof Uint8Array) return this.#sealer.open(value, aad);
    return String(value);
  }

  /** What the kv row KEY_CHECK holds: a value only this key opens. */
  keyCheck(): Uint8Array {
    return this.seal(KEY_CHECK_TEXT, KEY_CHECK);
  }

  /** Throws WrongKeyError unless `stored` was sealed by keyCheck() with this key. */
  verify(stored: unknown, file: string): void {
    let ok: boolean;
    try {
      ok = this.open(stored, KEY_CHECK) === KEY_CHECK_TEXT;
    } catch {
      ok = false;
    }
    if (!ok)
      throw new WrongKeyError(
        `the app's store ${file} was encrypted with another key: OURO_ENCRYPTION_KEY is not the key this data directory was written with; set the key it was written with (nothing was read or changed)`,
      );
  }

  /** A stored target key: text targets name their requester, so they are kept as a keyed hash. */
  targetKey(key: string | null): string | null {
    if (key === null || !key.startsWith("text:") || /^text:[0-9a-f]{64}$/.test(key)) return key;
    return `text:${this.hash(key)}`;
  }
}

/** Audit detail fields that hold what a person wrote or who they are (erased by /forget and retention). */
export const PERSONAL_DETAIL_FIELDS = ["text", "request", "requester", "voter", "origin", "recipe", "by", "login", "reason"] as const;

/** The person an audit detail is about, as a requester key (`discord:<id>`), if it names one. */
export function subjectOf(detail: Record<string, unknown>): string | null {
  for (const field of ["requester", "voter"]) {
    const v = detail[field];
    if (typeof v === "string" && v.includes(":")) return v;
  }
  return null;
}

/** The changes columns sealed at rest (each bound to its change and column). */
export const SEALED_CHANGE_COLUMNS = [
  "requester",
  "requester_key",
  "requester_login",
  "text",
  "title",
  "request_json",
  "feedback_json",
] as const;
export type SealedChangeColumn = (typeof SEALED_CHANGE_COLUMNS)[number];

export const changeAad = (id: string, column: string): string => `changes:${id}:${column}`;
export const auditAad = (changeId: string): string => `audit:${changeId}`;
export const DASHBOARD_BODY_AAD = "keys:dashboard:body";
