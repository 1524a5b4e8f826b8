// Whether the app may merge an Ouro pull request now. Pure: the caller gathers the facts.
// The requester's own approval never counts, nor the App's (it never approves anyway).
import type { Verdict } from "../../actions/policy-check/src/types.ts";

export interface Review {
  login: string;
  state: string; // APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
}

export type ChecksState = "pending" | "success" | "failure";

export interface GateInput {
  verdict: Pick<Verdict, "decision" | "risk" | "requiredApprovals" | "automerge">;
  /** Reviews in the order they were submitted. */
  reviews: Review[];
  /** Logins whose approval does not count: the requester, the App, the PR author. */
  excluded: string[];
  checks: ChecksState;
  votes: { required: number; up: number; down: number };
  stopped: boolean;
  breakerOpen: boolean;
  /** The PR head is still the commit the verdict was computed for. */
  headMatches: boolean;
}

export type GateResult =
  | { action: "merge"; approvals: number }
  | { action: "wait"; reason: string }
  | { action: "review"; reason: string; approvals: number; missing: number }
  | { action: "failed"; reason: string };

/** Latest non-comment review state per reviewer. */
export function countApprovals(reviews: Review[], excluded: string[]): { approvals: number; changesRequested: string[] } {
  const ex = new Set(excluded.map((l) => l.toLowerCase()));
  const latest = new Map<string, string>();
  for (const r of reviews) {
    const login = r.login.toLowerCase();
    if (ex.has(login)) continue;
    if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED" || r.state === "DISMISSED") latest.set(login, r.state);
  }
  const approvals = [...latest.values()].filter((s) => s === "APPROVED").length;
  const changesRequested = [...latest.entries()].filter(([, s]) => s === "CHANGES_REQUESTED").map(([l]) => l);
  return { approvals, changesRequested };
}

export function netVotes(v: { up: number; down: number }): number {
  return v.up - v.down;
}

export function decideMerge(g: GateInput): GateResult {
  if (g.checks === "failure") return { action: "failed", reason: "checks failed" };
  if (g.checks === "pending") return { action: "wait", reason: "waiting for checks" };
  const { approvals, changesRequested } = countApprovals(g.reviews, g.excluded);
  const need = g.verdict.requiredApprovals;
  const review = (reason: string) => ({ action: "review" as const, reason, approvals, missing: Math.max(0, need - approvals) });
  if (g.verdict.decision === "block") return review("the policy verdict blocks this change: only a human may decide");
  if (changesRequested.length > 0) return review(`changes requested by ${changesRequested.join(", ")}`);
  if (!g.verdict.automerge) return review(`risk ${g.verdict.risk} is never merged automatically`);
  if (!g.headMatches) return review("the branch changed after the policy verdict; a human must merge");
  if (approvals < need) return review(`${approvals} of ${need} required approvals (the requester's own does not count)`);
  if (g.votes.required > 0 && netVotes(g.votes) < g.votes.required) return { action: "wait", reason: `community votes: ${netVotes(g.votes)} of ${g.votes.required}` };
  if (g.stopped) return { action: "wait", reason: "emergency stop: no automerge" };
  if (g.breakerOpen) return { action: "wait", reason: "circuit breaker open: no automerge" };
  return { action: "merge", approvals };
}
