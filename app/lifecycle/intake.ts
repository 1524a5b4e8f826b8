// A change request arrives (bot API, an issue labelled `ouro`, an `/ouro …` comment) →
// admitted or refused by the rate limits → stored as queued → tracking issue → worker kicked.
// The same request id always lands on the same change (idempotent).
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Recipe } from "../../contract/app-link.ts";
import type { Engine } from "../engine.ts";
import { admit } from "../switches/rate-limit.ts";
import { changeMarker, quoteUser } from "../github/markers.ts";
import type { ChangeRow } from "../store.ts";

export interface Intake {
  /** Idempotency key: the bot's request id, or `gh-issue-N` / `gh-comment-N`. */
  requestId: string;
  source: "discord" | "issue" | "comment";
  requester: { name: string; key: string; login?: string; discordId?: string; roles: string[] };
  text: string;
  recipe?: Recipe;
  origin?: Record<string, unknown>;
  /** An existing issue that tracks this request (the labelled issue itself). */
  issue?: { number: number; url: string };
}

/** The request was refused (rate limit, not allowed): nothing was stored or written. */
export class Refused extends Error {
  override name = "Refused";
}

const SAFE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A change id that is safe in branch names, markers and the agent's request schema. */
export function changeIdFor(requestId: string): string {
  if (SAFE_ID.test(requestId) && !requestId.startsWith("revert-")) return requestId;
  return `r-${createHash("sha256").update(requestId).digest("hex").slice(0, 16)}`;
}

export function titleFor(text: string, recipe?: Recipe): string {
  if (recipe?.kind === "add-command") return `Add the /${recipe.name} command`;
  if (recipe?.kind === "add-responder") return `Add the "${recipe.name}" auto-response`;
  if (recipe?.kind === "set-setting") return `Set ${recipe.key} to ${recipe.value}`;
  const first = text.split("\n").find((l) => l.trim()) ?? text;
  const one = first.replace(/\s+/g, " ").trim();
  return one.length > 80 ? `${one.slice(0, 79)}…` : one;
}

export async function submit(eng: Engine, intake: Intake, log: Logger): Promise<{ change: ChangeRow; created: boolean }> {
  return eng.withLock(`request:${intake.requestId}`, async () => {
    const existing = eng.store.changeByRequest(intake.requestId);
    if (existing) return { change: existing, created: false };
    const p = await eng.policy();
    const verdict = admit(intake.requester.key, eng.store.requestsSince(eng.now() - 3_600_000), eng.now(), p.policy.rateLimits);
    if (!verdict.ok) {
      eng.store.audit(`refused:${intake.requestId}`, "refused", { reason: verdict.reason, requester: intake.requester.key });
      log.info({ requestId: intake.requestId }, verdict.reason);
      throw new Refused(verdict.reason);
    }
    const id = changeIdFor(intake.requestId);
    const title = titleFor(intake.text, intake.recipe);
    let change = eng.store.insertChange({
      id,
      requestId: intake.requestId,
      kind: "change",
      source: intake.source,
      requester: intake.requester.name,
      requesterKey: intake.requester.key,
      requesterLogin: intake.requester.login ?? null,
      text: intake.text,
      title,
      requestJson: JSON.stringify({
        recipe: intake.recipe,
        origin: intake.origin,
        discordId: intake.requester.discordId,
        roles: intake.requester.roles,
      }),
      issueNumber: intake.issue?.number ?? null,
      issueUrl: intake.issue?.url ?? null,
    });
    eng.store.audit(id, "request", {
      source: intake.source,
      requester: intake.requester.key,
      text: intake.text,
      ...(intake.recipe ? { recipe: intake.recipe } : {}),
      ...(intake.origin ? { origin: intake.origin } : {}),
    });
    log.info({ changeId: id }, "change request accepted");
    change = await ensureTrackingIssue(eng, change);
    await eng.report(change);
    eng.kick();
    return { change: eng.store.change(id)!, created: true };
  });
}

/** The tracking issue: found again by its hidden marker if an earlier attempt created it. */
export async function ensureTrackingIssue(eng: Engine, c: ChangeRow): Promise<ChangeRow> {
  if (c.issueNumber) return c;
  const gh = await eng.client();
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
  eng.store.audit(c.id, "tracking-issue", { number: issue.number, url: issue.url });
  return eng.store.updateChange(c.id, { issueNumber: issue.number, issueUrl: issue.url });
}
