// The emergency stop: a persisted switch (`/ouro stop`, the bot's /stop) or the policy flag
// `emergencyStop`. While stopped, no new pull requests and no automerge. Setting or lifting it
// is audited and emitted as `switches-changed` (the dashboard shows it; lifting it reconciles,
// so held merges and queued work go on).
import type { AppContext } from "../context.ts";
import { isoNow } from "../context.ts";
import type { EffectivePolicy } from "../policy.ts";
import type { StopState } from "../store/persisted-values.ts";

export type { StopState };

/** Stopped by the persisted switch or by the policy flag. */
export function isStopped(ctx: AppContext, p: EffectivePolicy): boolean {
  return ctx.store.values.stop().stopped || p.policy.emergencyStop;
}

export function setEmergencyStop(ctx: AppContext, stopped: boolean, by: string, reason?: string): StopState {
  const s: StopState = stopped ? { stopped: true, by, since: isoNow(ctx), ...(reason ? { reason } : {}) } : { stopped: false };
  ctx.store.values.saveStop(s);
  ctx.store.audit.record("-", stopped ? "emergency-stop" : "emergency-resume", { by, reason });
  ctx.log.warn({ by }, stopped ? "emergency stop" : "emergency stop lifted");
  void ctx.events.emit("switches-changed", { stopped });
  return s;
}
