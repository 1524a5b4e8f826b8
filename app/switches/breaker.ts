// The circuit breaker, as a pure value: consecutive failures open it; after a cool-off it is
// half-open (work may start again, on probation); enough successes close it, one failure
// re-opens it. The caller persists the value and passes `now` (ms), so it is testable.
export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerConfig {
  failureThreshold: number;
  halfOpenAfterSeconds: number;
  successThreshold: number;
}

export interface Breaker {
  state: BreakerState;
  /** Consecutive failures while closed. */
  failures: number;
  /** Successes while half-open. */
  successes: number;
  /** When it last opened (ms since epoch). */
  openedAt?: number;
  /** Why it last opened. */
  reason?: string;
}

export const SEED_BREAKER: BreakerConfig = { failureThreshold: 5, halfOpenAfterSeconds: 300, successThreshold: 3 };
export const CLOSED: Breaker = { state: "closed", failures: 0, successes: 0 };

/** The state as of `now`: an open breaker whose cool-off has passed reads as half-open. */
export function current(b: Breaker, now: number, cfg: BreakerConfig): Breaker {
  if (b.state === "open" && b.openedAt !== undefined && now - b.openedAt >= cfg.halfOpenAfterSeconds * 1000) {
    return { ...b, state: "half-open", successes: 0 };
  }
  return b;
}

export function recordFailure(b: Breaker, now: number, cfg: BreakerConfig, reason?: string): Breaker {
  const c = current(b, now, cfg);
  if (c.state === "half-open") return { state: "open", failures: c.failures + 1, successes: 0, openedAt: now, reason };
  if (c.state === "open") return { ...c, failures: c.failures + 1 };
  const failures = c.failures + 1;
  if (failures >= cfg.failureThreshold) return { state: "open", failures, successes: 0, openedAt: now, reason };
  return { ...c, failures };
}

export function recordSuccess(b: Breaker, now: number, cfg: BreakerConfig): Breaker {
  const c = current(b, now, cfg);
  if (c.state === "closed") return { ...CLOSED };
  if (c.state === "open") return c; // a late success while open does not shorten the cool-off
  const successes = c.successes + 1;
  if (successes >= cfg.successThreshold) return { ...CLOSED };
  return { ...c, successes };
}

/** May new work start (new PRs, automerge)? */
export function allowsWork(b: Breaker, now: number, cfg: BreakerConfig): boolean {
  return current(b, now, cfg).state !== "open";
}
