// `npm run local -- discord [--port N] [--host H] [--data DIR] [--seed FILE.json] [--token TOKEN]`:
// runs the stand-in until SIGINT/SIGTERM. Bad arguments print the usage and exit with code 2.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { startDiscord } from "./server.ts";
import type { DiscordOptions, DiscordStandIn } from "./server.ts";
import { seedSpec } from "./seed.ts";

const USAGE = "usage: npm run local -- discord [--port N] [--host H] [--data DIR] [--seed seed.json] [--token TOKEN]";

function parse(args: string[]): DiscordOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      data: { type: "string" },
      seed: { type: "string" },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const seed = values.seed ? seedSpec.parse(JSON.parse(readFileSync(values.seed, "utf8"))) : undefined;
  return { port, host: values.host, dataDir: values.data, seed, botToken: values.token };
}

function banner(discord: DiscordStandIn, dataDir: string | undefined): void {
  const g = discord.guild;
  const ids = (o: Record<string, string>, prefix = "") =>
    Object.entries(o)
      .map(([n, id]) => `${prefix}${n}=${id}`)
      .join(" ");
  console.log(`Discord stand-in listening on ${discord.url}`);
  console.log(`  REST (discord.js rest.api): ${discord.apiBase}`);
  console.log(`  gateway:                    ${discord.gatewayUrl}`);
  console.log(`  driver:                     ${discord.driverUrl}`);
  console.log(`  bot token:                  ${discord.botToken}`);
  console.log(`  application id:             ${discord.applicationId}`);
  console.log(`  guild:                      ${g.name} (${g.id})`);
  console.log(`  channels:                   ${ids(g.channels, "#")}`);
  console.log(`  roles:                      ${ids(g.roles)}`);
  console.log(`  users:                      ${ids(g.users)}`);
  if (dataDir) console.log(`  state:                      ${dataDir}/discord-state.json`);
}

export async function main(args: string[]): Promise<void> {
  let options: DiscordOptions | undefined;
  try {
    options = parse(args);
  } catch (err) {
    console.error(`discord: ${(err as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (!options) return void console.log(USAGE);
  // Handlers first, so a signal during start-up still shuts down cleanly.
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  const discord = await startDiscord(options);
  banner(discord, options.dataDir);
  await stopped;
  await discord.close();
}
