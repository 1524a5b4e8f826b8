// Whether the app may merge an Ouro pull request now. Pure: the caller gathers the facts.
// A review counts only from someone who may judge the change: a user with write, maintain
// or admin on the repository, or a code owner of the changed paths — never the requester,
// the PR author or a bot. With `dismissStale`, an approval of an earlier commit than the
// PR's head does not count (the app also dismisses it on GitHub). A Discord requester's
// linked GitHub login (/link github) is the requester; a Discord request whose requester has
// linked none needs one approval from someone the policy names (a code owner of the changed
// paths, a maintainer or admin, or a login in github.approvers): the requester's own approval
// could not be told apart from anyone else's.
import type { Verdict } from "../../policy-engine/types.ts";

/** A repository role, as GitHub's collaborator permission `role_name` names it. */
export type Role = "none" | "read" | "triage" | "write" | "maintain" | "admin";
export const JUDGING_ROLES: readonly Role[] = ["write", "maintain", "admin"];
/** Roles whose approval counts as from someone the policy names (see `named`). */
export const NAMED_ROLES: readonly Role[] = ["maintain", "admin"];

export interface Review {
  id?: number;
  login: string;
  state: string; // APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
  /** The commit the review was made on (GitHub's `commit_id`). */
  commitId?: string | null;
  /** A bot account (GitHub user type "Bot"); `[bot]` logins are bots whatever this says. */
  bot?: boolean;
}

/** Who may judge: each reviewer's role and the code owners of the changed paths. */
export interface Reviewers {
  /** Lower-case login → role on the repository (absent: none). */
  roles: ReadonlyMap<string, Role>;
  /** Users who own a changed path in the default branch's CODEOWNERS. */
  codeOwners: readonly string[];
  /** Logins the policy names as approvers (github.approvers). */
  approvers?: readonly string[];
}

export type ChecksState = "pending" | "success" | "failure";

export interface GateInput {
  verdict: Pick<Verdict, "decision" | "risk" | "requiredApprovals" | "automerge">;
  /** Reviews in the order they were submitted. */
  reviews: Review[];
  /** Logins whose approval does not count: the requester, the App, the PR author. */
  excluded: string[];
  reviewers: Reviewers;
  /** The PR's head commit now. */
  headSha: string;
  /** Approvals of an earlier commit than `headSha` do not count (policy switch, on by default). */
  dismissStale: boolean;
  checks: ChecksState;
  /**
   * Community votes: `closed` once the window has ended (the tally is final); with
   * `countsAsApproval`, a passed vote counts as one approval at risk low or safe.
   */
  votes: { required: number; up: number; down: number; closed?: boolean; countsAsApproval?: boolean };
  stopped: boolean;
  breakerOpen: boolean;
  /** The PR head is still the commit the verdict was computed for. */
  headMatches: boolean;
  /** The Discord requester's linked GitHub login: their review never counts, and the gate says so. */
  linkedLogin?: string | null;
  /** A Discord request whose requester has linked no GitHub login: one approval must be `named`. */
  unlinkedRequester?: boolean;
}

export type GateResult =
  | { action: "merge"; approvals: number }
  | { action: "wait"; reason: string }
  | { action: "review"; reason: string; approvals: number; missing: number }
  | { action: "failed"; reason: string };

export const isBot = (login: string, bot?: boolean): boolean => Boolean(bot) || /\[bot\]$/i.test(login);

/** Why a reviewer's review does not count, or null when it does. */
export function notJudging(login: string, bot: boolean | undefined, excluded: string[], reviewers: Reviewers): string | null {
  const l = login.toLowerCase();
  if (excluded.some((x) => x.toLowerCase() === l)) return "the requester or author";
  if (isBot(login, bot)) return "a bot";
  const role = reviewers.roles.get(l) ?? "none";
  if (JUDGING_ROLES.includes(role)) return null;
  if (reviewers.codeOwners.some((o) => o.toLowerCase() === l)) return null;
  return `${role === "none" ? "no" : role} access`;
}

/** The logins whose latest review needs a role to be judged (not excluded, not bots). */
export function reviewersToAsk(reviews: Review[], excluded: string[]): string[] {
  const ex = new Set(excluded.map((l) => l.toLowerCase()));
  const out = new Set<string>();
  for (const r of reviews) {
    if (r.state !== "APPROVED" && r.state !== "CHANGES_REQUESTED") continue;
    const l = r.login.toLowerCase();
    if (!ex.has(l) && !isBot(r.login, r.bot)) out.add(l);
  }
  return [...out];
}

/** Approvals of a commit other than `headSha` (to dismiss on GitHub). */
export function staleApprovals(reviews: Review[], headSha: string): Review[] {
  return reviews.filter((r) => r.state === "APPROVED" && r.commitId != null && r.commitId !== headSha);
}

/** Whether an approval from `login` (who may judge) is from someone the policy names. */
export function named(login: string, reviewers: Reviewers): boolean {
  const l = login.toLowerCase();
  const listed = (xs: readonly string[] | undefined) => (xs ?? []).some((x) => x.toLowerCase() === l);
  return NAMED_ROLES.includes(reviewers.roles.get(l) ?? "none") || listed(reviewers.codeOwners) || listed(reviewers.approvers);
}

