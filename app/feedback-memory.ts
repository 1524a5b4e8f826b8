// Learning from feedback: what happened to a change (a reviewer's change request, a rejected
// PR, failed checks, a rollback) is remembered in the audit log; the latest items go to the
// agent with later requests, which picks recent rollbacks and those about similar requests
// (app/agent/feedback.ts).
import type { FeedbackItem } from "./agent/index.ts";
import type { AppContext } from "./context.ts";
import type { ChangeRow } from "./store/changes.ts";

/** Remembers what happened to a change, for the agent's later runs. */
export function rememberFeedback(ctx: AppContext, c: ChangeRow, kind: FeedbackItem["kind"], text: string): void {
  ctx.store.audit.record(c.id, "feedback", {
    kind,
    request: c.text.slice(0, 500),
    text: text.slice(0, 1000),
    ...(c.risk ? { verdict: `risk ${c.risk}` } : {}),
  });
}

/** The latest feedback items, newest first: the pool the agent chooses from by relevance. */
export function recentFeedback(ctx: AppContext, limit = 200): FeedbackItem[] {
  return ctx.store.audit.latestFeedback(limit).map((f) => {
    const at = Date.parse(f.at);
    return {
      kind: f.kind,
      request: f.request,
      text: f.text,
      ...(f.verdict !== undefined ? { verdict: f.verdict } : {}),
      ...(Number.isFinite(at) ? { at } : {}),
    };
  });
}
