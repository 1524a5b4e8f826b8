// POST /stop and /resume: the emergency stop, for those the policy lets stop Ouro.
import { setEmergencyStop } from "../../switches/emergency-stop.ts";
import type { ByBody } from "../bodies.ts";
import { requireRole } from "../roles.ts";
import type { Answer, Call } from "../route.ts";

export const setStop =
  (stop: boolean) =>
  async ({ ctx, body: { by } }: Call<ByBody>): Promise<Answer> => {
    await requireRole(ctx, by, "stop", "you do not have a role that may stop or resume Ouro");
    const s = setEmergencyStop(ctx, stop, `${by.name} (Discord)`);
    return { status: 200, body: { stopped: s.stopped } };
  };
