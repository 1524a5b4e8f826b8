// The handover format, written by the deploy hook (deploy-hook/handover-file.ts) and read
// by every bot process (bot/core/handover-gate.ts). During a deploy two bot processes are
// connected with the same token and shard, and Discord sends every event to both sessions:
// `handover.json` = { release, previous, cutoverAt } says which one owns which event. Ids are
// snowflakes carrying Discord's own creation time, so both processes decide the same way:
// created before `cutoverAt` → `previous`, else → `release`. Nothing is answered twice or dropped.
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
    if (typeof v.release !== "string" || typeof v.cutoverAt !== "number" || !(v.previous === null || typeof v.previous === "string"))
      return null;
    return { release: v.release, previous: v.previous, cutoverAt: v.cutoverAt };
  } catch {
    return null;
  }
}
