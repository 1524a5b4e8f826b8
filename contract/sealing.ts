// Personal data at rest, for the bot's memory and the app's store alike: one key
// (`OURO_ENCRYPTION_KEY`, 32 bytes) seals values with AES-256-GCM and, through a subkey
// derived from it (HKDF-SHA256), makes the keyed hashes (HMAC-SHA256) that equality lookups
// use instead of plaintext ids.
// Sealed layout: iv (12) | tag (16) | ciphertext, a random 96-bit IV per value. The associated
// data binds a value to its row's owner, so a ciphertext copied into another row fails to open.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

const IV = 12;
const TAG = 16;

export interface Sealer {
  seal(plaintext: string, aad: string): Uint8Array;
  open(blob: Uint8Array, aad: string): string;
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error("encryption key must be 32 bytes");
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(aad));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(blob, aad) {
      const buf = Buffer.from(blob);
      if (buf.length < IV + TAG) throw new Error("encrypted value is truncated");
      const decipher = createDecipheriv("aes-256-gcm", key, buf.subarray(0, IV));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(buf.subarray(IV, IV + TAG));
      return Buffer.concat([decipher.update(buf.subarray(IV + TAG)), decipher.final()]).toString("utf8");
    },
  };
}

/** A keyed hash (hex HMAC-SHA256 under a subkey of `key`): equal inputs meet, the input cannot be read back. */
export function createKeyedHash(key: Buffer): (value: string) => string {
  if (key.length !== 32) throw new Error("encryption key must be 32 bytes");
  const subkey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "ouro lookup hash", 32));
  return (value) => createHmac("sha256", subkey).update(value, "utf8").digest("hex");
}

/** `OURO_ENCRYPTION_KEY` as given: 64 hex characters or base64 of 32 bytes. */
export function parseEncryptionKey(raw: string, name = "OURO_ENCRYPTION_KEY"): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes (64 hex characters or base64)`);
  return key;
}
