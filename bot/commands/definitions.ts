// The JSON of every slash command (core + plugins) and its hash, for deploy-commands.
import { createHash } from "node:crypto";
import type { Plugin } from "../core/plugin.ts";
import { coreCommands } from "./index.ts";

export function commandDefinitions(plugins: Plugin[]): unknown[] {
  return [...coreCommands().map((c) => c.data.toJSON()), ...plugins.flatMap((p) => (p.commands ?? []).map((c) => c.data.toJSON()))];
}

/** Stable across key order, so only a real change in a definition changes it. */
export function definitionsHash(defs: unknown[]): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canon(x)]))
        : v;
  return createHash("sha256").update(JSON.stringify(canon(defs))).digest("hex");
}
