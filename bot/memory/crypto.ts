// Message content at rest: AES-256-GCM with a random 96-bit IV per value.
// Stored layout: iv (12) | tag (16) | ciphertext. The associated data binds a value
// to its row's owner, so a ciphertext copied into another user's row fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

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
