// /links: a Discord user links a GitHub login (a one-time code to post from it), or removes the link.
import type { LinkRemoved, LinkStart } from "../../../contract/app-link.ts";
import { startLink, unlink } from "../../lifecycle/identities.ts";
import type { ByBody } from "../bodies.ts";
import type { Answer, Call } from "../route.ts";

/** POST /links → LinkStarted: the code, when it expires, and the issue to post it on. */
export async function startLinking({ ctx, log, body }: Call<LinkStart>): Promise<Answer> {
  return { status: 200, body: await startLink(ctx, body.user, body.login, log.child({ discordId: body.user.discordId })) };
}

/** POST /links/remove → LinkRemoved. */
export function removeLink({ ctx, body: { by } }: Call<ByBody>): Answer {
  const out: LinkRemoved = { removed: unlink(ctx, by) };
  return { status: 200, body: out };
}
