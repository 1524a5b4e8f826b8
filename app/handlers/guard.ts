// What every handler does first: only our repository, never our own echoes, each delivery
// once (a redelivered `x-github-delivery` already processed is acknowledged and ignored), a
// child logger.
import type { Context, Probot } from "probot";
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import { noteDelivery } from "../metrics/app-metrics.ts";

type Events = Parameters<Probot["on"]>[0];

export function handle<E extends Events>(
  app: Probot,
  ctx: AppContext,
  events: E,
  fn: (context: Context<E extends readonly (infer X)[] ? X : E>, log: Logger) => Promise<void>,
): void {
  app.on(events, async (context) => {
    const event = context as unknown as Context;
    const payload = event.payload as { repository?: { full_name?: string }; sender?: { login?: string; type?: string } };
    const full = payload.repository?.full_name?.toLowerCase();
    const log = event.log.child({ delivery: event.id, event: event.name });
    if (full !== `${ctx.config.owner}/${ctx.config.repo}`.toLowerCase()) {
      log.debug(`ignored an event for ${full ?? "no repository"}`);
      noteDelivery(ctx, event.id, "ignored");
      return;
    }
    // Recorded only once the handler has finished: a delivery cut short by a crash, a failure
    // or an unwritable store runs again when redelivered (every handler is idempotent by its
    // natural keys); the lock keeps two copies arriving at once from running side by side.
    await ctx.locks.withLock(`delivery:${event.id}`, async () => {
      if (ctx.store.deliveries.processed(event.id)) {
        log.info("ignored a redelivered webhook (already processed)");
        noteDelivery(ctx, event.id, "duplicate");
        return;
      }
      try {
        await fn(context, log);
      } catch (e) {
        log.error({ err: e }, "handler failed");
        throw e;
      }
      ctx.store.deliveries.claim(event.id, event.name);
    });
  });
}

/** True when the App itself caused the event (its own comments, labels, issues). */
export function fromSelf(context: Context): boolean {
  return context.isBot;
}
