// The core's side of the capabilities a plugin call is handed: each call gets a handler bound
// to its own interaction (reply/defer/followUp/edit) and its own plugin's store, so a plugin
// can act only on the message it was called for and only on its own data.
import type { ChatInputCommandInteraction } from "discord.js";
import { z } from "zod";
import type { Memory } from "../memory/store.ts";
import type { CapabilityHandler } from "./supervisor.ts";
import { pluginFetch } from "./fetch.ts";
import { toPayload } from "./messages.ts";

export interface SharedCapabilities {
  memory: Memory;
  allowedHosts: readonly string[];
  /** Per plugin: at most this many keys and bytes (keys + values). */
  storeQuota?: { keys: number; bytes: number };
}

export const DEFAULT_STORE_QUOTA = { keys: 1_000, bytes: 1024 * 1024 };

const key = z.string().min(1).max(200);
const value = z.string().max(64 * 1024);

function arg<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${what}: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`);
  return parsed.data;
}

/** store.* and fetch: what every call may use. */
export function baseCapabilities(plugin: string, shared: SharedCapabilities): CapabilityHandler {
  const quota = shared.storeQuota ?? DEFAULT_STORE_QUOTA;
  return async (op, args) => {
    switch (op) {
      case "store.get":
        return shared.memory.pluginGet(plugin, arg(key, args[0], "store.get key"));
      case "store.set":
        return shared.memory.pluginSet(
          plugin,
          arg(key, args[0], "store.set key"),
          arg(value, args[1], "store.set value (a string of at most 64 KiB)"),
          quota,
        );
      case "store.delete":
        return shared.memory.pluginDelete(plugin, arg(key, args[0], "store.delete key"));
      case "store.keys":
        return shared.memory.pluginKeys(plugin);
      case "fetch":
        return pluginFetch(args[0], args[1], { allowedHosts: shared.allowedHosts });
      default:
        throw new Error(`${op} is not available here`);
    }
  };
}

/** A command call: the base capabilities plus answering this one interaction. */
export function commandCapabilities(
  interaction: ChatInputCommandInteraction,
  plugin: string,
  shared: SharedCapabilities,
): CapabilityHandler {
  const base = baseCapabilities(plugin, shared);
  return async (op, args) => {
    switch (op) {
      case "reply": {
        if (interaction.replied || interaction.deferred) throw new Error("reply: already replied (use followUp or edit)");
        const { ephemeral: _, ...payload } = toPayload(args[0]);
        await interaction.reply(payload);
        return undefined;
      }
      case "defer": {
        if (interaction.replied || interaction.deferred) throw new Error("defer: already replied");
        const ephemeral = z.object({ ephemeral: z.boolean().optional() }).safeParse(args[0] ?? {}).data?.ephemeral === true;
        await interaction.deferReply(ephemeral ? { flags: "Ephemeral" } : {});
        return undefined;
      }
      case "followUp": {
        if (!interaction.replied && !interaction.deferred) throw new Error("followUp: reply first");
        const { ephemeral: _, ...payload } = toPayload(args[0]);
        await interaction.followUp(payload);
        return undefined;
      }
      case "edit": {
        if (!interaction.replied && !interaction.deferred) throw new Error("edit: reply or defer first");
        const { ephemeral: _, flags: __, ...payload } = toPayload(args[0]);
        await interaction.editReply(payload);
        return undefined;
      }
      default:
        return base(op, args);
    }
  };
}
