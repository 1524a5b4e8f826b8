// For many guilds: `node bot/shard.ts` runs bot/main.ts once per shard under discord.js's
// ShardingManager (each shard process: its own gateway session, health port OURO_HEALTH_PORT
// + shard id, and stream position; the memory file is shared). The shard count is
// OURO_SHARDS, else what the API recommends (GET /gateway/bot, through DISCORD_API if set).
import { REST, Routes, ShardingManager } from "discord.js";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { createLogger } from "./core/logger.ts";

const log = createLogger();
const env = z
  .object({
    DISCORD_TOKEN: z.string({ error: "DISCORD_TOKEN is required" }).min(1, "DISCORD_TOKEN is required"),
    DISCORD_API: z.url().optional(),
    OURO_SHARDS: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .safeParse(process.env);
if (!env.success) {
  log.fatal(`invalid shard configuration: ${z.prettifyError(env.error).replace(/\n/g, " ")}`);
  process.exit(2);
}
const { DISCORD_TOKEN: token, DISCORD_API: api, OURO_SHARDS } = env.data;

async function recommendedShards(): Promise<number> {
  const rest = new REST(api ? { api } : {}).setToken(token);
  const body = z.object({ shards: z.number().int().min(1) }).parse(await rest.get(Routes.gatewayBot()));
  return body.shards;
}

const totalShards = OURO_SHARDS ?? (await recommendedShards());
// The same Node flags as every bot process (deploy-hook/bot-process.ts BOT_NODE_FLAGS, `npm run bot`).
const manager = new ShardingManager(fileURLToPath(new URL("./main.ts", import.meta.url)), {
  token,
  totalShards,
  respawn: true,
  execArgv: ["--max-semi-space-size=2"],
});
manager.on("shardCreate", (shard) => log.info({ shard: shard.id, of: totalShards }, "shard started"));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping shards");
  const exits = [...manager.shards.values()].map(
    (shard) =>
      new Promise<void>((resolve) => {
        const child = shard.process;
        if (!child || child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM"); // each bot/main.ts stops cleanly on SIGTERM
      }),
  );
  void Promise.all(exits).then(() => process.exit(0));
};
// Stop respawning before anything exits.
process.once("SIGTERM", () => {
  manager.respawn = false;
  stop("SIGTERM");
});
process.once("SIGINT", () => {
  manager.respawn = false;
  stop("SIGINT");
});

await manager.spawn({ timeout: 60_000 });
log.info({ shards: totalShards }, "all shards ready");
