// The bot's entry: validated config from the environment, then createBot. Stops cleanly
// on SIGTERM/SIGINT (the deploy hook's restart).
import { configFromEnv } from "./config.ts";
import { createBot } from "./create-bot.ts";
import { createLogger } from "./core/logger.ts";

const log = createLogger();
let config;
try {
  config = configFromEnv(process.env);
} catch (err) {
  log.fatal((err as Error).message);
  process.exit(2);
}
const bot = createBot(config, { logger: log });
// Plugin code runs in the plugin host, not here: what escapes is the core's own failure.
// Log and report it for self-debugging, and keep serving.
const escaped = (kind: string) => (err: unknown) => {
  const error = err instanceof Error ? err : new Error(String(err));
  log.error({ err: error }, kind);
  bot.context.plugins.failures.core(kind, error);
};
process.on("uncaughtException", escaped("uncaught exception"));
process.on("unhandledRejection", escaped("unhandled rejection"));
const shutdown = async (signal: string) => {
  log.info({ signal }, "stopping");
  await bot.stop();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
// A shard of bot/shard.ts stops when its manager is gone (killed, crashed): no orphan shard keeps a session.
if (process.env.SHARDING_MANAGER && process.send) process.once("disconnect", () => void shutdown("shard manager gone"));
await bot.start();
log.info({ health: bot.health?.url }, "started");
