// The life of a change, as an explicit transition table: the app refuses to move a change
// along an edge that is not here (a late or repeated event then changes nothing).
import type { ChangeState } from "../../contract/change-state.ts";

export type { ChangeState };

const EDGES: Record<ChangeState, readonly ChangeState[]> = {
  queued: ["working", "failed"],
  working: ["pr", "failed", "queued"],
  pr: ["checks", "review", "merged", "failed", "queued"],
  checks: ["review", "merged", "failed", "queued", "checks"],
  review: ["checks", "merged", "failed", "queued"],
  merged: ["deployed", "rolled-back", "failed"],
  deployed: ["rolled-back"],
  failed: ["queued", "merged", "rolled-back"], // a human may still merge a PR whose checks failed
  "rolled-back": [],
};

export function canMove(from: ChangeState, to: ChangeState): boolean {
  return from === to || EDGES[from].includes(to);
}

/** States in which the change still needs the app to do something. */
export const ACTIVE: readonly ChangeState[] = ["queued", "working", "pr", "checks", "review", "merged"];

export function isActive(s: ChangeState): boolean {
  return ACTIVE.includes(s);
}

/** The steps shown in the sticky progress comment, in order. */
export const STEPS: readonly { state: ChangeState; label: string }[] = [
  { state: "queued", label: "Queued" },
  { state: "working", label: "Agent working" },
  { state: "pr", label: "Pull request opened" },
  { state: "checks", label: "Checks" },
  { state: "review", label: "Review" },
  { state: "merged", label: "Merged" },
  { state: "deployed", label: "Deployed" },
];

export function stepIndex(s: ChangeState): number {
  return STEPS.findIndex((x) => x.state === s);
}
