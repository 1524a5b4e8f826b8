// The plugin host's entry: the only code that runs inside the sandbox besides the plugins.
// Started by bot/plugin-host/supervisor.ts with an empty environment, Node's permission model
// (reads of the plugin area, the plugin API and allowed packages only; no writes, children,
// workers, addons or inspector), no code from strings, and no network namespace of its own.
// It loads the registry, tells the core what the plugins define (the manifest), then runs
// calls. Every capability a handler uses is a request to the core, which decides.
// Nothing here is trusted by the core: plugins share this process and could change it.
import type { Capabilities, CommandCall, IncomingMessage, Plugin, Reply, ToolCall } from "../../plugin-api/index.ts";
import type { CapabilityOp, CommandInput, CoreMessage, HostError, HostMessage, ResponderInput, ToolInput } from "../protocol.ts";

const send = (message: HostMessage, then?: () => void) => process.send!(message, undefined, undefined, then);

const toError = (raw: unknown): HostError => {
  const err = raw instanceof Error ? raw : new Error(typeof raw === "string" ? raw : "a non-Error value was thrown");
  return {
    name: String(err.name).slice(0, 200),
    message: String(err.message).slice(0, 4000),
    stack: typeof err.stack === "string" ? err.stack.slice(0, 16_000) : undefined,
  };
};

let nextReq = 0;
const pending = new Map<string, { resolve(value: unknown): void; reject(error: Error): void }>();

function request(call: string, op: CapabilityOp, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = `${call}:${nextReq++}`;
    pending.set(req, { resolve, reject });
    try {
      send({ t: "cap", call, req, op, args });
    } catch (err) {
      // e.g. a function or a class instance in a reply: it cannot cross the boundary.
      pending.delete(req);
      reject(new Error(`${op}: ${(err as Error).message}`));
    }
  });
}

function capabilities(call: string, settings: Record<string, unknown>): Capabilities {
  return {
    settings: Object.freeze({ ...settings }) as unknown as Capabilities["settings"],
    store: {
      get: (key) => request(call, "store.get", [key]) as Promise<string | undefined>,
      set: async (key, value) => void (await request(call, "store.set", [key, value])),
      delete: async (key) => void (await request(call, "store.delete", [key])),
      keys: () => request(call, "store.keys", []) as Promise<string[]>,
    },
    fetch: (url, init) => request(call, "fetch", [url, init ?? {}]) as Promise<Awaited<ReturnType<Capabilities["fetch"]>>>,
  };
}

const byName = new Map<string, Plugin>();

async function run(m: Extract<CoreMessage, { t: "call" }>): Promise<unknown> {
  const plugin = byName.get(m.plugin);
  if (!plugin) throw new Error(`no plugin "${m.plugin}"`);
  if (m.kind === "command") {
    const input = m.input as CommandInput;
    const command = plugin.commands?.find((c) => c.name === m.name);
    if (!command) throw new Error(`plugin "${m.plugin}" has no command /${m.name}`);
    const say = (op: CapabilityOp) => async (message: Reply) => void (await request(m.call, op, [message]));
    const call: CommandCall = {
      ...capabilities(m.call, input.settings),
      command: input.command,
      options: Object.freeze({ ...input.options }),
      user: input.user,
      guildId: input.guildId,
      channelId: input.channelId,
      reply: say("reply"),
      followUp: say("followUp"),
      edit: say("edit"),
      defer: async (options) => void (await request(m.call, "defer", [{ ephemeral: options?.ephemeral === true }])),
    };
    await command.run(call);
    return undefined;
  }
  if (m.kind === "responder") {
    const input = m.input as ResponderInput;
    const responder = plugin.responders?.find((r) => r.name === m.name);
    if (!responder) throw new Error(`plugin "${m.plugin}" has no responder "${m.name}"`);
    const message: IncomingMessage = input.message;
    return (await responder.respond(message, capabilities(m.call, input.settings))) ?? null;
  }
  const input = m.input as ToolInput;
  const tool = plugin.tools?.find((t) => t.name === m.name);
  if (!tool) throw new Error(`plugin "${m.plugin}" has no tool "${m.name}"`);
  const call: ToolCall = { ...capabilities(m.call, input.settings), user: input.user, channelId: input.channelId, guildId: input.guildId };
  return String(await tool.run(input.args, call));
}

