// POST /stop and /resume: the emergency stop, for those the policy lets stop Ouro.
import type { ByBody } from "../bodies.ts";
import { requireRole } from "../roles.ts";
import type { Answer, Call } from "../route.ts";

export const setStop =
  (stop: boolean) =>
  async ({ eng, body: { by } }: Call<ByBody>): Promise<Answer> => {
    await requireRole(eng, by, "stop", "you do not have a role that may stop or resume Ouro");
    const s = eng.setStop(stop, `${by.name} (Discord)`);
    return { status: 200, body: { stopped: s.stopped } };
  };
