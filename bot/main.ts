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
const shutdown = async (signal: string) => {
  log.info({ signal }, "stopping");
  await bot.stop();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
await bot.start();
log.info({ health: bot.health?.url }, "started");
