// GET /status: the deployed version, health, pending changes, the circuit breaker and the
// emergency stop, as the protocol's AppStatus.
import type { AppStatus } from "../../../contract/app-link.ts";
import type { AppContext } from "../../context.ts";
import { breakerNow } from "../../switches/circuit-breaker.ts";
import { isStopped } from "../../switches/emergency-stop.ts";
import type { Answer, Call } from "../route.ts";

export async function getStatus({ ctx }: Call<undefined>): Promise<Answer> {
  return { status: 200, body: await status(ctx) };
}

export async function status(ctx: AppContext): Promise<AppStatus> {
  const p = await ctx.policy();
  const b = breakerNow(ctx, p.policy.circuitBreaker);
  const s = ctx.store.values.stop();
  const last = ctx.store.values.lastDeploy();
  const stopped = isStopped(ctx, p);
  return {
    version: last
      ? { commit: last.commit, ...(last.prUrl ? { prUrl: last.prUrl } : {}), deployedAt: last.deployedAt }
      : { commit: "unknown" },
    // A store that cannot be written takes no work: the bot's /status says so, like /healthz.
    health: ctx.store.unwritable ? "down" : b.state === "open" || stopped ? "degraded" : "ok",
    pendingChanges: ctx.store.changes.inStates(["queued", "working", "pr", "checks", "review", "merged"]).length,
    circuitBreaker: { state: b.state, failures: b.failures },
    emergencyStop: {
      stopped,
      ...(s.by ? { by: s.by } : p.policy.emergencyStop ? { by: "policy" } : {}),
      ...(s.since ? { since: s.since } : {}),
    },
  };
}
