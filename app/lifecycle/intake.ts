// A change request arrives (bot API, an issue labelled `ouro`, an `/ouro …` comment) →
// joined to an open change asking for the same, or refused when it overlaps one
// (lifecycle/targets.ts) → admitted or refused by the rate limits → one ChangeRequest
// (contract/change-request.ts) stored with its change as queued → tracking issue → `queued`
// (the worker starts it; a request from the bot only once its answer was written, see
// lifecycle/answers.ts). The same request id always lands on the same change (idempotent).
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import { changeRequestSchema, changeTitle, requesterKey } from "../../contract/change-request.ts";
import type { Origin, Requester } from "../../contract/change-request.ts";
import type { Recipe } from "../../contract/recipe.ts";
import type { AppContext } from "../context.ts";
import { changeMarker, quoteUser } from "../github/markers.ts";
import { report } from "../progress/report.ts";
import type { ChangeRow } from "../store/changes.ts";
import { admit } from "../switches/rate-limit.ts";
import { answered, answerOverdue, cancelChange, isCancelled } from "./answers.ts";
import { isActive } from "./states.ts";
import type { ChangeState } from "./states.ts";
import { targetOf } from "./targets.ts";
import type { Target } from "./targets.ts";

export interface Intake {
  /** Idempotency key: the bot's request id, or `gh-issue-N` / `gh-comment-N`. */
  requestId: string;
  /** Where it came in: the bot, a labelled issue, or an `/ouro` comment. */
  source: "discord" | "issue" | "comment";
  requester: Requester;
  text: string;
  recipe?: Recipe;
  origin?: Origin;
  /** An existing issue that tracks this request (the labelled issue itself). */
  issue?: { number: number; url: string };
}

/** The request was refused (rate limit, not allowed, not valid, overlapping): nothing was stored or written. */
export class Refused extends Error {
  override name = "Refused";
  /**
   * `invalid`: the request itself is wrong (a 400 for the bot); `limit`: a quota said no (a 429);
   * `conflict`: it overlaps an open change, or it was cancelled (a 409; the message links the change).
   */
  readonly why: "invalid" | "limit" | "conflict";
  constructor(message: string, why: "invalid" | "limit" | "conflict" = "limit") {
    super(message);
    this.why = why;
  }
}

const SAFE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A change id that is safe in branch names, markers and the agent's request schema. */
export function changeIdFor(requestId: string): string {
  if (SAFE_ID.test(requestId) && !requestId.startsWith("revert-")) return requestId;
  return `r-${createHash("sha256").update(requestId).digest("hex").slice(0, 16)}`;
}

/** What intake did with a request. */
export interface Submitted {
  change: ChangeRow;
  /** This request made the change now. */
  created: boolean;
  /** This request joined another request's open change that asks for the same thing. */
  joined: boolean;
}

/** While a change is in these states, a request with its target joins it or is refused. */
const OPEN: readonly ChangeState[] = ["queued", "working", "pr", "checks", "review"];

export async function submit(ctx: AppContext, intake: Intake, log: Logger): Promise<Submitted> {
  const { changes, audit } = ctx.store;
  return ctx.locks.withLock(`request:${intake.requestId}`, async () => {
    const existing = changes.byRequest(intake.requestId);
    if (existing) return again(ctx, existing, intake, log);
    // Validated before the quotas: a wrong request is told what is wrong, and never counts.
    const id = changeIdFor(intake.requestId);
    const parsed = changeRequestSchema.safeParse({
      id,
      requester: intake.requester,
      text: intake.text,
      ...(intake.recipe ? { recipe: intake.recipe } : {}),
      ...(intake.origin ? { origin: intake.origin } : {}),
    });
    if (!parsed.success) {
      const reason = `the request is not valid: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`;
      audit.record(`refused:${intake.requestId}`, "refused", { reason, requester: requesterKey(intake.requester) });
      log.info({ requestId: intake.requestId }, reason);
      throw new Refused(reason, "invalid");
    }
    const request = parsed.data;
    const target = targetOf(request);
    // One request at a time per target (after the request's own lock, always in that order):
    // two identical requests fired at once make one change.
    return ctx.locks.withLock(`target:${target.key}`, async () => {
      const [open] = changes.withTarget(target.key, OPEN);
      if (open) return joinOrRefuse(ctx, open, intake, target, log);
      const p = await ctx.policy();
      const key = requesterKey(intake.requester);
      const verdict = admit(key, changes.requestsSince(ctx.now() - 3_600_000), ctx.now(), p.policy.rateLimits);
      if (!verdict.ok) {
        audit.record(`refused:${intake.requestId}`, "refused", { reason: verdict.reason, requester: key });
        log.info({ requestId: intake.requestId }, verdict.reason);
        throw new Refused(verdict.reason);
      }
      // A request from the bot waits for its answer (the bot link marks it answered once the
      // answer is written); one from GitHub is answered here, by the issue or the reply.
      const fromBot = intake.source === "discord";
      // The change and its first audit entry are one write: a crash leaves both or neither.
      ctx.store.tx(() => {
        changes.insert({
          id,
          requestId: intake.requestId,
          kind: "change",
          source: intake.source,
          requester: request.requester.name,
          requesterKey: key,
          requesterLogin: request.requester.login ?? null,
          text: intake.text,
          title: changeTitle(request),
          request,
          issueNumber: intake.issue?.number ?? null,
          issueUrl: intake.issue?.url ?? null,
          targetKey: target.key,
          ...(fromBot ? { answeredAt: null } : {}),
        });
        audit.record(id, "request", {
          source: intake.source,
          requester: key,
          text: intake.text,
          ...(intake.recipe ? { recipe: intake.recipe } : {}),
          ...(intake.origin ? { origin: intake.origin } : {}),
        });
      });
      log.info({ changeId: id }, "change request accepted");
      const change = await trackingIssue(ctx, id);
      await report(ctx, change);
      if (!fromBot) void ctx.events.emit("queued", { changeId: id });
      return { change: changes.byId(id)!, created: true, joined: false };
    });
  });
}

