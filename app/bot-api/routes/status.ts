// GET /status: the deployed version, health, pending changes, the circuit breaker and the
// emergency stop, as the protocol's AppStatus.
import { z } from "zod";
import type { AppStatus } from "../../../contract/app-link.ts";
import type { Engine } from "../../engine.ts";
import type { Answer, Call } from "../route.ts";

export async function getStatus({ eng }: Call<undefined>): Promise<Answer> {
  return { status: 200, body: await status(eng) };
}

export async function status(eng: Engine): Promise<AppStatus> {
  const p = await eng.policy();
  const b = eng.breakerNow(p.policy.circuitBreaker);
  const s = eng.stopState();
  const last = eng.store.get(
    "lastDeploy",
    z.object({ commit: z.string(), prUrl: z.string().nullable().optional(), deployedAt: z.string() }),
    null,
  );
  const stopped = eng.stopped(p);
  return {
    version: last
      ? { commit: last.commit, ...(last.prUrl ? { prUrl: last.prUrl } : {}), deployedAt: last.deployedAt }
      : { commit: "unknown" },
    health: b.state === "open" || stopped ? "degraded" : "ok",
    pendingChanges: eng.store.changesIn(["queued", "working", "pr", "checks", "review", "merged"]).length,
    circuitBreaker: { state: b.state, failures: b.failures },
    emergencyStop: {
      stopped,
      ...(s.by ? { by: s.by } : p.policy.emergencyStop ? { by: "policy" } : {}),
      ...(s.since ? { since: s.since } : {}),
    },
  };
}
