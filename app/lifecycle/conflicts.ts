// A pull request that another merge made unmergeable (GitHub: `mergeable: false`,
// `mergeable_state: "dirty"`) never merges by waiting, so the merge gate hands it here. The
// agent redoes the change from scratch on the new base — its branch force-pushed, the same PR
// updated — once per base commit and at most MAX_REDOS times per change. The PR is closed with
// a comment giving the reason, and the change fails with it (the requester reads it in their
// thread), when that budget is spent, when what the change makes went live from the other
// merge, or when reviewers' follow-ups are on the branch (a run from scratch would drop them;
// a follow-up builds on the branch and cannot resolve a conflict).
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import type { PullInfo } from "../github/repo.ts";
import { move } from "../progress/report.ts";
import type { AuditRow } from "../store/audit.ts";
import type { ChangeRow } from "../store/changes.ts";
import { describeTarget } from "./targets.ts";

export const MAX_REDOS = 2;

const closedMarker = (changeId: string) => `<!-- ouro:conflict:${changeId} -->`;

/** Called by the merge gate, under the change's lock, for its open PR that conflicts with its base. */
export async function onConflict(ctx: AppContext, c: ChangeRow, pull: PullInfo, log: Logger): Promise<void> {
  const gh = await ctx.client();
  const base = await gh.defaultBranch();
  const pr = `#${pull.number}`;
  const live = liveFromLaterMerge(ctx, c);
  if (live) {
    const other = `change \`${live.id}\`${live.prNumber ? ` (#${live.prNumber})` : ""}`;
    const what = describeTarget(c.targetKey!);
    return close(ctx, c, pull.number, `${pr} conflicts with ${base.name}, where ${other} already made ${what}`, log);
  }
  if (c.followUps.length > 0)
    return close(
      ctx,
      c,
      pull.number,
      `${pr} conflicts with ${base.name} after another merge, and redoing it from scratch would drop the reviewers' follow-ups; ask again for a fresh change`,
      log,
    );
  if (c.redoBases.includes(base.sha)) {
    // redone on this very base already: GitHub's answer may predate the push; the next pass sees
    log.info({ pr: pull.number, base: base.sha }, "a redone pull request still reads as conflicting; waiting");
    return;
  }
  if (c.redoBases.length >= MAX_REDOS)
    return close(
      ctx,
      c,
      pull.number,
      `${pr} conflicts with ${base.name} again after ${MAX_REDOS} redos on newer bases; ask again for a fresh change`,
      log,
    );
  const round = c.redoBases.length + 1;
  ctx.store.audit.record(c.id, "conflict.redo", { pr: pull.number, base: base.sha, round });
  log.info({ pr: pull.number, base: base.sha, round }, "redoing a change whose pull request another merge made conflict");
  await move(
    ctx,
    c,
    "queued",
    `${pr} conflicts with ${base.name} after another merge; the agent is redoing the change on ${base.sha.slice(0, 7)} (${round} of ${MAX_REDOS})`,
    { redoBases: [...c.redoBases, base.sha] },
  );
  void ctx.events.emit("queued", { changeId: c.id });
}

/** Closes the PR with a comment saying why (once: found again by its marker) and fails the change. */
async function close(ctx: AppContext, c: ChangeRow, number: number, reason: string, log: Logger): Promise<void> {
  const gh = await ctx.client();
  await gh.upsertSticky(number, closedMarker(c.id), `${closedMarker(c.id)}\n**Closed by Ouro:** ${reason}.`);
  await gh.closePull(number);
  ctx.store.audit.record(c.id, "pr.closed.conflict", { pr: number, reason });
  log.info({ pr: number, reason }, "closed a pull request another merge made unmergeable");
  await move(ctx, c, "failed", reason); // before the closed webhook, which then finds it failed
}

const lastSeq = (rows: AuditRow[], event: string) => rows.filter((r) => r.event === event).at(-1)?.seq ?? 0;

/** Another change with the same target merged after this change's PR was last written, if any. */
function liveFromLaterMerge(ctx: AppContext, c: ChangeRow): ChangeRow | null {
  if (!c.targetKey) return null;
  const { audit, changes } = ctx.store;
  const written = lastSeq(audit.of(c.id), "pr.opened");
  return (
    changes.withTarget(c.targetKey, ["merged", "deployed"]).find((o) => o.id !== c.id && lastSeq(audit.of(o.id), "merged") > written) ??
    null
  );
}