/**
 * The same request id again (a retry after a lost answer, a redelivery): the same change,
 * with the tracking issue an interrupted first attempt may not have made. A change cancelled
 * because its requester was told it failed is not brought back: a 409 says so.
 */
async function again(ctx: AppContext, c: ChangeRow, intake: Intake, log: Logger): Promise<Submitted> {
  if (answerOverdue(ctx, c)) await cancelChange(ctx, c.id, log.child({ changeId: c.id }));
  const cur = ctx.store.changes.byId(c.id)!;
  if (isCancelled(cur))
    throw new Refused(
      `request ${intake.requestId} was cancelled after the Ouro app's answer failed to reach the bot (change \`${cur.id}\`${cur.issueUrl ? `, ${cur.issueUrl}` : ""}); ask again to make a new request`,
      "conflict",
    );
  const change = cur.kind === "change" && isActive(cur.state) ? await trackingIssue(ctx, cur.id) : cur;
  if (intake.source !== "discord") answered(ctx, change.id, intake.source);
  return { change, created: false, joined: ctx.store.changes.joined(intake.requestId) };
}

/**
 * An open change has this request's target. Asking for the same thing, the request joins it
 * (whoever asked: they follow that change and its tracking issue, and a retry finds it again).
 * Asking for something else there is refused with a link to it: two changes to one plugin or
 * setting would conflict, and silently dropping what this request adds would be worse.
 */
async function joinOrRefuse(ctx: AppContext, open: ChangeRow, intake: Intake, target: Target, log: Logger): Promise<Submitted> {
  const { changes, audit } = ctx.store;
  const requester = requesterKey(intake.requester);
  const same = open.request !== null && targetOf(open.request).fingerprint === target.fingerprint;
  if (!same) {
    const reason = `a change to ${target.what} is already open: change \`${open.id}\` (${open.state})${open.issueUrl ? ` — ${open.issueUrl}` : ""}; wait until it is done, or follow it there`;
    audit.record(`refused:${intake.requestId}`, "refused", { reason, requester, overlaps: open.id });
    log.info({ requestId: intake.requestId, overlaps: open.id }, "refused a request that overlaps an open change");
    throw new Refused(reason, "conflict");
  }
  changes.recordJoin(intake.requestId, open.id);
  audit.record(open.id, "request.joined", { requestId: intake.requestId, source: intake.source, requester });
  log.info({ requestId: intake.requestId, changeId: open.id }, "request joined an open change asking for the same");
  const change = await trackingIssue(ctx, open.id);
  if (intake.source !== "discord") answered(ctx, change.id, intake.source);
  return { change, created: false, joined: true };
}

/** The change with its tracking issue, made if missing (under the change's lock: made once). */
export async function trackingIssue(ctx: AppContext, id: string): Promise<ChangeRow> {
  const known = ctx.store.changes.byId(id);
  if (known?.issueNumber || known?.kind === "revert") return known; // no wait behind work holding the lock (an agent run)
  return ctx.locks.withLock(id, async () => {
    const c = ctx.store.changes.byId(id);
    if (!c) throw new Error(`no change ${id}`);
    return c.kind === "change" ? ensureTrackingIssue(ctx, c) : c;
  });
}

/** The tracking issue: found again by its hidden marker if an earlier attempt created it. */
export async function ensureTrackingIssue(ctx: AppContext, c: ChangeRow): Promise<ChangeRow> {
  if (c.issueNumber) return c;
  const gh = await ctx.client();
  const marker = changeMarker(c.id);
  const found = await gh.findOwnIssue(marker, "ouro");
  const body = [
    marker,
    `**Change request** \`${c.id}\` from ${quoteUser(c.requester, 60)} (${c.source === "discord" ? "Discord" : "GitHub"}).`,
    "",
    ...c.text.split("\n").map((l) => `> ${quoteUser(l, 500)}`),
    "",
    "Status and progress are in the Ouro comment below; the pull request will close this issue.",
  ].join("\n");
  const issue = found ?? (await gh.createIssue(`Ouro request: ${c.title}`, body, ["ouro"]));
  ctx.store.audit.record(c.id, "tracking-issue", { number: issue.number, url: issue.url });
  return ctx.store.changes.update(c.id, { issueNumber: issue.number, issueUrl: issue.url });
}
