// POST /forget: /forget reaches the app's store too. Anyone may ask to be forgotten (no role):
// the personal data of their finished changes, audit entries about them, their votes' link
// to them and their GitHub link are erased (store.forget); the audit skeleton stays.
import type { ForgetResult } from "../../../contract/app-link.ts";
import type { ByBody } from "../bodies.ts";
import type { Answer, Call } from "../route.ts";

export function forgetPerson({ ctx, log, body: { by } }: Call<ByBody>): Answer {
  const erased: ForgetResult = ctx.store.forget(by.discordId);
  log.info({ changes: erased.changes, open: erased.open, auditEntries: erased.auditEntries }, "erased a person's data (/forget)");
  return { status: 200, body: erased };
}
