// The bot core's side of the plugin host: starts the sandboxed process (launch.ts), checks
// what it says it defines (the manifest), routes calls to it and the capabilities it asks
// for back to the core, and keeps it alive:
// - every call has a deadline; past it the user gets an error and the host is pinged —
//   a host that does not answer within `hangMs` (a `for(;;){}`, an Atomics.wait) is killed;
// - a heartbeat catches a host frozen outside any call; a crash or a kill restarts it,
//   with a growing pause when it keeps dying; calls in flight fail with a clear error.
// The host is untrusted: every message is parsed (protocol.ts) and one that does not parse (or a
// second manifest) kills it; a capability asked for a call that is not in flight, or of a kind
// the call may not use, is refused.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { RE2JS } from "re2js";
import { z } from "zod";
import {
  hostMessageSchema,
  manifestSchema,
  type CallKind,
  type CapabilityOp,
  type HostError,
  type HostMessage,
  type Manifest,
  type ManifestPlugin,
} from "./protocol.ts";
import { launchCommand, type LaunchCommand, type LaunchOptions } from "./launch.ts";
import type { Logger } from "../core/logger.ts";

export type CallResult = { ok: true; value: unknown } | { ok: false; error: HostError; timeout: boolean };

/** The core's answer to a capability the plugin asked for during one call. */
export type CapabilityHandler = (op: CapabilityOp, args: unknown[]) => Promise<unknown>;

export interface PluginHostOptions extends LaunchOptions {
  /** A call's deadline. */
  timeoutMs: number;
  /** A command's deadline once it has deferred its reply (default 30 s). */
  deferredTimeoutMs?: number;
  /** How long an unanswered ping means a frozen host (default 1000 ms). */
  hangMs?: number;
  /** How often the host is pinged when idle (default 5000 ms). */
  heartbeatMs?: number;
  /** Names of core commands: a plugin cannot define them. */
  reservedCommands?: readonly string[];
  log: Logger;
  /** A plugin failure outside any call (a throw from its own timer, a promise nobody awaited). */
  onStrayError?: (error: HostError, plugin: string | undefined) => void;
  onRestart?: (reason: string) => void;
}

export interface CommandEntry {
  plugin: string;
  command: ManifestPlugin["commands"][number];
}
export interface ResponderEntry {
  plugin: string;
  responder: ManifestPlugin["responders"][number];
  trigger: RE2JS;
}
export interface ToolEntry {
  plugin: string;
  tool: ManifestPlugin["tools"][number];
}

interface InFlight {
  kind: CallKind;
  plugin: string;
  capability: CapabilityHandler;
  finish(result: CallResult): void;
  /** After a successful defer: the call may run up to `deferredTimeoutMs` from now. */
  extend(): void;
}

const RE2_FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };
const DEFERRED_TIMEOUT_MS = 30_000;
const LOG_LINES = 100;
const LOG_WINDOW_MS = 10_000;
const REPLY_OPS: ReadonlySet<CapabilityOp> = new Set(["reply", "defer", "followUp", "edit"]);

/** Commands, responders (with their triggers compiled for RE2) and tools, checked. Throws on a conflict. */
export function indexManifest(manifest: Manifest, reserved: readonly string[]) {
  const commands = new Map<string, CommandEntry>();
  const responders: ResponderEntry[] = [];
  const tools = new Map<string, ToolEntry>();
  const names = new Set<string>();
  const core = new Set(reserved);
  for (const p of manifest.plugins) {
    if (names.has(p.name)) throw new Error(`the plugin registry lists "${p.name}" twice`);
    names.add(p.name);
    for (const command of p.commands) {
      if (core.has(command.name)) throw new Error(`plugin "${p.name}" defines /${command.name}, which is a core command`);
      const other = commands.get(command.name);
      if (other) throw new Error(`plugins "${other.plugin}" and "${p.name}" both define /${command.name}`);
      commands.set(command.name, { plugin: p.name, command });
    }
    for (const responder of p.responders) {
      let trigger: RE2JS;
      try {
        trigger = RE2JS.compile(
          responder.trigger,
          [...responder.flags].reduce((f, c) => f | RE2_FLAGS[c], 0),
        );
      } catch (err) {
        throw new Error(`plugin "${p.name}" responder "${responder.name}": the trigger is not an RE2 pattern (${(err as Error).message})`, {
          cause: err,
        });
      }
      responders.push({ plugin: p.name, responder, trigger });
    }
    for (const tool of p.tools) {
      const other = tools.get(tool.name);
      if (other) throw new Error(`plugins "${other.plugin}" and "${p.name}" both define the tool "${tool.name}"`);
      tools.set(tool.name, { plugin: p.name, tool });
    }
  }
  return { commands, responders, tools };
}

const asError = (err: unknown): HostError => {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, stack: e.stack };
};

export class PluginHost {
  commands = new Map<string, CommandEntry>();
  responders: ResponderEntry[] = [];
  tools = new Map<string, ToolEntry>();
  manifest: Manifest = { plugins: [] };
  /** Times the host was restarted after a crash, a hang or a kill. */
  restarts = 0;

