// `npm run register-commands`: registers the slash commands, but only when their definitions
// changed — compared by hash with what this data dir last registered, and by name with
// what the API currently holds (so a wiped application is re-registered too).
import { REST, Routes } from "discord.js";
import { readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { commandDefinitions, definitionsHash } from "./commands/definitions.ts";
import { readManifest } from "./plugin-host/supervisor.ts";
import { coreCommands } from "./commands/registry.ts";
import { createLogger } from "./core/logger.ts";
import { readPolicy } from "./permissions/capabilities.ts";

export interface DeployOptions {
  token: string;
  api?: string;
  applicationId?: string;
  guildId?: string;
  dataDir: string;
  /** The checkout whose bot/plugins are registered (default: this one). Loaded in the sandboxed host. */
  pluginRoot?: string;
  /** For development without a network namespace (OURO_PLUGIN_NETWORK=unisolated). */
  pluginNetwork?: "isolated" | "unisolated";
  force?: boolean;
}

export interface DeployResult {
  registered: boolean;
  count: number;
  hash: string;
  reason: string;
}

const stateSchema = z.record(z.string(), z.string());

export async function deployCommands(o: DeployOptions): Promise<DeployResult> {
  const rest = new REST(o.api ? { api: o.api } : {}).setToken(o.token);
  const appId = o.applicationId ?? z.object({ id: z.string() }).parse(await rest.get(Routes.currentApplication())).id;
  const route = o.guildId ? Routes.applicationGuildCommands(appId, o.guildId) : Routes.applicationCommands(appId);
  const { imports } = readPolicy(o.pluginRoot);
  const manifest = await readManifest({
    root: o.pluginRoot,
    network: o.pluginNetwork,
    packages: imports.packages,
    builtins: imports.builtins,
    log: createLogger(),
    reservedCommands: coreCommands().map((c) => c.data.name),
  });
  const defs = commandDefinitions(manifest);
  const hash = definitionsHash(defs);
  const scope = o.guildId ? `guild:${o.guildId}` : "global";
  const stateFile = join(o.dataDir, "commands-hash.json");
  let state: Record<string, string>;
  try {
    state = stateSchema.parse(JSON.parse(readFileSync(stateFile, "utf8")));
  } catch {
    state = {};
  }
  const live = z.array(z.object({ name: z.string() })).parse(await rest.get(route));
  const wanted = new Set(defs.map((d) => (d as { name: string }).name));
  const sameNames = live.length === wanted.size && live.every((c) => wanted.has(c.name));
  let reason: string;
  if (o.force) reason = "forced";
  else if (state[scope] !== hash) reason = state[scope] ? "definitions changed" : "never registered from here";
  else if (!sameNames) reason = "the API holds a different set of commands";
  else return { registered: false, count: defs.length, hash, reason: "unchanged" };

  await rest.put(route, { body: defs });
  mkdirSync(o.dataDir, { recursive: true });
  writeFileSync(`${stateFile}.tmp`, JSON.stringify({ ...state, [scope]: hash }, null, 2));
  renameSync(`${stateFile}.tmp`, stateFile);
  return { registered: true, count: defs.length, hash, reason };
}

if (import.meta.main) {
  const env = z
    .object({
      DISCORD_TOKEN: z.string({ error: "DISCORD_TOKEN is required" }).min(1, "DISCORD_TOKEN is required"),
      DISCORD_API: z.url().optional(),
      DISCORD_APPLICATION_ID: z.string().optional(),
      DISCORD_GUILD_ID: z.string().optional(),
      OURO_DATA_DIR: z.string().default("./data/bot"),
      OURO_PLUGIN_NETWORK: z.enum(["isolated", "unisolated"]).default("isolated"),
    })
    .safeParse(process.env);
  if (!env.success) {
    console.error(`register-commands: invalid environment\n${z.prettifyError(env.error)}`);
    process.exit(2);
  }
  const e = env.data;
  try {
    const r = await deployCommands({
      token: e.DISCORD_TOKEN,
      api: e.DISCORD_API,
      applicationId: e.DISCORD_APPLICATION_ID,
      guildId: e.DISCORD_GUILD_ID,
      dataDir: e.OURO_DATA_DIR,
      pluginNetwork: e.OURO_PLUGIN_NETWORK,
      force: process.argv.includes("--force"),
    });
    console.log(r.registered ? `registered ${r.count} commands (${r.reason})` : `${r.count} commands unchanged; nothing sent`);
  } catch (err) {
    console.error(`register-commands: ${(err as Error).message}`);
    process.exit(1);
  }
}
