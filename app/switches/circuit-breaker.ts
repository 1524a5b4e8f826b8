// The circuit breaker as the app keeps it: the persisted value read as of now, and failures
// and successes recorded, audited and logged. The rules themselves are pure (breaker.ts).
import type { AppContext } from "../context.ts";
import * as breaker from "./breaker.ts";
import type { Breaker, BreakerConfig } from "./breaker.ts";

/** The breaker as of now: an open one whose cool-off has passed reads as half-open. */
export function breakerNow(ctx: AppContext, cfg: BreakerConfig): Breaker {
  return breaker.current(ctx.store.values.breaker(), ctx.now(), cfg);
}

/** May new work start (new PRs, automerge)? */
export function breakerAllowsWork(ctx: AppContext, cfg: BreakerConfig): boolean {
  return breaker.allowsWork(ctx.store.values.breaker(), ctx.now(), cfg);
}

export function recordBreakerFailure(ctx: AppContext, cfg: BreakerConfig, changeId: string, reason: string): void {
  const before = breakerNow(ctx, cfg);
  const after = breaker.recordFailure(ctx.store.values.breaker(), ctx.now(), cfg, reason);
  ctx.store.values.saveBreaker(after);
  ctx.store.audit.record(changeId, "breaker.failure", { reason, state: after.state, failures: after.failures });
  if (before.state !== after.state) ctx.store.audit.record(changeId, `breaker.${after.state}`, { reason });
  ctx.log.info({ changeId, breaker: after.state, failures: after.failures }, `circuit breaker: failure (${reason})`);
}

export function recordBreakerSuccess(ctx: AppContext, cfg: BreakerConfig, changeId: string): void {
  const before = breakerNow(ctx, cfg);
  const after = breaker.recordSuccess(ctx.store.values.breaker(), ctx.now(), cfg);
  ctx.store.values.saveBreaker(after);
  if (before.state !== after.state) ctx.store.audit.record(changeId, `breaker.${after.state}`, {});
}
