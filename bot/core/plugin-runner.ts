// Runs plugin code (commands, responders, model tools) so that a plugin that throws or
// hangs cannot take the bot down: every call has a deadline, failures are counted per
// plugin, and each distinct failure (by fingerprint) is reported for self-debugging.
import { createHash } from "node:crypto";
import type { Command, ModelTool, Plugin, Responder } from "./plugin.ts";
import type { RuntimeErrorReport } from "../app-link/protocol.ts";

export type PluginKind = "command" | "responder" | "tool";

export type RunResult<T> = { ok: true; value: T } | { ok: false; error: Error; timeout: boolean; fingerprint: string };

export class PluginTimeoutError extends Error {
  constructor(plugin: string, kind: PluginKind, label: string, ms: number) {
    super(`plugin "${plugin}" ${kind} "${label}" did not finish within ${ms} ms`);
    this.name = "PluginTimeoutError";
  }
}

export interface PluginRunnerOptions {
  plugins: Plugin[];
  timeoutMs: number;
  /** Names taken by core commands, so a plugin cannot shadow them. */
  reservedCommands?: string[];
  onError?: (plugin: string, kind: PluginKind) => void;
  report?: (report: RuntimeErrorReport) => Promise<void>;
  version?: string;
}

interface FailureRecord {
  count: number;
  firstSeen: string;
}

/** Report the 1st, 10th, 100th… occurrence: one issue per fingerprint, with a rising count. */
const shouldReport = (count: number) => Number.isInteger(Math.log10(count));

export function fingerprint(plugin: string, kind: PluginKind | "core", error: Error): string {
  const message = error.message.replace(/\b[0-9a-f]{8,}\b/gi, "H").replace(/\d+/g, "N");
  const frame = (error.stack ?? "")
    .split("\n")
    .find((l) => l.includes(kind === "core" ? "/bot/" : "/bot/plugins/"))
    ?.replace(/^.*\/bot\//, "")
    .replace(/:\d+\)?$/, "");
  return createHash("sha256").update([plugin, kind, error.name, message, frame ?? ""].join("|")).digest("hex").slice(0, 32);
}

export class PluginRunner {
  readonly commands = new Map<string, { plugin: Plugin; command: Command }>();
  readonly responders: { plugin: Plugin; responder: Responder }[] = [];
  readonly tools = new Map<string, { plugin: Plugin; tool: ModelTool }>();
  readonly failures = new Map<string, FailureRecord>();
  readonly errorCounts = new Map<string, number>();
  private opts: PluginRunnerOptions;

  constructor(opts: PluginRunnerOptions) {
    this.opts = opts;
    const names = new Set<string>();
    const reserved = new Set(opts.reservedCommands ?? []);
    for (const plugin of opts.plugins) {
      if (names.has(plugin.name)) throw new Error(`plugin registry lists "${plugin.name}" twice`);
      names.add(plugin.name);
      for (const command of plugin.commands ?? []) {
        const name = command.data.name;
        if (reserved.has(name)) throw new Error(`plugin "${plugin.name}" defines /${name}, which is a core command`);
        const other = this.commands.get(name);
        if (other) throw new Error(`plugins "${other.plugin.name}" and "${plugin.name}" both define /${name}`);
        this.commands.set(name, { plugin, command });
      }
      for (const responder of plugin.responders ?? []) this.responders.push({ plugin, responder });
      for (const tool of plugin.tools ?? []) {
        const other = this.tools.get(tool.name);
        if (other) throw new Error(`plugins "${other.plugin.name}" and "${plugin.name}" both define the tool "${tool.name}"`);
        this.tools.set(tool.name, { plugin, tool });
      }
    }
  }

  /** Runs `fn` with the plugin deadline; never throws. */
  async run<T>(plugin: Plugin, kind: PluginKind, label: string, fn: () => T | Promise<T>): Promise<RunResult<T>> {
    const ms = this.opts.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const work = (async () => fn())();
    // A hung call may still settle after its deadline; its late failure is nobody's business.
    work.catch(() => {});
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PluginTimeoutError(plugin.name, kind, label, ms)), ms);
    });
    try {
      return { ok: true, value: await Promise.race([work, deadline]) };
    } catch (raw) {
      const error = raw instanceof Error ? raw : new Error(String(raw));
      const timeout = error instanceof PluginTimeoutError;
      return { ok: false, error, timeout, fingerprint: this.recordFailure(plugin.name, kind, error, timeout) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A failure in bot core (not a plugin): reported the same way, not counted as a plugin's. */
  reportCore(label: string, error: Error): string {
    return this.recordFailure(`core:${label}`, "core", error, false);
  }

  private recordFailure(plugin: string, kind: PluginKind | "core", error: Error, timeout: boolean): string {
    const fp = fingerprint(plugin, kind, error);
    if (kind !== "core") {
      this.errorCounts.set(plugin, (this.errorCounts.get(plugin) ?? 0) + 1);
      this.opts.onError?.(plugin, kind);
    }
    let rec = this.failures.get(fp);
    if (!rec) this.failures.set(fp, (rec = { count: 0, firstSeen: new Date().toISOString() }));
    rec.count++;
    if (this.opts.report && shouldReport(rec.count)) {
      this.opts
        .report({
          fingerprint: fp,
          plugin,
          kind,
          name: error.name,
          message: error.message.slice(0, 2000),
          stack: error.stack?.slice(0, 8000),
          timeout,
          count: rec.count,
          firstSeen: rec.firstSeen,
          version: this.opts.version,
        })
        .catch(() => {}); // reporting is best effort; the count stays in /metrics
    }
    return fp;
  }
}