  private opts: PluginHostOptions;
  private child?: ChildProcess;
  private isReady = false;
  private stopping = false;
  private inFlight = new Map<string, InFlight>();
  private waiters = new Set<() => void>();
  private heartbeat?: NodeJS.Timeout;
  private probing = false;
  private pingN = 0;
  private pongs = new Map<number, () => void>();
  private failuresInARow = 0;
  private restartTimer?: NodeJS.Timeout;
  private restartDone = true;
  private command?: LaunchCommand;

  constructor(opts: PluginHostOptions) {
    this.opts = opts;
  }

  ready(): boolean {
    return this.isReady;
  }

  /** Starts the host and resolves once it has loaded the plugins; rejects with the load error. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.spawn();
    this.heartbeat = setInterval(() => void this.probe("heartbeat"), this.opts.heartbeatMs ?? 5_000).unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.failAll("the bot is stopping");
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await gone;
    }
  }

  /** Runs one plugin handler in the host. Never throws. */
  async call(kind: CallKind, plugin: string, name: string, input: unknown, capability: CapabilityHandler): Promise<CallResult> {
    const deadline = Date.now() + this.opts.timeoutMs;
    if (!this.isReady && !(await this.waitReady(deadline))) {
      return { ok: false, error: { name: "PluginHostUnavailable", message: "the plugin host is restarting" }, timeout: true };
    }
    const id = randomBytes(16).toString("hex");
    return new Promise<CallResult>((resolve) => {
      let limitMs = this.opts.timeoutMs;
      const expire = () => {
        if (!this.inFlight.delete(id)) return;
        resolve({
          ok: false,
          timeout: true,
          error: { name: "PluginTimeoutError", message: `plugin "${plugin}" ${kind} "${name}" did not finish within ${limitMs} ms` },
        });
        void this.probe(`${kind} "${name}" of plugin "${plugin}" passed its deadline`);
      };
      let timer = setTimeout(expire, Math.max(1, deadline - Date.now()));
      this.inFlight.set(id, {
        kind,
        plugin,
        capability,
        finish: (result) => {
          clearTimeout(timer);
          this.inFlight.delete(id);
          resolve(result);
        },
        extend: () => {
          clearTimeout(timer);
          limitMs = this.opts.deferredTimeoutMs ?? DEFERRED_TIMEOUT_MS;
          timer = setTimeout(expire, limitMs);
        },
      });
      this.child!.send({ t: "call", call: id, kind, plugin, name, input }, (err) => {
        if (err) this.inFlight.get(id)?.finish({ ok: false, timeout: false, error: asError(err) });
      });
    });
  }

