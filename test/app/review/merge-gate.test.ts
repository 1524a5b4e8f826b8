import { describe, expect, it } from "vitest";
import { countApprovals, decideMerge, reviewersToAsk, staleApprovals } from "../../../app/review/merge-gate.ts";
import type { GateInput, Reviewers, Role } from "../../../app/review/merge-gate.ts";

const HEAD = "h".repeat(40);
const OLD = "o".repeat(40);
const roles = (r: Record<string, Role>): Reviewers => ({ roles: new Map(Object.entries(r)), codeOwners: [] });
const writers = roles({ bob: "write", carol: "maintain", dave: "admin" });

const base: GateInput = {
  verdict: { decision: "pass", risk: "low", requiredApprovals: 1, automerge: true },
  reviews: [{ login: "bob", state: "APPROVED", commitId: HEAD }],
  excluded: ["alice", "ouro[bot]"],
  reviewers: writers,
  headSha: HEAD,
  dismissStale: true,
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
    const r = decideMerge({
      ...base,
      reviews: [
        { login: "Alice", state: "APPROVED" },
        { login: "ouro[bot]", state: "APPROVED" },
      ],
    });
    expect(r).toMatchObject({ action: "review", approvals: 0, missing: 1 });
  });
  it("a Discord requester's linked login never counts, and the reason names it", () => {
    const r = decideMerge({ ...base, linkedLogin: "Bob", excluded: [...base.excluded, "bob"] });
    expect(r).toMatchObject({
      action: "review",
      approvals: 0,
      reason: expect.stringContaining("bob: the requester's own, linked from Discord"),
    });
  });
  it("an unlinked Discord requester needs one approval from someone the policy names", () => {
    const unlinked = { ...base, unlinkedRequester: true };
    expect(decideMerge(unlinked)).toMatchObject({ action: "review", reason: expect.stringMatching(/has not linked a GitHub account/) });
    for (const login of ["carol", "dave"])
      // maintain, admin
      expect(decideMerge({ ...unlinked, reviews: [{ login, state: "APPROVED" }] })).toEqual({ action: "merge", approvals: 1 });
    expect(decideMerge({ ...unlinked, reviewers: { ...writers, approvers: ["BOB"] } }).action).toBe("merge");
    expect(decideMerge({ ...unlinked, reviewers: { ...writers, codeOwners: ["bob"] } }).action).toBe("merge");
    // nothing to approve (risk safe): nothing is asked
    expect(decideMerge({ ...unlinked, verdict: { ...base.verdict, requiredApprovals: 0 } }).action).toBe("merge");
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
    const opts = { excluded: [], reviewers: writers };
    expect(
      countApprovals(
        [
          { login: "bob", state: "APPROVED" },
          { login: "bob", state: "CHANGES_REQUESTED" },
        ],
        opts,
      ).approvals,
    ).toBe(0);
    expect(
      countApprovals(
        [
          { login: "bob", state: "CHANGES_REQUESTED" },
          { login: "bob", state: "COMMENTED" },
          { login: "bob", state: "APPROVED" },
        ],
        opts,
      ).approvals,
    ).toBe(1);
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

describe("who may judge", () => {
  const review = (login: string, state = "APPROVED", commitId = HEAD, bot?: boolean) => ({ login, state, commitId, bot });
  it("write, maintain and admin approvals count; read, triage and unknown users' do not, and the reason says why", () => {
    const r = decideMerge({
      ...base,
      verdict: { ...base.verdict, requiredApprovals: 3 },
      reviewers: roles({ bob: "write", carol: "maintain", dave: "admin", rita: "read", tess: "triage" }),
      reviews: ["bob", "carol", "dave", "rita", "tess", "nobody"].map((l) => review(l)),
    });
    expect(r).toEqual({ action: "merge", approvals: 3 });
    const only = decideMerge({
      ...base,
      reviewers: roles({ rita: "read", tess: "triage" }),
      reviews: [review("rita"), review("tess"), review("nobody")],
    });
    expect(only).toMatchObject({ action: "review", approvals: 0, missing: 1 });
    expect((only as { reason: string }).reason).toMatch(/not counted: rita: read access; tess: triage access; nobody: no access/);
  });
  it("a code owner of the changed paths counts whatever the role; a bot never does", () => {
    expect(
      decideMerge({ ...base, reviewers: { roles: new Map([["olga", "read"]]), codeOwners: ["Olga"] }, reviews: [review("olga")] }),
    ).toMatchObject({ action: "merge" });
    const bots = decideMerge({
      ...base,
      reviewers: roles({ "helper[bot]": "admin", robo: "admin" }),
      reviews: [review("helper[bot]"), review("robo", "APPROVED", HEAD, true)],
    });
    expect(bots).toMatchObject({ action: "review", approvals: 0 });
    expect((bots as { reason: string }).reason).toMatch(/helper\[bot\]: a bot; robo: a bot/);
  });
  it("a read-only user's change request neither blocks nor counts; a writer's blocks", () => {
    const r = decideMerge({
      ...base,
      reviewers: roles({ bob: "write", rita: "read" }),
      reviews: [review("bob"), review("rita", "CHANGES_REQUESTED")],
    });
    expect(r).toEqual({ action: "merge", approvals: 1 });
    const blocked = decideMerge({
      ...base,
      reviewers: roles({ bob: "write", carol: "write" }),
      reviews: [review("bob"), review("carol", "CHANGES_REQUESTED")],
    });
    expect(blocked).toMatchObject({ action: "review", reason: "changes requested by carol" });
  });
  it("an approval of an earlier commit does not count while the switch is on; it does when off", () => {
    const stale = { ...base, reviews: [review("bob", "APPROVED", OLD)] };
    const r = decideMerge(stale);
    expect(r).toMatchObject({ action: "review", approvals: 0 });
    expect((r as { reason: string }).reason).toMatch(/bob: approved an earlier commit/);
    expect(decideMerge({ ...stale, dismissStale: false })).toMatchObject({ action: "merge" });
    expect(decideMerge({ ...stale, reviews: [review("bob", "APPROVED", OLD), review("bob", "APPROVED", HEAD)] })).toMatchObject({
      action: "merge",
    });
    expect(
      staleApprovals([review("bob", "APPROVED", OLD), review("carol", "CHANGES_REQUESTED", OLD), review("dave")], HEAD).map((x) => x.login),
    ).toEqual(["bob"]);
  });
  it("asks GitHub only about reviewers whose role matters (not the excluded, not bots, not commenters)", () => {
    expect(
      reviewersToAsk(
        [
          review("Alice"),
          review("Bob"),
          review("bob", "CHANGES_REQUESTED"),
          review("x[bot]"),
          review("carol", "COMMENTED"),
          review("robo", "APPROVED", HEAD, true),
        ],
        ["alice"],
      ),
    ).toEqual(["bob"]);
  });
});
