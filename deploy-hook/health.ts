// Reading a bot process's health: /healthz for readiness, /metrics (Prometheus text) for
// the interaction outcomes the error-rate gate compares.
import type { BotProcess } from "./bot-process.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long one /healthz or /metrics request may take. The gate judges whether the process
 * answers, not how fast: a bot that has just started on a busy host (a deploy runs beside the
 * live release) can take over a second to answer, and a single slow answer must not fail a
 * deploy or blind the watch window's error-rate check. A process that does not answer at all
 * is still caught.
 */
export const PROBE_TIMEOUT_MS = 5000;

export type HealthResult = { ok: true; ms: number } | { ok: false; reason: string; exited: boolean };

/** Polls /healthz until 200, the process exits, or `timeoutMs` passes. */
export async function waitHealthy(p: BotProcess, timeoutMs: number, everyMs = 50): Promise<HealthResult> {
  const started = Date.now();
  let last = "no answer";
  while (Date.now() - started < timeoutMs) {
    if (!p.running) return { ok: false, reason: `the process exited (${String(await p.exited)}) before it was healthy`, exited: true };
    try {
      const r = await fetch(`${p.healthUrl}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (r.ok) return { ok: true, ms: Date.now() - started };
      last = `/healthz answered ${r.status}: ${(await r.text()).slice(0, 200)}`;
    } catch (err) {
      last = `/healthz: ${(err as Error).message}`;
    }
    await Promise.race([sleep(everyMs), p.exited]);
  }
  return { ok: false, reason: `not healthy within ${timeoutMs} ms (${last})`, exited: false };
}

export async function healthy(p: BotProcess): Promise<boolean> {
  if (!p.running) return false;
  try {
    return (await fetch(`${p.healthUrl}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).ok;
  } catch {
    return false;
  }
}

/** Outcomes that count as errors in `ouro_bot_interactions_total{outcome}`. */
const ERROR_OUTCOMES = new Set(["error", "plugin-error", "timeout"]);

export interface Counts {
  total: number;
  errors: number;
}

/** Parses the interaction counters out of the Prometheus text exposition. */
export function interactionCounts(text: string): Counts {
  const counts: Counts = { total: 0, errors: 0 };
  for (const line of text.split("\n")) {
    const m = /^ouro_bot_interactions_total\{([^}]*)\}\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (!m) continue;
    const value = Number(m[2]);
    const outcome = /(?:^|,)outcome="([^"]*)"/.exec(m[1])?.[1] ?? "";
    if (outcome === "ignored") continue;
    counts.total += value;
    if (ERROR_OUTCOMES.has(outcome)) counts.errors += value;
  }
  return counts;
}

export async function scrape(p: BotProcess): Promise<Counts | null> {
  try {
    const r = await fetch(`${p.healthUrl}/metrics`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return r.ok ? interactionCounts(await r.text()) : null;
  } catch {
    return null;
  }
}
