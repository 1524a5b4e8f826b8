// The bot's side of the handover (self-contained: meant to live in bot/core/ once wired).
// During a deploy two bot processes are connected to the gateway with the same token and
// shard, and Discord (like local/discord) sends every event to both sessions. The deploy
// hook writes `handover.json` = { release, previous, cutoverAt }; each process handles an
// interaction or message only if it owns it: ids are snowflakes carrying Discord's own
// creation time, so both processes decide the same way for the same event — events created
// before `cutoverAt` belong to `previous`, the rest to `release`. No event is answered
// twice, none is dropped, whatever the processes' timing.
//
// Wiring (bot): `const gate = handoverGateFromEnv(process.env)`, then first thing in the
// InteractionCreate and MessageCreate handlers: `if (!gate.owns(event.id)) return;`.
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

/** Who owns an event with this snowflake id. */
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
  owns(id: string): boolean;
}

/**
 * OURO_RELEASE + OURO_HANDOVER_FILE set by the deploy hook. Without them (a bot run by hand,
 * tests), or when the file is missing or unreadable, the process owns everything.
 */
export function handoverGateFromEnv(env: Record<string, string | undefined>): HandoverGate {
  const release = env.OURO_RELEASE;
  const file = env.OURO_HANDOVER_FILE;
  if (!release || !file) return { owns: () => true };
  let cached: Handover | null = null;
  let seen = "";
  return {
    owns(id) {
      try {
        // stat per event is cheap; re-read only when the hook replaced the file (tmp + rename → new inode).
        const st = statSync(file);
        const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
        if (key !== seen) {
          cached = parseHandover(readFileSync(file, "utf8"));
          seen = key;
        }
      } catch {
        cached = null;
      }
      if (!cached) return true;
      return ownerOf(cached, id) === release;
    },
  };
}
