// The Ouro app as its own process, for the crash-point tests: the real start-up (Probot,
// Octokit, node:sqlite) with the tests' fixed writer. The test kills it with SIGKILL at a
// chosen GitHub call (through its proxy); this file can also kill it at a chosen store write
// (`crash.store`), and it appends every store write it makes to `crash.trace` (one label per
// line: `INSERT changes`, `UPDATE keys`, …) so a dry run can list the crash points.
import { appendFileSync } from "node:fs";
import { StatementSync } from "node:sqlite";
import pino from "pino";
import type { AppConfig } from "../../app/config.ts";
import { startApp } from "../../app/start.ts";
import { fixedWriter } from "../app/harness.ts";

export interface ChildOptions {
  config: AppConfig;
  tickMs: number;
  /** Every store write's label is appended here. */
  trace: string;
  /** Die just before or just after the `nth` (1-based) store write with this label. */
  crash?: { label: string; nth: number; when: "before" | "after" };
}

/** `INSERT INTO changes …` → `INSERT changes`; `UPDATE keys SET …` → `UPDATE keys`. */
export function storeWriteLabel(sql: string): string | null {
  const m = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b(?:\s+OR\s+\w+)?\s+(?:INTO\s+|FROM\s+)?["`]?(\w+)/i.exec(sql);
  return m ? `${m[1].toUpperCase()} ${m[2]}` : null;
}

const opts = JSON.parse(process.env.OURO_CRASH_CHILD ?? "null") as ChildOptions | null;
if (opts) {
  let seen = 0;
  // A write may be run, or read back with RETURNING (get/all): each counts once, as it is made.
  for (const method of ["run", "get", "all"] as const) {
    const original = StatementSync.prototype[method] as (this: StatementSync, ...args: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (this: StatementSync, ...args: unknown[]) {
      const label = storeWriteLabel(this.sourceSQL);
      if (!label) return original.apply(this, args);
      appendFileSync(opts.trace, `${label}\n`);
      const hit = opts.crash?.label === label && ++seen === opts.crash.nth;
      if (hit && opts.crash?.when === "before") process.kill(process.pid, "SIGKILL");
      const out = original.apply(this, args);
      if (hit) process.kill(process.pid, "SIGKILL");
      return out;
    };
  }
  const app = await startApp({
    config: opts.config,
    writer: fixedWriter,
    logger: pino({ level: process.env.OURO_TEST_LOG ?? "silent" }),
    tickMs: opts.tickMs,
  });
  process.send?.({ ready: app.url });
}
