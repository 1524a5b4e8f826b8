// Test helpers for plugin tests (bot/plugins/<name>/<name>.test.ts): run a plugin's command,
// responder or tool with recorded capabilities — no Discord, no network, no files.
import type {
  Capabilities,
  CommandCall,
  FetchInit,
  FetchResponse,
  IncomingMessage,
  OptionValue,
  Plugin,
  Reply,
  Settings,
  ToolCall,
  User,
} from "./index.ts";

/** One thing the plugin sent through its call. */
export interface Sent {
  kind: "reply" | "defer" | "followUp" | "edit";
  message?: Reply;
  ephemeral?: boolean;
}

export interface TestInit {
  options?: Record<string, OptionValue>;
  user?: User;
  channelId?: string;
  guildId?: string;
  settings?: Partial<Settings>;
  /** The plugin store's content before the call (changed in place by the plugin). */
  store?: Map<string, string>;
  /** Answers the plugin's fetch calls; without it, fetch fails like a host that is not allowed. */
  fetch?: (url: string, init?: FetchInit) => FetchResponse | Promise<FetchResponse>;
}

export const TEST_SETTINGS: Settings = {
  tone: "friendly",
  moderationSensitivity: "medium",
  conversationEnabled: true,
  maxReplyLength: 1500,
  historyRetentionDays: 30,
};
const TEST_USER: User = { id: "100000000000000001", name: "tester" };

function capabilities(init: TestInit): Capabilities {
  const store = init.store ?? new Map<string, string>();
  return {
    settings: Object.freeze({ ...TEST_SETTINGS, ...init.settings }),
    store: {
      get: async (key) => store.get(key),
      set: async (key, value) => void store.set(key, value),
      delete: async (key) => void store.delete(key),
      keys: async () => [...store.keys()],
    },
    fetch: async (url, options) => {
      if (!init.fetch) throw new Error(`fetch ${url}: no host is allowed in this test (pass fetch in the test's init)`);
      return init.fetch(url, options);
    },
  };
}

/** A command call whose reply/defer/followUp/edit are recorded in `sent`. */
export function commandCall(command: string, init: TestInit = {}): { call: CommandCall; sent: Sent[] } {
  const sent: Sent[] = [];
  const record = (kind: Sent["kind"]) => async (message: Reply) => void sent.push({ kind, message });
  const call: CommandCall = {
    ...capabilities(init),
    command,
    options: Object.freeze({ ...init.options }),
    user: init.user ?? TEST_USER,
    channelId: init.channelId ?? "200000000000000002",
    guildId: init.guildId ?? "300000000000000003",
    reply: record("reply"),
    followUp: record("followUp"),
    edit: record("edit"),
    defer: async (o) => void sent.push({ kind: "defer", ephemeral: o?.ephemeral }),
  };
  return { call, sent };
}

/** Runs the plugin's /command and returns what it sent. */
export async function runCommand(plugin: Plugin, command: string, init: TestInit = {}): Promise<Sent[]> {
  const found = plugin.commands?.find((c) => c.name === command);
  if (!found) throw new Error(`plugin "${plugin.name}" has no command /${command}`);
  const { call, sent } = commandCall(command, init);
  await found.run(call);
  return sent;
}

/**
 * Runs the plugin's responder on `content` the way the core does: the trigger first (as a
 * JavaScript RegExp here; the core uses RE2, which accepts no backreferences or lookaround),
 * and `respond` only when it matches. Returns undefined when the trigger does not match.
 */
export async function runResponder(plugin: Plugin, responder: string, content: string, init: TestInit = {}): Promise<Reply | undefined> {
  const found = plugin.responders?.find((r) => r.name === responder);
  if (!found) throw new Error(`plugin "${plugin.name}" has no responder "${responder}"`);
  if (!new RegExp(found.trigger, found.flags ?? "").test(content)) return undefined;
  const message: IncomingMessage = {
    content,
    author: init.user ?? TEST_USER,
    channelId: init.channelId ?? "200000000000000002",
    guildId: init.guildId,
  };
  return found.respond(message, capabilities(init));
}

/** Runs the plugin's model tool with `args`. */
export async function runTool(plugin: Plugin, tool: string, args: unknown, init: TestInit = {}): Promise<string> {
  const found = plugin.tools?.find((t) => t.name === tool);
  if (!found) throw new Error(`plugin "${plugin.name}" has no tool "${tool}"`);
  const call: ToolCall = {
    ...capabilities(init),
    user: init.user ?? TEST_USER,
    channelId: init.channelId ?? "200000000000000002",
    guildId: init.guildId,
  };
  return found.run(args, call);
}
