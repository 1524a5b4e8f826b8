// `npm start`: the Ouro GitHub App (webhooks, the bot link API, the worker).
// Configuration comes from the environment (see README, section "The GitHub App").
import { loadConfig, ConfigError } from "./config.ts";
import { startApp } from "./start.ts";
import { DataDirInUse, DataDirUnusable } from "./store/instance-lock.ts";
import { WrongKeyError } from "./store/personal.ts";
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
  let app;
  try {
    app = await startApp({ config, writer: agentWriter(modelFromEnv()) });
  } catch (e) {
    // Refused in one plain sentence; nothing in the data directory was written.
    if (e instanceof WrongKeyError || e instanceof DataDirInUse || e instanceof DataDirUnusable) {
      console.error(e.message);
      process.exit(2);
    }
    const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
    if (err.code === "EADDRINUSE" || err.code === "EACCES" || err.code === "EADDRNOTAVAIL") {
      const which = err.port === config.botLink.port ? "OURO_BOT_LINK_HOST/OURO_BOT_LINK_PORT" : "HOST/PORT";
      console.error(
        `cannot listen on ${err.address ?? "?"}:${err.port ?? "?"} (${err.code === "EADDRINUSE" ? "already in use" : err.code === "EACCES" ? "not allowed" : "no such address here"}); check ${which}`,
      );
      process.exit(2);
    }
    throw e;
  }
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