export interface Count {
  approvals: number;
  /** How many of `approvals` are from someone the policy names (see `named`). */
  namedApprovals: number;
  changesRequested: string[];
  /** Reviews that were left out, with the reason ("mallory: read access"). */
  ignored: string[];
}

/** Latest non-comment review state per reviewer, counting only reviewers who may judge. */
export function countApprovals(
  reviews: Review[],
  opts: { excluded: string[]; reviewers: Reviewers; headSha?: string; dismissStale?: boolean; linkedLogin?: string | null },
): Count {
  const latest = new Map<string, { login: string; state: string; stale: boolean; bot?: boolean }>();
  for (const r of reviews) {
    if (r.state !== "APPROVED" && r.state !== "CHANGES_REQUESTED" && r.state !== "DISMISSED") continue;
    const stale =
      r.state === "APPROVED" &&
      Boolean(opts.dismissStale) &&
      opts.headSha !== undefined &&
      r.commitId != null &&
      r.commitId !== opts.headSha;
    latest.set(r.login.toLowerCase(), { login: r.login, state: r.state, stale, bot: r.bot });
  }
  const out: Count = { approvals: 0, namedApprovals: 0, changesRequested: [], ignored: [] };
  const linked = opts.linkedLogin?.toLowerCase();
  for (const r of latest.values()) {
    if (r.state === "DISMISSED") continue;
    if (linked && r.login.toLowerCase() === linked) {
      out.ignored.push(`${r.login}: the requester's own, linked from Discord`);
      continue;
    }
    const why = notJudging(r.login, r.bot, opts.excluded, opts.reviewers);
    if (why) {
      // the requester's and the App's own reviews are simply not counted (no need to say so)
      if (why !== "the requester or author") out.ignored.push(`${r.login}: ${why}`);
      continue;
    }
    if (r.state === "CHANGES_REQUESTED") out.changesRequested.push(r.login);
    else if (r.stale) out.ignored.push(`${r.login}: approved an earlier commit`);
    else {
      out.approvals++;
      if (named(r.login, opts.reviewers)) out.namedApprovals++;
    }
  }
  return out;
}

export function netVotes(v: { up: number; down: number }): number {
  return v.up - v.down;
}

/** The approval a passed community vote stands in for: 1 at risk low or safe when the policy says so, else 0. */
export function voteApprovals(votes: GateInput["votes"], risk: GateInput["verdict"]["risk"]): number {
  const passed = votes.required > 0 && netVotes(votes) >= votes.required;
  return passed && votes.countsAsApproval && (risk === "low" || risk === "safe") ? 1 : 0;
}

export function decideMerge(g: GateInput): GateResult {
  if (g.checks === "failure") return { action: "failed", reason: "checks failed" };
  if (g.checks === "pending") return { action: "wait", reason: "waiting for checks" };
  const counted = countApprovals(g.reviews, g);
  const { changesRequested, ignored } = counted;
  const approvals = counted.approvals + voteApprovals(g.votes, g.verdict.risk);
  const need = g.verdict.requiredApprovals;
  const byVote = voteApprovals(g.votes, g.verdict.risk) > 0 ? " (one of them the passed community vote)" : "";
  const notCounted = ignored.length > 0 ? ` (not counted: ${ignored.join("; ")})` : "";
  const review = (reason: string) => ({ action: "review" as const, reason, approvals, missing: Math.max(0, need - approvals) });
  if (g.verdict.decision === "block") return review("the policy verdict blocks this change: only a human may decide");
  if (changesRequested.length > 0) return review(`changes requested by ${changesRequested.join(", ")}`);
  if (!g.verdict.automerge) return review(`risk ${g.verdict.risk} is never merged automatically`);
  if (!g.headMatches) return review("the branch changed after the policy verdict; a human must merge");
  if (approvals < need)
    return review(
      `${approvals} of ${need} required approvals from users with write access or code owners (the requester's own does not count)${byVote}${notCounted}`,
    );
  if (g.unlinkedRequester && need > voteApprovals(g.votes, g.verdict.risk) && counted.namedApprovals === 0)
    return review(
      `the requester has not linked a GitHub account (\`/link github\` in Discord), so one approval must come from someone the policy names: a code owner of the changed paths, a maintainer or admin, or a login in github.approvers${notCounted}`,
    );
  if (g.votes.required > 0 && netVotes(g.votes) < g.votes.required)
    return g.votes.closed
      ? review(`the community vote closed with ${netVotes(g.votes)} of ${g.votes.required} votes: a human must decide`)
      : { action: "wait", reason: `community votes: ${netVotes(g.votes)} of ${g.votes.required}` };
  if (g.stopped) return { action: "wait", reason: "emergency stop: no automerge" };
  if (g.breakerOpen) return { action: "wait", reason: "circuit breaker open: no automerge" };
  return { action: "merge", approvals };
}
