// /changes: submit a request, list recent changes, and per change its audit trail,
// a rollback, or a vote.
import type { ChangeRequest, ChangeSummary, RollbackResult, SubmitResult, VoteResult } from "../../../contract/app-link.ts";
import { discordRequester } from "../../../contract/change-request.ts";
import type { AppContext } from "../../context.ts";
import { answered } from "../../lifecycle/answers.ts";
import { Refused, submit } from "../../lifecycle/intake.ts";
import { rollback, RollbackRefused } from "../../lifecycle/deployment.ts";
import { vote } from "../../lifecycle/review.ts";
import { VoteRefused } from "../../lifecycle/votes.ts";
import type { ByBody, VoteBody } from "../bodies.ts";
import { HttpError } from "../http.ts";
import { requireRole } from "../roles.ts";
import type { Answer, Call } from "../route.ts";

const REFUSED_STATUS: Record<Refused["why"], number> = { invalid: 400, conflict: 409, limit: 429 };

/** The change named by its id or by the id of the request that opened it; a 404 otherwise. */
function changeOr404(ctx: AppContext, id: string) {
  const c = ctx.store.changes.byId(id) ?? ctx.store.changes.byRequest(id);
  if (!c) throw new HttpError(404, `no change ${id}`);
  return c;
}

/**
 * POST /changes → 201 SubmitResult (200 with `joined` when it joined another request's open
 * change); 400 for a request that is not valid; 409 when it overlaps an open change or was
 * cancelled; 429 when a quota refuses it. The change starts only once this answer has been
 * written to the bot (the response's `finish`): an answer lost on the way leaves it waiting
 * for the bot's retry, and cancelled if none comes (lifecycle/answers.ts).
 */
export async function submitChange({ ctx, log, body, res }: Call<ChangeRequest>): Promise<Answer> {
  await requireRole(ctx, body.requester, "request", "you do not have a role that may request changes");
  try {
    const { change, joined } = await submit(
      ctx,
      {
        requestId: body.id,
        source: "discord",
        requester: discordRequester(body.requester),
        text: body.text,
        recipe: body.recipe,
        origin: body.origin,
      },
      log.child({ requestId: body.id }),
    );
    res.once("finish", () => {
      try {
        answered(ctx, change.id, `bot link, request ${body.id}`);
      } catch (e) {
        log.warn({ err: e, changeId: change.id }, "could not mark a change answered; the bot's retry will"); // e.g. the store closed meanwhile
      }
    });
    const out: SubmitResult = {
      changeId: change.id,
      ...(change.issueUrl ? { trackingIssueUrl: change.issueUrl } : {}),
      ...(joined ? { joined } : {}),
    };
    return { status: joined ? 200 : 201, body: out };
  } catch (e) {
    if (e instanceof Refused) throw new HttpError(REFUSED_STATUS[e.why], e.message);
    throw e;
  }
}

/** GET /changes?limit=n (1–100, default 20) → { changes: ChangeSummary[] }, newest first. */
export function listChanges({ ctx, query }: Call<undefined>): Answer {
  const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 20) || 20));
  const changes: ChangeSummary[] = ctx.store.changes.recent(limit).map((c) => ({
    changeId: c.id,
    title: c.title,
    state: c.state,
    requester: c.requester,
    ...(c.prUrl ? { prUrl: c.prUrl } : {}),
    ...(c.risk ? { risk: c.risk as ChangeSummary["risk"] } : {}),
    updatedAt: new Date(c.updatedAt).toISOString(),
  }));
  return { status: 200, body: { changes } };
}

/** GET /changes/:id/audit (an extension of the protocol) → the whole audit trail, oldest first. */
export function changeAudit({ ctx, params }: Call<undefined>): Answer {
  const c = changeOr404(ctx, params.id);
  const related = [c.id, ...(c.revertChange ? [c.revertChange] : [])];
  const audit = related.flatMap((x) => ctx.store.audit.of(x)).sort((x, y) => x.seq - y.seq);
  return { status: 200, body: { changeId: c.id, state: c.state, audit } };
}

/** POST /changes/:id/rollback → RollbackResult; 409 when the change cannot be rolled back. */
export async function rollbackChange({ ctx, log, params, body: { by } }: Call<ByBody>): Promise<Answer> {
  const c = changeOr404(ctx, params.id);
  await requireRole(ctx, by, "rollback", "you do not have a role that may roll back changes");
  try {
    const r = await rollback(ctx, c.id, `${by.name} (Discord)`, `/rollback by ${by.name} on Discord`, log.child({ changeId: c.id }));
    const out: RollbackResult = {
      changeId: c.id,
      ...(r.prUrl ? { revertPrUrl: r.prUrl } : {}),
      message: r.prUrl ? `revert pull request opened (change ${r.id})` : `revert ${r.id}: ${r.state}${r.reason ? ` — ${r.reason}` : ""}`,
    };
    return { status: 200, body: out };
  } catch (e) {
    if (e instanceof RollbackRefused) throw new HttpError(409, e.message);
    throw e;
  }
}

/** POST /changes/:id/votes → VoteResult with the tally so far; 409 when the vote is not open (before the PR, after its window). */
export async function voteOnChange({ ctx, log, params, body }: Call<VoteBody>): Promise<Answer> {
  const c = changeOr404(ctx, params.id);
  await requireRole(ctx, body.voter, "vote", "you do not have a role that may vote");
  try {
    const votes = await vote(ctx, c.id, `discord:${body.voter.discordId}`, body.vote, log.child({ changeId: c.id }));
    const out: VoteResult = { changeId: c.id, votes };
    return { status: 200, body: out };
  } catch (e) {
    if (e instanceof VoteRefused) throw new HttpError(409, e.message);
    throw e;
  }
}