function onMessage(raw: unknown): void {
  const m = raw as CoreMessage;
  if (m.t === "ping") {
    send({ t: "pong", n: m.n });
    return;
  }
  if (m.t === "cap-result") {
    const p = pending.get(m.req);
    pending.delete(m.req);
    if (p) {
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    }
    return;
  }
  if (m.t === "call") {
    run(m).then(
      (value) => {
        try {
          send({ t: "done", call: m.call, ok: true, value });
        } catch (err) {
          send({ t: "done", call: m.call, ok: false, error: toError(err) });
        }
      },
      (err) => send({ t: "done", call: m.call, ok: false, error: toError(err) }),
    );
  }
}
process.on("message", onMessage);

// A throw from a plugin's own timer leaves this process in an unknown state: report and
// exit (the core restarts the host). A promise nobody awaited is reported and tolerated.
process.on("uncaughtException", (err) => send({ t: "stray-error", error: toError(err) }, () => process.exit(70)));
process.on("unhandledRejection", (err) => send({ t: "stray-error", error: toError(err) }));
// The core going away (its IPC channel closed) ends the host.
process.on("disconnect", () => process.exit(0));

/** Globals Node itself changes after start-up: left as they are. */
const LIVE_GLOBALS = new Set(["process", "global", "globalThis"]);
/**
 * Web networking globals (Node's undici): useless without a network, and loading them to
 * freeze them costs the host a seventh of its memory. They are replaced, read-only.
 */
const NO_NETWORK = ["fetch", "WebSocket", "EventSource", "Request", "Response", "Headers", "FormData", "MessageEvent", "CloseEvent"];

/**
 * Freezes every built-in before any plugin code runs — the globals (lower-case ones too),
 * everything reachable from them, and the intrinsics without a global name (iterator and
 * generator prototypes, %TypedArray%…) — and makes the global names read-only, so one
 * plugin cannot change what another plugin (or this file) runs on.
 */
