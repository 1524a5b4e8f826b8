// Self-debugging: a runtime error the bot reported (its issue, bot-api/error-issues.ts) becomes
// a fix request by itself when the policy's `selfDebug.enabled` allows it — through the same
// intake as an issue labelled `ouro` (request `gh-issue-<n>`, the error issue tracks the
// change), requested by the App itself. One fix per error: while it is open a recurrence
// starts no other, and once it was made Ouro does not try again by itself (a human decides).
// Never during the emergency stop or while the circuit breaker is open, and at most
// `selfDebug.maxPerDay` per rolling 24 hours, counted from the stored changes. An error that
// was skipped is considered again when the bot reports it again. Every skip is audited with
// its reason in plain words; a skip of a fix that might start later is also said on the issue.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { RuntimeErrorReport } from "../../contract/app-link.ts";
import { githubRequester, requesterKey } from "../../contract/change-request.ts";
import type { AppContext } from "../context.ts";
import { quoteUser } from "../github/markers.ts";
import type { EffectivePolicy } from "../policy.ts";
import { breakerNow } from "../switches/circuit-breaker.ts";
import { isStopped } from "../switches/emergency-stop.ts";
import { Refused, submit } from "./intake.ts";
import { isActive } from "./states.ts";

const DAY = 86_400_000;
/** The change request text keeps the error short: the issue has all of it. */
const MAX_MESSAGE = 1000;
const MAX_STACK = 2000;

export interface ErrorIssue {
  number: number;
  /** Known when the issue was just made; looked up when a fix starts for an older one. */
  url?: string;
}

export type SelfDebugOutcome = { started: true; changeId: string } | { started: false; reason: string };

/** The audit subject of an error (the same one error-issues.ts records under). */
const subject = (fingerprint: string) => `error:${fingerprint}`;

/** The request id of the error issue's fix: the one a labelled issue gets, so both meet. */
const requestIdOf = (issue: ErrorIssue) => `gh-issue-${issue.number}`;

/** Why no fix may start for this error now, or null when one may. `retry`: it may start on a later report. */
function skipReason(ctx: AppContext, p: EffectivePolicy, issue: ErrorIssue, requester: string): { reason: string; retry: boolean } | null {
  const cfg = p.policy.selfDebug;
  if (!cfg.enabled) return { reason: "self-debugging is off in the policy (selfDebug.enabled is false)", retry: false };
  const fix = ctx.store.changes.byRequest(requestIdOf(issue));
  if (fix && isActive(fix.state))
    return { reason: `a fix for this error is already open: change \`${fix.id}\` (${fix.state})`, retry: false };
  if (fix)
    return {
      reason: `a fix for this error was already made once: change \`${fix.id}\` (${fix.state}); Ouro does not try again by itself`,
      retry: false,
    };
  if (isStopped(ctx, p)) return { reason: "the emergency stop is on: no new changes until it is lifted", retry: true };
  const breaker = breakerNow(ctx, p.policy.circuitBreaker);
  if (breaker.state === "open")
    return { reason: `the circuit breaker is open${breaker.reason ? ` (${breaker.reason})` : ""}: no new changes for now`, retry: true };
  const started = ctx.store.changes.requestsSince(ctx.now() - DAY).filter((r) => r.requester === requester).length;
  if (started >= cfg.maxPerDay)
    return {
      reason: `self-debugging already started ${started} fix(es) in the last 24 hours (the limit is selfDebug.maxPerDay: ${cfg.maxPerDay})`,
      retry: true,
    };
  return null;
}

function requestText(r: RuntimeErrorReport, issue: ErrorIssue): string {
  const where = `${r.kind} \`${quoteUser(r.name, 60)}\` of plugin \`${quoteUser(r.plugin, 60)}\``;
  return [
    `Fix the runtime error in ${where} (#${issue.number}).`,
    "",
    `It was seen ${r.count} time(s) since ${r.firstSeen}${r.version ? ` on version ${r.version}` : ""}${r.timeout ? "; it timed out" : ""}. The error:`,
    "",
    r.message.slice(0, MAX_MESSAGE),
    ...(r.stack ? ["", "Stack:", r.stack.slice(0, MAX_STACK)] : []),
    "",
    "Find the cause in the plugin, fix it, and add a test that fails without the fix.",
  ].join("\n");
}

/**
 * After a runtime error's issue was made or updated (under the error's lock): starts its fix
 * when the policy allows it, or audits why not.
 */
export async function selfDebug(ctx: AppContext, r: RuntimeErrorReport, issue: ErrorIssue, log: Logger): Promise<SelfDebugOutcome> {
  const p = await ctx.policy();
  const gh = await ctx.client();
  const requester = githubRequester(gh.botLogin);
  const skip = skipReason(ctx, p, issue, requesterKey(requester));
  const skipped = async (reason: string, retry: boolean): Promise<SelfDebugOutcome> => {
    ctx.store.audit.record(subject(r.fingerprint), "self-debug.skipped", { issue: issue.number, reason });
    log.info({ fingerprint: r.fingerprint, issue: issue.number }, `self-debug: no fix started: ${reason}`);
    if (retry) {
      // Once per reason: a later report for the same reason repeats nothing.
      const why = createHash("sha256").update(reason).digest("hex").slice(0, 12);
      await gh.commentOnce(
        issue.number,
        `<!-- ouro:self-debug:${issue.number}:${why} -->`,
        `Self-debugging did not start a fix: ${reason}. It is considered again when the bot reports this error again.`,
      );
    }
    return { started: false, reason };
  };
  if (skip) return skipped(skip.reason, skip.retry);
  try {
    const { change } = await submit(
      ctx,
      {
        requestId: requestIdOf(issue),
        source: "issue",
        requester,
        text: requestText(r, issue),
        issue: { number: issue.number, url: issue.url ?? (await gh.issueUrl(issue.number)) },
      },
      log,
    );
    ctx.store.audit.record(subject(r.fingerprint), "self-debug.started", { issue: issue.number, changeId: change.id });
    log.info({ fingerprint: r.fingerprint, changeId: change.id }, "self-debug: started a fix");
    return { started: true, changeId: change.id };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return skipped(`the request was not accepted: ${e.message}`, e.why === "limit");
  }
}
