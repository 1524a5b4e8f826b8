// The plugin contract: everything a self-edit may add to the bot is a Plugin in
// bot/plugins/<name>/, listed in the explicit registry bot/plugins/index.ts.
// This file is bot core (protected): self-edits build against it, never change it.
import type { ChatInputCommandInteraction } from "discord.js";

/** A slash command as in the discord.js guide: `{ data, execute }`. */
export interface Command {
  data: { name: string; toJSON(): unknown };
  execute(interaction: ChatInputCommandInteraction): Promise<unknown>;
}

/** What a responder sees of a message: plain data, so it is testable without Discord. */
export interface IncomingMessage {
  content: string;
  authorId: string;
  channelId: string;
  guildId?: string;
}

/** An auto-response: when `trigger` matches a message, the bot replies with `respond(...)`. */
export interface Responder {
  name: string;
  trigger: RegExp;
  respond(message: IncomingMessage): string | Promise<string>;
}

/** A function the conversation model may call. `parameters` is a JSON Schema object. */
export interface ModelTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  run(args: unknown): string | Promise<string>;
}

export interface Plugin {
  /** Lowercase letters, digits and dashes; unique in the registry. */
  name: string;
  description: string;
  commands?: Command[];
  responders?: Responder[];
  tools?: ModelTool[];
}

export const PLUGIN_NAME = /^[a-z][a-z0-9-]{1,31}$/;

/** Identity with validation, so a malformed plugin fails at import with a clear message. */
export function definePlugin(plugin: Plugin): Plugin {
  if (!PLUGIN_NAME.test(plugin.name)) {
    throw new Error(`plugin name "${plugin.name}" must match ${PLUGIN_NAME}`);
  }
  return plugin;
}