  private waitReady(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.isReady);
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.waiters.add(done);
    });
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      let cmd;
      try {
        // Once per supervisor: a release's plugin code does not change under it.
        cmd = this.command ??= launchCommand(this.opts);
      } catch (err) {
        return settle(err as Error);
      }
      const child = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "advanced" });
      this.child = child;
      // What plugins print is logged, at most LOG_LINES lines in a burst, refilled at
      // LOG_LINES per LOG_WINDOW_MS (a token bucket); what is dropped is counted in one line.
      let tokens = LOG_LINES;
      let last = Date.now();
      let dropped = 0;
      const logLines = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
        const now = Date.now();
        tokens = Math.min(LOG_LINES, tokens + ((now - last) * LOG_LINES) / LOG_WINDOW_MS);
        last = now;
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
          if (tokens >= 1) {
            tokens--;
            this.opts.log.info({ pluginHost: stream }, line.slice(0, 1000));
          } else if (dropped++ === 0) {
            setTimeout(() => {
              this.opts.log.warn(
                { pluginHostOutput: stream },
                `${dropped} lines of plugin output dropped (more than ${LOG_LINES} in ${LOG_WINDOW_MS / 1000} s)`,
              );
              dropped = 0;
            }, LOG_WINDOW_MS).unref();
          }
        }
      };
      child.stdout!.on("data", logLines("stdout"));
      child.stderr!.on("data", logLines("stderr"));
      child.on("error", (err) => settle(new Error(`the plugin host could not start: ${err.message}`)));
      child.on("message", (raw) => {
        const parsed = hostMessageSchema.safeParse(raw);
        if (!parsed.success)
          return this.violation(child, `a message that is not in the protocol (${z.prettifyError(parsed.error).replace(/\n/g, " ")})`);
        const m = parsed.data;
        if (m.t === "ready" && this.child === child && this.isReady) {
          // What the plugins define is read once, at load: a plugin cannot re-announce it.
          return this.violation(child, "a second manifest");
        }
        if (m.t === "ready") {
          try {
            const manifest = manifestSchema.parse(m.manifest);
            const index = indexManifest(manifest, this.opts.reservedCommands ?? []);
            Object.assign(this, index, { manifest });
          } catch (err) {
            const message =
              err instanceof z.ZodError
                ? `the plugins' definitions are invalid: ${z.prettifyError(err).replace(/\n/g, " ")}`
                : (err as Error).message;
            child.kill("SIGKILL");
            return settle(new Error(message));
          }
          this.isReady = true;
          for (const w of [...this.waiters]) w();
          settle();
          return;
        }
        if (m.t === "load-failed") return settle(new Error(`the plugins could not be loaded: ${m.error.message}`));
        this.handle(child, m);
      });
      child.on("exit", (code, signal) => {
        const wasReady = this.isReady && this.child === child;
        if (this.child === child) {
          this.isReady = false;
          this.child = undefined;
        }
        const why = signal ? `killed (${signal})` : `exited with code ${code}`;
        settle(new Error(`the plugin host ${why} before it was ready`));
        this.failAll(`the plugin host ${why}`);
        if (!this.stopping && (wasReady || this.restarts > 0)) this.scheduleRestart(why);
      });
    });
  }

  private scheduleRestart(why: string): void {
    if (this.restartTimer && !this.restartDone) return;
    this.restartDone = false;
    this.failuresInARow++;
    // Back-to-back deaths wait longer (0.1 s, 0.2 s, … up to 10 s); a host that served resets it.
    const pause = this.failuresInARow <= 1 ? 0 : Math.min(10_000, 100 * 2 ** (this.failuresInARow - 2));
    this.opts.log.warn({ pluginHost: true, pause }, `plugin host ${why}; restarting`);
    this.restartTimer = setTimeout(() => {
      this.restartDone = true;
      this.restarts++;
      this.opts.onRestart?.(why);
      this.spawn().then(
        () => {
          // Serving again: the next death restarts at once.
          setTimeout(() => (this.failuresInARow = 0), 30_000).unref();
        },
        (err: Error) => {
          this.opts.log.error({ pluginHost: true, err }, "plugin host restart failed");
          if (!this.stopping && !this.child) this.scheduleRestart("failed to restart");
        },
      );
    }, pause);
  }

  private handle(child: ChildProcess, m: HostMessage): void {
    if (m.t === "pong") {
      this.pongs.get(m.n)?.();
      return;
    }
    if (m.t === "stray-error") {
      this.opts.onStrayError?.(m.error, pluginOf(m.error.stack));
      return;
    }
    if (m.t === "done") {
      const call = this.inFlight.get(m.call);
      if (!call) return; // finished late, after its deadline: nobody's business
      call.finish(m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error, timeout: false });
      return;
    }
    if (m.t === "cap") {
      const call = this.inFlight.get(m.call);
      const answer = (r: { ok: true; value: unknown } | { ok: false; error: string }) => {
        if (child.connected) child.send({ t: "cap-result", req: m.req, ...r });
      };
      if (!call) return answer({ ok: false, error: "this call has ended (it passed its deadline or already finished)" });
      if (REPLY_OPS.has(m.op) && call.kind !== "command") return answer({ ok: false, error: `${m.op} is only available to commands` });
      call.capability(m.op, m.args).then(
        (value) => {
          // Discord waits 15 minutes for a deferred answer: the call gets longer too.
          if (m.op === "defer") call.extend();
          answer({ ok: true, value });
        },
        (err: Error) => answer({ ok: false, error: err.message }),
      );
    }
  }

  /** Pings the host; kills it when it does not answer in time (a frozen event loop). */
  private async probe(why: string): Promise<void> {
    const child = this.child;
    if (!child || !this.isReady || this.probing) return;
    this.probing = true;
    const n = ++this.pingN;
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.opts.hangMs ?? 1_000);
      this.pongs.set(n, () => {
        clearTimeout(timer);
        resolve(true);
      });
      child.send({ t: "ping", n }, (err) => err && resolve(false));
    });
    this.pongs.delete(n);
    this.probing = false;
    if (!answered && this.child === child) {
      this.opts.log.warn({ pluginHost: true }, `plugin host frozen (${why}); killing it`);
      child.kill("SIGKILL");
    }
  }

  private violation(child: ChildProcess, what: string): void {
    this.opts.log.error({ pluginHost: true }, `plugin host sent ${what}; killing it`);
    child.kill("SIGKILL");
  }

  private failAll(reason: string): void {
    for (const call of [...this.inFlight.values()])
      call.finish({ ok: false, timeout: false, error: { name: "PluginHostError", message: reason } });
  }
}

/** The plugin a stack trace points into, if any. */
function pluginOf(stack: string | undefined): string | undefined {
  return /\/bot\/plugins\/([a-z][a-z0-9-]*)\//.exec(stack ?? "")?.[1];
}

/** What the plugins at `root` define, read by starting a host once (for register-commands). */
export async function readManifest(opts: Omit<PluginHostOptions, "timeoutMs">): Promise<Manifest> {
  const host = new PluginHost({ ...opts, timeoutMs: 1_000 });
  try {
    await host.start();
    return host.manifest;
  } finally {
    await host.stop();
  }
}
