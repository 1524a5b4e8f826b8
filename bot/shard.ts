// For many guilds: `node bot/shard.ts` runs bot/main.ts once per shard under discord.js's
// ShardingManager (each shard process: its own gateway session, health port OURO_HEALTH_PORT
// + shard id, and stream position; the memory is shared). OURO_SHARDS is the total across
// all hosts, else what the API recommends (GET /gateway/bot, through DISCORD_API if set);
// OURO_SHARD_IDS the ids this host runs ("0,1", "2", "0-3"; unset: all of them).
// Bad variables: exit 2 with a sentence, before anything connects. A shard that never gets
// ready stops them all (exit 1), so no shard process outlives this one.
import { REST, Routes, ShardingManager } from "discord.js";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { createLogger } from "./core/logger.ts";
import { shardIdsOf, shardPlanFromEnv, type ShardPlan } from "../contract/shards.ts";

const log = createLogger();
const token = process.env.DISCORD_TOKEN?.trim();
let plan: ShardPlan;
try {
  if (!token) throw new Error("DISCORD_TOKEN is required");
  if (process.env.DISCORD_API && !URL.canParse(process.env.DISCORD_API))
    throw new Error("DISCORD_API must be a URL, e.g. https://discord.com/api");
  plan = shardPlanFromEnv(process.env);
} catch (err) {
  log.fatal(`invalid shard configuration: ${(err as Error).message}`);
  process.exit(2);
}
const api = process.env.DISCORD_API;

async function recommendedShards(): Promise<number> {
  const rest = new REST(api ? { api } : {}).setToken(token!);
  const body = z.object({ shards: z.number().int().min(1) }).parse(await rest.get(Routes.gatewayBot()));
  return body.shards;
}

const totalShards = plan.total ?? (await recommendedShards());
const shardList = shardIdsOf(plan, totalShards);
// The same Node flags as every bot process (deploy-hook/bot-process.ts BOT_NODE_FLAGS, `npm run bot`).
const manager = new ShardingManager(fileURLToPath(new URL("./main.ts", import.meta.url)), {
  token,
  totalShards,
  shardList,
  respawn: true,
  execArgv: ["--max-semi-space-size=2"],
});
manager.on("shardCreate", (shard) => {
  log.info({ shard: shard.id, of: totalShards }, "shard started");
  // A shard spawned while stopping (spawn() was mid-way) stops at once too.
  shard.on("spawn", (child) => {
    if (stopping && "kill" in child) child.kill("SIGTERM");
  });
});

let stopping = false;
const stop = (reason: string, code: number) => {
  if (stopping) return;
  stopping = true;
  manager.respawn = false; // stop respawning before anything exits
  log.info({ reason }, "stopping shards");
  const exits = [...manager.shards.values()].map(
    (shard) =>
      new Promise<void>((resolve) => {
        const child = shard.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM"); // each bot/main.ts stops cleanly on SIGTERM
      }),
  );
  void Promise.all(exits).then(() => process.exit(code));
};
process.once("SIGTERM", () => stop("SIGTERM", 0));
process.once("SIGINT", () => stop("SIGINT", 0));

try {
  await manager.spawn({ timeout: 60_000 });
  log.info({ shards: shardList, of: totalShards }, "all shards ready");
} catch (err) {
  log.fatal({ err }, "a shard did not get ready: stopping every shard of this host");
  stop("a shard did not get ready", 1);
}
