// Plugin failures (a throw, a timeout, a crashed host), counted per plugin for /metrics and
// /status, and each distinct failure (by fingerprint) reported for self-debugging: the 1st,
// 10th, 100th… occurrence, so one issue per fingerprint carries a rising count.
import { createHash } from "node:crypto";
import type { RuntimeErrorReport } from "../../contract/app-link.ts";
import type { CallKind } from "./protocol.ts";

export interface FailureLogOptions {
  onError?: (plugin: string, kind: CallKind) => void;
  report?: (report: RuntimeErrorReport) => Promise<void>;
  version?: string;
}

interface FailureRecord {
  count: number;
  firstSeen: string;
}

const shouldReport = (count: number) => Number.isInteger(Math.log10(count));
/** New fingerprints reported per plugin per hour: a plugin cannot flood the tracker with variants. */
const NEW_REPORTS_PER_HOUR = 20;
const HOUR = 3_600_000;

export function fingerprint(plugin: string, kind: CallKind | "core", error: { name: string; message: string; stack?: string }): string {
  const message = error.message.replace(/\b[0-9a-f]{8,}\b/gi, "H").replace(/\d+/g, "N");
  const frame = (error.stack ?? "")
    .split("\n")
    .find((l) => l.includes(kind === "core" ? "/bot/" : "/bot/plugins/"))
    ?.replace(/^.*\/bot\//, "")
    .replace(/:\d+\)?$/, "");
  return createHash("sha256")
    .update([plugin, kind, error.name, message, frame ?? ""].join("|"))
    .digest("hex")
    .slice(0, 32);
}

export class FailureLog {
  readonly failures = new Map<string, FailureRecord>();
  readonly errorCounts = new Map<string, number>();
  private opts: FailureLogOptions;
  private fresh = new Map<string, { since: number; count: number }>();

  constructor(opts: FailureLogOptions = {}) {
    this.opts = opts;
  }

  /** A plugin's failure; returns its fingerprint. */
  plugin(plugin: string, kind: CallKind, error: { name: string; message: string; stack?: string }, timeout: boolean): string {
    this.errorCounts.set(plugin, (this.errorCounts.get(plugin) ?? 0) + 1);
    this.opts.onError?.(plugin, kind);
    return this.record(plugin, kind, error, timeout);
  }

  /** A failure in bot core (not a plugin): reported the same way, not counted as a plugin's. */
  core(label: string, error: Error): string {
    return this.record(`core:${label}`, "core", error, false);
  }

  private record(
    plugin: string,
    kind: CallKind | "core",
    error: { name: string; message: string; stack?: string },
    timeout: boolean,
  ): string {
    const fp = fingerprint(plugin, kind, error);
    let rec = this.failures.get(fp);
    if (!rec) {
      const now = Date.now();
      let quota = this.fresh.get(plugin);
      if (!quota || now - quota.since > HOUR) this.fresh.set(plugin, (quota = { since: now, count: 0 }));
      if (++quota.count > NEW_REPORTS_PER_HOUR) return fp; // counted in /metrics, not reported
      this.failures.set(fp, (rec = { count: 0, firstSeen: new Date().toISOString() }));
    }
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
