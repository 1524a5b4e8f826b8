// The emergency stop: a persisted switch (`/ouro stop`, the bot's /stop) or the policy flag
// `emergencyStop`. While stopped, no new pull requests and no automerge. Setting or lifting it
// is audited and emitted as `switches-changed` (the dashboard shows it; lifting it reconciles,
// so held merges and queued work go on).
//
// It can always be applied: it is in force in memory at once (the worker and the merge gate
// read it from there), and written with its audit entry as soon as the store can be written.
// Until then it is reported loudly: an error log now, and a reason on /healthz (health.ts).
import type { AppContext } from "../context.ts";
import { isoNow } from "../context.ts";
import type { EffectivePolicy } from "../policy.ts";
import type { StopState } from "../store/persisted-values.ts";

export type { StopState };

/** Stopped by the switch (as in force in memory) or by the policy flag. */
export function isStopped(ctx: AppContext, p: EffectivePolicy): boolean {
  return ctx.store.values.stop().stopped || p.policy.emergencyStop;
}

/**
 * A `/ouro stop` or `/ouro resume` given at `at` that a later one already overrules (a
 * redelivered or late comment): the switch keeps its newer state. Returns when that was set.
 */
export function overruledAt(ctx: AppContext, at: string | undefined): string | null {
  const changed = ctx.store.values.stop().changedAt;
  return at && changed && Date.parse(changed) > Date.parse(at) ? changed : null;
}

export function setEmergencyStop(ctx: AppContext, stopped: boolean, by: string, reason?: string, at = isoNow(ctx)): StopState {
  const s: StopState = stopped
    ? { stopped: true, by, since: at, changedAt: at, ...(reason ? { reason } : {}) }
    : { stopped: false, changedAt: at };
  const { store } = ctx;
  store.values.holdStop(s);
  const what = `the emergency ${stopped ? "stop" : "resume"} by ${by}`;
  const written = store.writeOrKeep(what, () => {
    store.values.saveStop(s);
    store.audit.record("-", stopped ? "emergency-stop" : "emergency-resume", { by, reason });
  });
  ctx.log.warn({ by }, stopped ? "emergency stop" : "emergency stop lifted");
  if (!written)
    ctx.log.error(
      { by, store: store.unwritable },
      `${what} is in force but NOT persisted: ${store.unwritable ?? "the store cannot be written"}. ` +
        "It is written as soon as the store can be; a restart before then loses it.",
    );
  void ctx.events.emit("switches-changed", { stopped });
  return s;
}
