// The hook's side of the handover: `<data>/handover.json`, written atomically. Bot
// processes read it through bot/core/handover-gate.ts (the same format, shared from there).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseHandover, type Handover } from "../contract/handover.ts";

export const handoverFile = (dataDir: string) => join(dataDir, "handover.json");

export function readHandover(dataDir: string): Handover | null {
  try {
    return parseHandover(readFileSync(handoverFile(dataDir), "utf8"));
  } catch {
    return null;
  }
}

/** Hands every event created from `cutoverAt` on to `release`; earlier ones stay with `previous`. */
export function writeHandover(dataDir: string, h: Handover): void {
  const file = handoverFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(h));
  renameSync(tmp, file);
}
