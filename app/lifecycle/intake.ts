// A change request arrives (bot API, an issue labelled `ouro`, an `/ouro …` comment) →
// admitted or refused by the rate limits → one ChangeRequest (contract/change-request.ts)
// stored with its change as queued → tracking issue → `queued` (the worker starts it).
// The same request id always lands on the same change (idempotent).
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

/** The request was refused (rate limit, not allowed, not valid): nothing was stored or written. */
export class Refused extends Error {
  override name = "Refused";
  /** `invalid`: the request itself is wrong (a 400 for the bot); `limit`: a quota said no (a 429). */
  readonly why: "invalid" | "limit";
  constructor(message: string, why: "invalid" | "limit" = "limit") {
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

export async function submit(ctx: AppContext, intake: Intake, log: Logger): Promise<{ change: ChangeRow; created: boolean }> {
  const { changes, audit } = ctx.store;
  return ctx.locks.withLock(`request:${intake.requestId}`, async () => {
    const existing = changes.byRequest(intake.requestId);
    if (existing) return { change: existing, created: false };
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
    const p = await ctx.policy();
    const key = requesterKey(intake.requester);
    const verdict = admit(key, changes.requestsSince(ctx.now() - 3_600_000), ctx.now(), p.policy.rateLimits);
    if (!verdict.ok) {
      audit.record(`refused:${intake.requestId}`, "refused", { reason: verdict.reason, requester: key });
      log.info({ requestId: intake.requestId }, verdict.reason);
      throw new Refused(verdict.reason);
    }
    const request = parsed.data;
    let change = changes.insert({
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
    });
    audit.record(id, "request", {
      source: intake.source,
      requester: key,
      text: intake.text,
      ...(intake.recipe ? { recipe: intake.recipe } : {}),
      ...(intake.origin ? { origin: intake.origin } : {}),
    });
    log.info({ changeId: id }, "change request accepted");
    change = await ensureTrackingIssue(ctx, change);
    await report(ctx, change);
    void ctx.events.emit("queued", { changeId: id });
    return { change: changes.byId(id)!, created: true };
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
