// A change moves along an allowed edge of its lifecycle (lifecycle/states.ts), and every
// move is recorded and reported: stored as a progress event (the bot's stream), then shown in
// the sticky progress comments on the tracking issue and the PR (best effort: the state is
// already stored and the next step rewrites them), then `reported` (the dashboard follows).
import type { ProgressEvent } from "../../contract/app-link.ts";
import type { AppContext } from "../context.ts";
import { isoNow } from "../context.ts";
import { progressMarker } from "../github/markers.ts";
import { canMove } from "../lifecycle/states.ts";
import type { ChangeState } from "../lifecycle/states.ts";
import { ballotOf } from "../lifecycle/votes.ts";
import type { EffectivePolicy } from "../policy.ts";
import type { ChangePatch, ChangeRow } from "../store/changes.ts";
import { renderProgress } from "./comment-render.ts";

export interface ReportOptions {
  /** A transient step: only the bot's stream hears it; GitHub is updated by the next one. */
  streamOnly?: boolean;
}

/** Moves a change along an allowed edge (else leaves it and returns null), records it, reports it. */
export async function move(
  ctx: AppContext,
  c: ChangeRow,
  to: ChangeState,
  message?: string,
  extra: ChangePatch = {},
  opts: ReportOptions = {},
): Promise<ChangeRow | null> {
  if (!canMove(c.state, to)) {
    ctx.log.info({ changeId: c.id, from: c.state, to }, "ignored a transition the lifecycle does not allow");
    return null;
  }
  const same = c.state === to && (message ?? null) === c.reason && Object.keys(extra).length === 0;
  if (same) return c;
  // The new state, its audit entry and its progress event are one write: a crash leaves all or none.
  const policy = await votePolicy(ctx);
  const { next, seq, event } = ctx.store.tx(() => {
    const next = ctx.store.changes.update(c.id, { ...extra, state: to, reason: message ?? null });
    if (c.state !== to) ctx.store.audit.record(c.id, `state.${to}`, { from: c.state, ...(message ? { message } : {}) });
    return { next, ...appendProgress(ctx, next, policy) };
  });
  await announce(ctx, next, seq, event, opts);
  return next;
}

/** Progress to every place that shows it: the bot's stream, the sticky comments, then `reported`. */
export async function report(ctx: AppContext, c: ChangeRow, opts: ReportOptions = {}): Promise<void> {
  const { seq, event } = appendProgress(ctx, c, await votePolicy(ctx));
  await announce(ctx, c, seq, event, opts);
}

/** The policy, when it asks for community votes (null: it does not, or cannot be read). */
const votePolicy = (ctx: AppContext): Promise<EffectivePolicy | null> =>
  ctx.policy().then(
    (p) => (p.policy.votes.required > 0 ? p : null),
    () => null,
  );

/** The tally as the bot shows it: closed once the window has ended (lifecycle/votes.ts). */
function votesOf(ctx: AppContext, c: ChangeRow, p: EffectivePolicy): NonNullable<ProgressEvent["votes"]> {
  const { up, down, required, closed } = ballotOf(ctx, c, p);
  return { up, down, needed: required, ...(closed ? { closed } : {}) };
}

function appendProgress(ctx: AppContext, c: ChangeRow, policy: EffectivePolicy | null): { seq: number; event: ProgressEvent } {
  const event: ProgressEvent = {
    changeId: c.id,
    state: c.state,
    at: isoNow(ctx),
    ...(c.reason ? { message: c.reason } : {}),
    ...(c.prUrl ? { prUrl: c.prUrl } : {}),
    ...(c.issueUrl ? { trackingIssueUrl: c.issueUrl } : {}),
    ...(c.risk ? { risk: c.risk as ProgressEvent["risk"] } : {}),
    ...(policy && c.kind === "change" ? { votes: votesOf(ctx, c, policy) } : {}),
  };
  return { seq: ctx.store.progress.append(event), event };
}

async function announce(ctx: AppContext, c: ChangeRow, seq: number, event: ProgressEvent, opts: ReportOptions): Promise<void> {
  void ctx.events.emit("progress", { seq, event });
  if (opts.streamOnly) return;
  await showProgress(ctx, c);
  void ctx.events.emit("reported", { changeId: c.id });
}

/** What the sticky comments show of a change, as one comparable string. */
const shownAs = (c: ChangeRow) => `${c.state}|${c.reason ?? ""}|${c.prUrl ?? ""}`;

/** The sticky comments show an older step than the store (a crash or a failed call between). */
export function progressStale(ctx: AppContext, c: ChangeRow): boolean {
  return Boolean(c.issueNumber || c.prNumber) && ctx.store.keys.shownProgress(c.id) !== shownAs(c);
}

/** The sticky progress comments on the tracking issue and the PR, written to match the store. */
export async function showProgress(ctx: AppContext, c: ChangeRow): Promise<void> {
  try {
    const gh = await ctx.client();
    const body = renderProgress({
      changeId: c.id,
      state: c.state,
      title: c.title,
      requester: c.requester,
      risk: c.risk ?? undefined,
      prUrl: c.prUrl ?? undefined,
      message: c.reason ?? undefined,
      revertPrUrl: c.revertChange ? (ctx.store.changes.byId(c.revertChange)?.prUrl ?? undefined) : undefined,
    });
    for (const thread of [c.issueNumber, c.prNumber]) {
      if (!thread) continue;
      const known = ctx.store.keys.stickyCommentId(c.id, thread);
      const id = await gh.upsertSticky(thread, progressMarker(c.id), body, known);
      if (id !== known) ctx.store.keys.setStickyCommentId(c.id, thread, id);
    }
    ctx.store.keys.setShownProgress(c.id, shownAs(c));
  } catch (e) {
    // best effort here: the state is already stored, and reconcile rewrites a stale comment
    ctx.log.warn({ err: e, changeId: c.id }, "could not update the progress comment");
  }
}
