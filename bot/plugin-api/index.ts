// The plugin API: the only thing plugin code (bot/plugins/) imports from Ouro.
// Plugins run in the plugin host, a separate sandboxed process (bot/plugin-host/): they get
// plain data in and capabilities handed in per call — never discord.js objects, the client,
// the environment, files or the network. Everything a plugin sends back is validated by the
// bot core at the process boundary. This file is bot core (protected): changing it is a core change.
// No imports: the host loads it inside the sandbox, and plugin tests load it without Discord.

/** Lowercase letters, digits and dashes; unique in the registry. */
export const PLUGIN_NAME = /^[a-z][a-z0-9-]{1,31}$/;
/** Discord's rule for command and option names (lowercase only). */
export const COMMAND_NAME = /^[a-z0-9_-]{1,32}$/;
/** Model tool names (OpenAI function names). */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

// ───────────────────────────── what plugins send ─────────────────────────────

export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

/** A rich embed as plain data (Discord's limits apply: title 256, description 4096, 25 fields). */
export interface Embed {
  title?: string;
  description?: string;
  url?: string;
  /** 0xRRGGBB */
  color?: number;
  fields?: EmbedField[];
  footer?: string;
}

/** A button that opens a web page (https only). */
export interface LinkButton {
  label: string;
  url: string;
}

/** An attachment as bytes in memory: never a path or a URL. */
export interface FileAttachment {
  name: string;
  data: Uint8Array | string;
}

/** What a plugin sends to Discord. Mentions never ping: the core always sends no pings. */
export interface Message {
  content?: string;
  embeds?: Embed[];
  /** At most 5 link buttons, shown in one row. */
  buttons?: LinkButton[];
  /** At most 4 files, 8 MiB in all. */
  files?: FileAttachment[];
  /** Only the user sees it (replies and follow-ups only). */
  ephemeral?: boolean;
}

export type Reply = string | Message;

// ─────────────────────────── what plugins are given ──────────────────────────

export interface User {
  id: string;
  /** The name shown in the guild (or the global name). */
  name: string;
}

/** The bot's settings (bot/plugins/settings.json, validated by the core), read-only. */
export interface Settings {
  readonly tone: "friendly" | "formal" | "playful" | "concise";
  readonly moderationSensitivity: "off" | "low" | "medium" | "high";
  readonly conversationEnabled: boolean;
  readonly maxReplyLength: number;
  readonly historyRetentionDays: number;
}

/** A key-value store of this plugin's own, kept by the core, with a quota (see the README). */
export interface PluginStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

export interface FetchInit {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";
  headers?: Record<string, string>;
  body?: string;
}

export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (at most 1 MiB). */
  body: string;
}

/** Outbound HTTP(S), done by the core and only to the policy's `network.allowedHosts`. */
export type PluginFetch = (url: string, init?: FetchInit) => Promise<FetchResponse>;

/** What every handler gets besides its own input. */
export interface Capabilities {
  settings: Settings;
  store: PluginStore;
  fetch: PluginFetch;
}

export type OptionValue = string | number | boolean;

/** One run of a slash command. */
export interface CommandCall extends Capabilities {
  command: string;
  /** Option values by name; a `user` option is the user's id. Absent options are missing. */
  options: Readonly<Record<string, OptionValue>>;
  user: User;
  guildId?: string;
  channelId: string;
  /** The first answer (within 3 s, or call `defer` first). */
  reply(message: Reply): Promise<void>;
  /** "Thinking…": answer later with `edit`. */
  defer(options?: { ephemeral?: boolean }): Promise<void>;
  /** Another message after the reply. */
  followUp(message: Reply): Promise<void>;
  /** Replaces the reply (or fills the deferred one). */
  edit(message: Reply): Promise<void>;
}

/** A message that matched a responder's trigger (the only messages a plugin sees). */
export interface IncomingMessage {
  content: string;
  author: User;
  channelId: string;
  guildId?: string;
}

/** One call of a model tool during a conversation. */
export interface ToolCall extends Capabilities {
  /** Who the model is talking to. */
  user: User;
  channelId: string;
  guildId?: string;
}

// ───────────────────────────── what plugins define ───────────────────────────

export type OptionType = "string" | "integer" | "number" | "boolean" | "user";

