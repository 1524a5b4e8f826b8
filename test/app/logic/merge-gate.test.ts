import { describe, expect, it } from "vitest";
import { countApprovals, decideMerge } from "../../../app/logic/merge-gate.ts";
import type { GateInput } from "../../../app/logic/merge-gate.ts";

const base: GateInput = {
  verdict: { decision: "pass", risk: "low", requiredApprovals: 1, automerge: true },
  reviews: [{ login: "bob", state: "APPROVED" }],
  excluded: ["alice", "ouro[bot]"],
  checks: "success",
  votes: { required: 0, up: 0, down: 0 },
  stopped: false,
  breakerOpen: false,
  headMatches: true,
};

describe("merge gate", () => {
  it("merges when checks pass, approvals are there and policy allows automerge", () => {
    expect(decideMerge(base)).toEqual({ action: "merge", approvals: 1 });
  });
  it("the requester's own approval never counts, nor the App's", () => {
    const r = decideMerge({ ...base, reviews: [{ login: "Alice", state: "APPROVED" }, { login: "ouro[bot]", state: "APPROVED" }] });
    expect(r).toMatchObject({ action: "review", approvals: 0, missing: 1 });
  });
  it("waits for checks and fails on failed checks", () => {
    expect(decideMerge({ ...base, checks: "pending" }).action).toBe("wait");
    expect(decideMerge({ ...base, checks: "failure" }).action).toBe("failed");
  });
  it("asks for review when the risk level does not allow automerge or the verdict blocks", () => {
    expect(decideMerge({ ...base, verdict: { ...base.verdict, risk: "medium", automerge: false } })).toMatchObject({ action: "review" });
    expect(decideMerge({ ...base, verdict: { ...base.verdict, decision: "block" } })).toMatchObject({ action: "review" });
    expect(decideMerge({ ...base, headMatches: false })).toMatchObject({ action: "review" });
  });
  it("a later change request cancels an approval; latest review per user wins", () => {
    expect(countApprovals([{ login: "bob", state: "APPROVED" }, { login: "bob", state: "CHANGES_REQUESTED" }], []).approvals).toBe(0);
    expect(countApprovals([{ login: "bob", state: "CHANGES_REQUESTED" }, { login: "bob", state: "COMMENTED" }, { login: "bob", state: "APPROVED" }], []).approvals).toBe(1);
  });
  it("needs the community votes when the policy asks", () => {
    const v = { ...base, votes: { required: 2, up: 2, down: 1 } };
    expect(decideMerge(v)).toMatchObject({ action: "wait", reason: "community votes: 1 of 2" });
    expect(decideMerge({ ...v, votes: { required: 2, up: 3, down: 1 } }).action).toBe("merge");
  });
  it("emergency stop and an open breaker hold automerge", () => {
    expect(decideMerge({ ...base, stopped: true })).toMatchObject({ action: "wait", reason: expect.stringMatching(/emergency stop/) });
    expect(decideMerge({ ...base, breakerOpen: true })).toMatchObject({ action: "wait", reason: expect.stringMatching(/circuit breaker/) });
  });
});
