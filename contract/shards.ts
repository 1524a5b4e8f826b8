// Shards across hosts: OURO_SHARDS is the total across every host; OURO_SHARD_IDS the ids this
// host runs ("0,1", "2", "0-3"; unset: all of them). The bot (bot/shard.ts, bot/config.ts) and
// the deploy hook read them, so they live here, where both may import.

export interface ShardPlan {
  /** Shards across all hosts; undefined = what Discord recommends (GET /gateway/bot). */
  total?: number;
  /** The shard ids this host runs, ascending; undefined = all of them. */
  ids?: number[];
}

/** The most shards OURO_SHARDS may name. */
export const MAX_SHARDS = 1000;

const SHARD_ITEM = /^(\d+)(?:-(\d+))?$/;

/** Reads OURO_SHARDS and OURO_SHARD_IDS; throws a sentence naming what is wrong, changing nothing. */
export function shardPlanFromEnv(env: Record<string, string | undefined>): ShardPlan {
  const totalText = env.OURO_SHARDS?.trim() || undefined;
  const idsText = env.OURO_SHARD_IDS?.trim() || undefined; // blank: unset, as for every variable here
  let total: number | undefined;
  if (totalText !== undefined) {
    total = /^\d+$/.test(totalText) ? Number(totalText) : NaN;
    if (!(total >= 1 && total <= MAX_SHARDS))
      throw new Error(
        `OURO_SHARDS must be the total number of shards across all hosts, a whole number from 1 to ${MAX_SHARDS} (got "${totalText}")`,
      );
  }
  if (idsText === undefined) return { total };
  if (total === undefined)
    throw new Error(
      `OURO_SHARD_IDS (${idsText}) needs OURO_SHARDS, the total number of shards across all hosts (e.g. OURO_SHARDS=3 OURO_SHARD_IDS=0,1)`,
    );
  const ids: number[] = [];
  for (const raw of idsText.split(",")) {
    const item = raw.trim();
    const m = SHARD_ITEM.exec(item);
    if (!m) throw new Error(`OURO_SHARD_IDS must be shard ids or ranges separated by commas, e.g. 0,1 or 2 or 0-3: "${item}" is not one`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`OURO_SHARD_IDS: the range ${item} runs backwards; write ${to}-${from}`);
    if (to >= total)
      throw new Error(`OURO_SHARD_IDS: shard ${to} is out of range: with OURO_SHARDS=${total} the shard ids are 0 to ${total - 1}`);
    for (let id = from; id <= to; id++) {
      if (ids.includes(id)) throw new Error(`OURO_SHARD_IDS names shard ${id} twice (${idsText}): each shard runs on one host, once`);
      ids.push(id);
    }
  }
  return { total, ids: ids.sort((a, b) => a - b) };
}

/** The ids a plan runs here once the total is known: its list, else every shard. */
export function shardIdsOf(plan: ShardPlan, total: number): number[] {
  return plan.ids ?? [...Array(total).keys()];
}
