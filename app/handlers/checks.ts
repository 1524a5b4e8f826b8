// check_run, check_suite and status: when CI reports, re-evaluate the merge gate of the
// Ouro PR whose head it is about (our own `ouro/*` statuses are ignored).
import type { Probot } from "probot";
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import { gate } from "../lifecycle/review.ts";
import { handle } from "./guard.ts";

async function gateFor(ctx: AppContext, prNumbers: number[], sha: string, log: Logger): Promise<void> {
  const ids = new Set<string>();
  for (const n of prNumbers) {
    const c = ctx.store.changes.byPr(n);
    if (c) ids.add(c.id);
  }
  const byHead = ctx.store.changes.byHead(sha);
  if (byHead) ids.add(byHead.id);
  for (const id of ids) await gate(ctx, id, log.child({ changeId: id }));
}

export function registerChecks(app: Probot, ctx: AppContext): void {
  handle(app, ctx, "check_run.completed", async (context, log) => {
    const run = context.payload.check_run;
    await gateFor(
      ctx,
      run.pull_requests.map((p) => p.number),
      run.head_sha,
      log,
    );
  });
  handle(app, ctx, "check_suite.completed", async (context, log) => {
    const suite = context.payload.check_suite;
    await gateFor(
      ctx,
      suite.pull_requests.map((p) => p.number),
      suite.head_sha,
      log,
    );
  });
  handle(app, ctx, "status", async (context, log) => {
    if (context.payload.context.startsWith("ouro/")) return;
    if (context.payload.state === "pending") return;
    await gateFor(ctx, [], context.payload.sha, log);
  });
}
