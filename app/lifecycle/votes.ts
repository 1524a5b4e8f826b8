// Community votes (policy `votes`). A change's vote opens when its pull request opens and
// stays open `votes.windowSeconds` (0: no limit), by the app's clock. Only votes cast in that
// window count; a vote before the PR, after the window or once the change is done is refused
// in plain words and changes nothing. The `ouro/votes` status on the PR head shows the tally,
// and when the window ends it is settled once: success if the vote passed, failure if not
// (a human decides then). The merge gate reads the tally as a `Ballot`.
import type { Logger } from "pino";
import type { AppContext } from "../context.ts";
import type { RepoClient } from "../github/repo.ts";
import type { EffectivePolicy } from "../policy.ts";
import { netVotes } from "../review/merge-gate.ts";
import type { ChangeRow } from "../store/changes.ts";
import type { VoteValue } from "../store/votes.ts";

/** A vote the policy does not take now; the message says why, in plain words. */
export class VoteRefused extends Error {}

export interface Ballot {
  required: number;
  up: number;
  down: number;
  /** The window has ended: the tally is final. */
  closed: boolean;
  /** The policy lets a passed vote count as one approval at low risk. */
  countsAsApproval: boolean;
}

/** The states in which a change's PR is open and its vote may be open. */
const VOTING_STATES: readonly string[] = ["pr", "checks", "review"];

export const votePassed = (b: Pick<Ballot, "required" | "up" | "down">): boolean => b.required > 0 && netVotes(b) >= b.required;

/** When the vote of `c` closes (ms), or null when it has no end (or never opened). */
function closesAt(ctx: AppContext, c: ChangeRow, p: EffectivePolicy): number | null {
  const opened = ctx.store.votes.openedAt(c.id);
  const seconds = p.policy.votes.windowSeconds;
  return opened === null || seconds === 0 ? null : opened + seconds * 1000;
}

/**
 * The ballot of `c` now: the votes cast within its window. A change whose PR is open but whose
 * vote never opened (the policy asked for votes only after the PR opened) has it opened now.
 */
export function ballotOf(ctx: AppContext, c: ChangeRow, p: EffectivePolicy): Ballot {
  const { required, countsAsApproval } = p.policy.votes;
  if (required > 0 && VOTING_STATES.includes(c.state)) ctx.store.votes.open(c.id);
  const end = closesAt(ctx, c, p);
  return { required, ...ctx.store.votes.count(c.id, end ?? undefined), closed: end !== null && ctx.now() >= end, countsAsApproval };
}

/** Records one Discord vote on `c`, or throws VoteRefused (recording nothing). */
export function castVote(ctx: AppContext, c: ChangeRow, p: EffectivePolicy, voter: string, value: VoteValue): Ballot {
  if (p.policy.votes.required > 0) {
    if (c.state === "queued" || c.state === "working")
      throw new VoteRefused(`voting on change ${c.id} opens when its pull request does; your vote was not counted`);
    if (!VOTING_STATES.includes(c.state)) throw new VoteRefused(`voting on change ${c.id} is over: it is ${c.state}`);
    if (ballotOf(ctx, c, p).closed) {
      const end = new Date(closesAt(ctx, c, p)!).toISOString().replace(/\.\d+Z$/, "Z");
      throw new VoteRefused(
        `voting on change ${c.id} closed at ${end} (${windowText(p)} after its pull request opened); your vote was not counted`,
      );
    }
  }
  ctx.store.votes.cast(c.id, voter, value);
  return ballotOf(ctx, c, p);
}

/** The `ouro/votes` status of `sha` for this ballot. */
export async function showVotes(gh: RepoClient, sha: string, b: Ballot): Promise<void> {
  const tally = `${netVotes(b)} of ${b.required} community votes`;
  if (b.closed)
    await gh.setStatus(
      sha,
      "ouro/votes",
      votePassed(b) ? "success" : "failure",
      `voting closed: ${tally}${votePassed(b) ? "" : ", not passed"}`,
    );
  else await gh.setStatus(sha, "ouro/votes", votePassed(b) ? "success" : "pending", tally);
}

/** Opens the vote of `c` as its PR opens (or moves to `sha`) and shows the tally on `sha`. */
export async function openVote(ctx: AppContext, c: ChangeRow, p: EffectivePolicy, sha: string): Promise<void> {
  if (p.policy.votes.required === 0) return;
  ctx.store.votes.open(c.id);
  await showVotes(await ctx.client(), sha, ballotOf(ctx, c, p));
}

/** Once the window of `c` has ended: its final `ouro/votes` status on `sha`, reported once. */
export async function settleVote(ctx: AppContext, c: ChangeRow, b: Ballot, sha: string, log: Logger): Promise<void> {
  if (b.required === 0 || !b.closed || ctx.store.votes.closedAs(c.id) !== null) return;
  const result = votePassed(b) ? "passed" : "failed";
  await showVotes(await ctx.client(), sha, b);
  ctx.store.votes.markClosed(c.id, result);
  ctx.store.audit.record(c.id, "votes.closed", { result, up: b.up, down: b.down, required: b.required });
  log.info({ result, up: b.up, down: b.down }, "community vote closed");
}

function windowText(p: EffectivePolicy): string {
  const s = p.policy.votes.windowSeconds;
  if (s % 86_400 === 0) return s === 86_400 ? "1 day" : `${s / 86_400} days`;
  if (s % 3600 === 0) return s === 3600 ? "1 hour" : `${s / 3600} hours`;
  if (s % 60 === 0) return s === 60 ? "1 minute" : `${s / 60} minutes`;
  return s === 1 ? "1 second" : `${s} seconds`;
}
