// `npm run local -- discord [--port N] [--data DIR] [--seed FILE.json] [--token TOKEN]`: runs the stand-in until SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { startDiscord } from "./server.ts";
import type { SeedSpec } from "./seed.ts";

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      data: { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: npm run local -- discord [--port N] [--host H] [--data DIR] [--seed seed.json]");
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const seed = values.seed ? (JSON.parse(readFileSync(values.seed, "utf8")) as SeedSpec) : undefined;
  const discord = await startDiscord({ port, host: values.host, dataDir: values.data, seed });
  const g = discord.guild;
  console.log(`Discord stand-in listening on ${discord.url}`);
  console.log(`  REST (discord.js rest.api): ${discord.apiBase}`);
  console.log(`  gateway:                    ${discord.gatewayUrl}`);
  console.log(`  driver:                     ${discord.driverUrl}`);
  console.log(`  bot token:                  ${discord.botToken}`);
  console.log(`  application id:             ${discord.applicationId}`);
  console.log(`  guild:                      ${g.name} (${g.id})`);
  console.log(`  channels:                   ${Object.entries(g.channels).map(([n, id]) => `#${n}=${id}`).join(" ")}`);
  console.log(`  roles:                      ${Object.entries(g.roles).map(([n, id]) => `${n}=${id}`).join(" ")}`);
  console.log(`  users:                      ${Object.entries(g.users).map(([n, id]) => `${n}=${id}`).join(" ")}`);
  if (values.data) console.log(`  state:                      ${values.data}/discord-state.json`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await discord.close();
}
