// POST /errors: a runtime error the bot caught in a plugin, filed as (or counted on) an issue.
import type { RuntimeErrorReport } from "../../../contract/app-link.ts";
import { reportRuntimeError } from "../error-issues.ts";
import type { Answer, Call } from "../route.ts";

export async function acceptErrorReport({ ctx, body }: Call<RuntimeErrorReport>): Promise<Answer> {
  await reportRuntimeError(ctx, body);
  return { status: 202, body: { accepted: true } };
}
