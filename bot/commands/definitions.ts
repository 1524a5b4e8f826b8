// The JSON of every slash command (core + plugins) and its hash, for register-commands.
// Plugin commands come from the plugin host's manifest (plain data, checked by the core).
import { createHash } from "node:crypto";
import { ApplicationCommandOptionType } from "discord.js";
import type { Manifest } from "../plugin-host/protocol.ts";
import { coreCommands } from "./registry.ts";

const OPTION_TYPE = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  number: ApplicationCommandOptionType.Number,
  boolean: ApplicationCommandOptionType.Boolean,
  user: ApplicationCommandOptionType.User,
} as const;

type ManifestCommand = Manifest["plugins"][number]["commands"][number];

/** A plugin command as Discord's application command JSON. */
export function pluginCommandJson(c: ManifestCommand): unknown {
  return {
    name: c.name,
    description: c.description,
    options: c.options.map((o) => ({
      type: OPTION_TYPE[o.type],
      name: o.name,
      description: o.description,
      required: o.required ?? false,
      ...(o.choices ? { choices: o.choices } : {}),
      ...(o.type === "string"
        ? { min_length: o.min, max_length: o.max }
        : o.type === "integer" || o.type === "number"
          ? { min_value: o.min, max_value: o.max }
          : {}),
    })),
  };
}

export function commandDefinitions(manifest: Manifest): unknown[] {
  return [...coreCommands().map((c) => c.data.toJSON()), ...manifest.plugins.flatMap((p) => p.commands.map(pluginCommandJson))];
}

/** Stable across key order, so only a real change in a definition changes it. */
export function definitionsHash(defs: unknown[]): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canon(x)]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(canon(defs)))
    .digest("hex");
}