export interface CommandOption {
  name: string;
  description: string;
  type: OptionType;
  required?: boolean;
  /** Fixed choices (string, integer or number options). */
  choices?: { name: string; value: string | number }[];
  min?: number;
  max?: number;
}

export interface Command {
  /** The slash command's name (Discord: lowercase, 1–32). Core commands cannot be shadowed. */
  name: string;
  description: string;
  options?: CommandOption[];
  run(call: CommandCall): Promise<void> | void;
}

export interface Responder {
  name: string;
  /**
   * The trigger, as RE2 syntax (linear time: no backreferences or lookaround), matched by the
   * core; only matching messages reach the plugin.
   */
  trigger: string;
  /** RE2 flags: any of "i", "m", "s". */
  flags?: string;
  /** Channel ids where it answers; absent = every guild channel the bot reads. */
  channels?: string[];
  /** Whether it answers direct messages too (default false). */
  directMessages?: boolean;
  respond(message: IncomingMessage, caps: Capabilities): Reply | undefined | Promise<Reply | undefined>;
}

export interface ModelTool {
  name: string;
  description: string;
  /** A JSON Schema object; the core validates the model's arguments against it. */
  parameters: Record<string, unknown>;
  run(args: unknown, call: ToolCall): string | Promise<string>;
}

export interface Plugin {
  name: string;
  description: string;
  commands?: Command[];
  responders?: Responder[];
  tools?: ModelTool[];
}

const OPTION_TYPES: readonly OptionType[] = ["string", "integer", "number", "boolean", "user"];

function check(ok: boolean, plugin: string, what: string): void {
  if (!ok) throw new Error(`plugin "${plugin}": ${what}`);
}

function text(value: unknown, max: number): boolean {
  return typeof value === "string" && value.length >= 1 && value.length <= max;
}

/**
 * Checks a plugin's shape, so a malformed plugin fails at import (and in its test) with a
 * clear message. The core checks the same again at the process boundary.
 */
export function definePlugin(plugin: Plugin): Plugin {
  const name = String(plugin?.name);
  check(PLUGIN_NAME.test(name), name, `the name must match ${PLUGIN_NAME}`);
  check(text(plugin.description, 200), name, "needs a description (1–200 characters)");
  const commands = new Set<string>();
  for (const c of plugin.commands ?? []) {
    check(COMMAND_NAME.test(String(c?.name)), name, `command name "${c?.name}" must match ${COMMAND_NAME}`);
    check(!commands.has(c.name), name, `defines /${c.name} twice`);
    commands.add(c.name);
    check(text(c.description, 100), name, `/${c.name} needs a description (1–100 characters)`);
    check(typeof c.run === "function", name, `/${c.name} needs a run(call) function`);
    const options = c.options ?? [];
    check(options.length <= 25, name, `/${c.name} has more than 25 options`);
    for (const o of options) {
      check(COMMAND_NAME.test(String(o?.name)), name, `/${c.name} option "${o?.name}" must match ${COMMAND_NAME}`);
      check(text(o.description, 100), name, `/${c.name} option "${o.name}" needs a description (1–100 characters)`);
      check(
        OPTION_TYPES.includes(o.type),
        name,
        `/${c.name} option "${o.name}" has type "${o.type}"; use one of ${OPTION_TYPES.join(", ")}`,
      );
    }
  }
  for (const r of plugin.responders ?? []) {
    check(text(r?.name, 64), name, "every responder needs a name");
    check(
      typeof r.trigger === "string" && r.trigger.length > 0 && r.trigger.length <= 500,
      name,
      `responder "${r.name}" needs a trigger pattern (a string, ≤ 500 characters)`,
    );
    check(r.flags === undefined || /^[ims]*$/.test(r.flags), name, `responder "${r.name}" flags may only be i, m, s`);
    check(typeof r.respond === "function", name, `responder "${r.name}" needs a respond(message) function`);
  }
  for (const t of plugin.tools ?? []) {
    check(TOOL_NAME.test(String(t?.name)), name, `tool name "${t?.name}" must match ${TOOL_NAME}`);
    check(text(t.description, 1000), name, `tool "${t.name}" needs a description`);
    check(typeof t.parameters === "object" && t.parameters !== null, name, `tool "${t.name}" needs a JSON Schema object as parameters`);
    check(typeof t.run === "function", name, `tool "${t.name}" needs a run(args) function`);
  }
  return plugin;
}
