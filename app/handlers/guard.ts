// What every handler does first: only our repository, never our own echoes, each delivery
// once (a redelivered `x-github-delivery` is acknowledged and ignored), a child logger.
import type { Context, Probot } from "probot";
import type { Logger } from "pino";
import type { Engine } from "../engine.ts";

type Events = Parameters<Probot["on"]>[0];

export function handle<E extends Events>(
  app: Probot,
  eng: Engine,
  events: E,
  fn: (context: Context<E extends readonly (infer X)[] ? X : E>, log: Logger) => Promise<void>,
): void {
  app.on(events, async (context) => {
    const ctx = context as unknown as Context;
    const payload = ctx.payload as { repository?: { full_name?: string }; sender?: { login?: string; type?: string } };
    const full = payload.repository?.full_name?.toLowerCase();
    const log = ctx.log.child({ delivery: ctx.id, event: ctx.name });
    if (full !== `${eng.config.owner}/${eng.config.repo}`.toLowerCase()) {
      log.debug(`ignored an event for ${full ?? "no repository"}`);
      return;
    }
    if (!eng.store.claimDelivery(ctx.id, ctx.name)) {
      log.info("ignored a redelivered webhook (already processed)");
      return;
    }
    try {
      await fn(context as never, log);
    } catch (e) {
      eng.store.releaseDelivery(ctx.id); // a retry may do it properly
      log.error({ err: e }, "handler failed");
      throw e;
    }
  });
}

/** True when the App itself caused the event (its own comments, labels, issues). */
export function fromSelf(context: Context): boolean {
  return context.isBot;
}
