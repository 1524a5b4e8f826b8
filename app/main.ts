// `npm start`: the Ouro GitHub App (webhooks, the bot link API, the worker).
// Configuration comes from the environment (see README, section "The GitHub App").
import { loadConfig, ConfigError } from "./config.ts";
import { startApp } from "./server.ts";
import { agentWriter } from "./writer.ts";
import { modelFromEnv } from "./agent/index.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const app = await startApp({ config, writer: agentWriter(modelFromEnv()) });
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
