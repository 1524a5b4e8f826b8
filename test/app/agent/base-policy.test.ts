// The base policy is read once per commit (app/agent/policy.ts): a commit's files never
// change, so a later run on the same base gets the same policy without reading git again;
// another commit, or a branch name that moved, gets its own; and no caller's copy can
// change what the next caller gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBasePolicy } from "../../../app/agent/policy.ts";
import { makeAgentRepo, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
let second: string;

beforeAll(() => {
  repo = makeAgentRepo();
  const yml = readFileSync(join(repo.dir, "policies/ouro.yml"), "utf8");
  expect(yml).toMatch(/^ {2}maxTurns: 20$/m);
  repo.write({ "policies/ouro.yml": yml.replace(/^ {2}maxTurns: 20$/m, "  maxTurns: 7") });
  second = repo.commit("fewer turns");
});
afterAll(() => repo?.cleanup());

describe("the base policy, loaded once per commit", () => {
  it("is the same policy on the same commit, as a copy no caller can change for the next", () => {
    const a = loadBasePolicy(repo.dir, repo.base);
    a.policy.agent.maxTurns = 999;
    a.policy.editable.push("app/**");
    const b = loadBasePolicy(repo.dir, repo.base);
    expect(b.policy.agent.maxTurns).toBe(20);
    expect(b.policy.editable).not.toContain("app/**");
    expect(b.guard("app/main.ts")).toBeDefined();
  });

  it("is read anew for another commit, and for a branch name at every call", () => {
    expect(loadBasePolicy(repo.dir, second).policy.agent.maxTurns).toBe(7);
    expect(loadBasePolicy(repo.dir, repo.base).policy.agent.maxTurns).toBe(20);
    repo.git("branch", "-f", "moving", repo.base);
    expect(loadBasePolicy(repo.dir, "moving").policy.agent.maxTurns).toBe(20);
    repo.git("branch", "-f", "moving", second);
    expect(loadBasePolicy(repo.dir, "moving").policy.agent.maxTurns).toBe(7);
  });

  it("is keyed by the trusted files' text when the caller gives them", () => {
    const yml = readFileSync(join(repo.dir, "policies/ouro.yml"), "utf8");
    const turns = (n: number) =>
      loadBasePolicy(repo.dir, repo.base, [{ path: "policies/ouro.yml", text: yml.replace(/^ {2}maxTurns: \d+$/m, `  maxTurns: ${n}`) }])
        .policy.agent.maxTurns;
    expect(turns(3)).toBe(3);
    expect(turns(4)).toBe(4);
    expect(turns(3)).toBe(3);
  });
});
