// Reading a bot release's health: /healthz for readiness, /metrics (Prometheus text) for
// the interaction outcomes the error-rate gate compares — of every shard, when it runs sharded.
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

/** One /healthz answer: null when 200, else what was wrong. */
async function healthzProblem(url: string): Promise<string | null> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if (r.ok) return null;
    return `/healthz answered ${r.status}: ${(await r.text()).slice(0, 200)}`;
  } catch (err) {
    return `/healthz: ${(err as Error).message}`;
  }
}

/**
 * Polls /healthz of every process of the release (each shard's, when sharded) until all
 * answer 200, the process exits, or `timeoutMs` passes. Healthy only when every one is.
 */
export async function waitHealthy(p: BotProcess, timeoutMs: number, everyMs = 50): Promise<HealthResult> {
  const started = Date.now();
  const pending = new Map(p.endpoints.map((e) => [e.url, e.name]));
  let last = "no answer";
  while (Date.now() - started < timeoutMs) {
    if (!p.running) return { ok: false, reason: `the process exited (${String(await p.exited)}) before it was healthy`, exited: true };
    const problems = await Promise.all([...pending].map(async ([url, name]) => [url, name, await healthzProblem(url)] as const));
    for (const [url, name, problem] of problems) {
      if (problem === null) pending.delete(url);
      else last = p.shards ? `${name}: ${problem}` : problem;
    }
    if (pending.size === 0) return { ok: true, ms: Date.now() - started };
    await Promise.race([sleep(everyMs), p.exited]);
  }
  const waiting = p.shards ? `${[...pending.values()].join(", ")} of ${p.endpoints.length} not healthy; ` : "";
  return { ok: false, reason: `not healthy within ${timeoutMs} ms (${waiting}${last})`, exited: false };
}

/** Every /healthz of the release answers 200 now. */
export async function healthy(p: BotProcess): Promise<boolean> {
  if (!p.running) return false;
  const problems = await Promise.all(p.endpoints.map((e) => healthzProblem(e.url)));
  return problems.every((x) => x === null);
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

/** The interaction counts of the whole release (summed over its shards); null when any does not answer. */
export async function scrape(p: BotProcess): Promise<Counts | null> {
  const each = await Promise.all(
    p.endpoints.map(async (e) => {
      try {
        const r = await fetch(`${e.url}/metrics`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        return r.ok ? interactionCounts(await r.text()) : null;
      } catch {
        return null;
      }
    }),
  );
  if (each.some((c) => c === null)) return null;
  return (each as Counts[]).reduce((sum, c) => ({ total: sum.total + c.total, errors: sum.errors + c.errors }), { total: 0, errors: 0 });
}
