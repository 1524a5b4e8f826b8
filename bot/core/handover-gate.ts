// Zero-drop deploys (written with the deploy hook, app/deploy/): during a deploy two bot
// processes are connected with the same token and shard, and Discord sends every event to
// both sessions. The hook writes `handover.json` = { release, previous, cutoverAt }; each
// process handles an interaction or message only if it owns it. Ids are snowflakes carrying
// Discord's own creation time, so both processes decide the same way for the same event:
// created before `cutoverAt` → `previous`, else → `release`. Nothing is answered twice or dropped.
import { readFileSync, statSync } from "node:fs";

const DISCORD_EPOCH = 1420070400000n;

export interface Handover {
  /** The release that owns events created at/after cutoverAt. */
  release: string;
  /** The release that owns earlier events (null: none, e.g. the first deploy). */
  previous: string | null;
  /** Epoch ms. */
  cutoverAt: number;
}

export const snowflakeMs = (id: string): number => Number((BigInt(id) >> 22n) + DISCORD_EPOCH);

export function ownerOf(h: Handover, id: string): string | null {
  return snowflakeMs(id) >= h.cutoverAt ? h.release : h.previous;
}

export function parseHandover(text: string): Handover | null {
  try {
    const v = JSON.parse(text) as Partial<Handover>;
    if (typeof v.release !== "string" || typeof v.cutoverAt !== "number" || !(v.previous === null || typeof v.previous === "string")) return null;
    return { release: v.release, previous: v.previous, cutoverAt: v.cutoverAt };
  } catch {
    return null;
  }
}

export interface HandoverGate {
  /** Does this process handle the Discord event with this snowflake id? */
  owns(id: string): boolean;
  /** Does this process own the present (for work not tied to a Discord event, e.g. progress edits)? */
  ownsNow(): boolean;
}

export const OWN_EVERYTHING: HandoverGate = { owns: () => true, ownsNow: () => true };

/**
 * `release` + `file` come from OURO_RELEASE and OURO_HANDOVER_FILE (set by the deploy hook).
 * Without them (a bot run by hand, tests), or while the file is missing or unreadable, the
 * process owns everything.
 */
export function handoverGate(release: string | undefined, file: string | undefined): HandoverGate {
  if (!release || !file) return OWN_EVERYTHING;
  let cached: Handover | null = null;
  let seen = "";
  const current = (): Handover | null => {
    try {
      // A stat per event is cheap; re-read only when the hook replaced the file (tmp + rename → new inode).
      const st = statSync(file);
      const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
      if (key !== seen) {
        cached = parseHandover(readFileSync(file, "utf8"));
        seen = key;
      }
    } catch {
      cached = null;
      seen = "";
    }
    return cached;
  };
  return {
    owns(id) {
      const h = current();
      return !h || ownerOf(h, id) === release;
    },
    ownsNow() {
      const h = current();
      return !h || (Date.now() >= h.cutoverAt ? h.release : h.previous) === release;
    },
  };
}
