// Zero-drop deploys, the bot's side: each process handles an interaction or message only if
// the handover file (contract/handover.ts, written by the deploy hook) says it owns it.
import { readFileSync, statSync } from "node:fs";
import { ownerOf, parseHandover, type Handover } from "../../contract/handover.ts";

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