function harden(): void {
  const seen = new Set<unknown>();
  // An object and its prototype chain; a function's `prototype` too. Methods themselves are
  // not walked: a frozen prototype already keeps them from being replaced (and walking every
  // method costs the host a fifth of its memory).
  const freeze = (value: unknown, depth = 0): void => {
    for (let o = value; (typeof o === "object" || typeof o === "function") && o !== null && !seen.has(o); o = Object.getPrototypeOf(o)) {
      seen.add(o);
      Object.freeze(o);
      const proto = Object.getOwnPropertyDescriptor(o, "prototype");
      if (proto && "value" in proto) freeze(proto.value);
      if (depth > 0 && typeof o === "object") {
        // Namespaces (Intl, WebAssembly…): their constructors and objects, one level down.
        for (const key of Reflect.ownKeys(o)) {
          const desc = Object.getOwnPropertyDescriptor(o, key);
          if (desc && "value" in desc) freeze(desc.value, depth - 1);
        }
      }
    }
  };
  // Samples whose prototypes are intrinsics without a global name.
  const generator = function* () {
    yield 0;
  };
  const asyncGenerator = async function* () {
    yield 0;
  };
  const hidden = [
    generator,
    async function () {},
    asyncGenerator,
    generator(),
    asyncGenerator(),
    [][Symbol.iterator](),
    new Map()[Symbol.iterator](),
    new Set()[Symbol.iterator](),
    ""[Symbol.iterator](),
    /a/[Symbol.matchAll](""),
    Object.getPrototypeOf(Uint8Array),
  ];
  for (const value of hidden) freeze(Object.getPrototypeOf(value));
  const offline = () => Promise.reject(new Error("the plugin host has no network: use call.fetch (allowed hosts only)"));
  for (const name of NO_NETWORK) delete (globalThis as Record<string, unknown>)[name];
  for (const name of NO_NETWORK)
    Object.defineProperty(globalThis, name, {
      value: name === "fetch" ? Object.freeze(offline) : undefined,
      writable: false,
      configurable: false,
    });
  for (const name of Reflect.ownKeys(globalThis)) {
    if (typeof name === "string" && (LIVE_GLOBALS.has(name) || NO_NETWORK.includes(name))) continue;
    const desc = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!desc) continue;
    if ("value" in desc) {
      freeze(desc.value, 1);
      if (desc.configurable)
        Object.defineProperty(globalThis, name, { value: desc.value, writable: false, configurable: false, enumerable: desc.enumerable });
    } else if (desc.configurable) {
      // A lazy global (fetch, crypto, navigator…): it stays lazy, but cannot be replaced.
      Object.defineProperty(globalThis, name, { get: desc.get, set: undefined, configurable: false, enumerable: desc.enumerable });
    }
  }
  // The channel to the core: a plugin cannot wrap it, nor listen in. Messages from the core go
  // to this file's handler only; a plugin's own `process.on("message")` hears nothing, so it
  // never learns another call's id.
  // Nor can it see the traffic underneath: Node delivers messages through process.nextTick and
  // sends them through process._send and the pipe's methods, all fixed here.
  for (const name of ["send", "_send", "nextTick"] as const) {
    Object.defineProperty(process, name, { value: process[name as keyof NodeJS.Process], writable: false, configurable: false });
  }
  const pipe = Object.getOwnPropertySymbols(process)
    .filter((s) => s.description === "kChannelHandle")
    .map((s) => (process as unknown as Record<symbol, object | null>)[s])
    .find((h): h is object => typeof h === "object" && h !== null);
  if (pipe) {
    Object.defineProperty(pipe, "onread", { value: (pipe as { onread: unknown }).onread, writable: false, configurable: false });
    for (let o = Object.getPrototypeOf(pipe); o && o !== Object.prototype; o = Object.getPrototypeOf(o)) Object.freeze(o);
  }
  const emit = process.emit;
  Object.defineProperty(process, "emit", {
    value: function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) {
      if (event === "message") {
        onMessage(args[0]);
        return true;
      }
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    },
    writable: false,
    configurable: false,
  });
}

try {
  const { definePlugin } = await import("../../plugin-api/index.ts");
  harden();
  const { plugins } = (await import("../../plugins/index.ts")) as { plugins: Plugin[] };
  if (!Array.isArray(plugins)) throw new Error("bot/plugins/index.ts must export `plugins`, an array of plugins");
  for (const plugin of plugins) {
    definePlugin(plugin);
    if (byName.has(plugin.name)) throw new Error(`the plugin registry lists "${plugin.name}" twice`);
    byName.set(plugin.name, plugin);
  }
  const manifest = {
    plugins: plugins.map((p) => ({
      name: p.name,
      description: p.description,
      commands: (p.commands ?? []).map((c) => ({
        name: c.name,
        description: c.description,
        options: (c.options ?? []).map((o) => ({
          name: o.name,
          description: o.description,
          type: o.type,
          required: o.required,
          choices: o.choices,
          min: o.min,
          max: o.max,
        })),
      })),
      responders: (p.responders ?? []).map((r) => ({
        name: r.name,
        trigger: r.trigger,
        flags: r.flags ?? "",
        channels: r.channels,
        directMessages: r.directMessages === true,
      })),
      tools: (p.tools ?? []).map((t) => ({
        name: t.name,
        description: t.description,
        parameters: JSON.parse(JSON.stringify(t.parameters)) as Record<string, unknown>,
      })),
    })),
  };
  send({ t: "ready", manifest: JSON.parse(JSON.stringify(manifest)) as unknown });
} catch (err) {
  send({ t: "load-failed", error: toError(err) }, () => process.exit(78));
}
