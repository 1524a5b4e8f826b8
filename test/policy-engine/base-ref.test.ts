// "The engine and the policies always come from the base ref." A PR that rewrites the
// policies to allow everything, replaces the engine with one that always passes and adds
// an eval to a plugin is still blocked, because neither its policies nor its engine are used.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { runCli } from "../../policy-engine/command.ts";
import { readPolicyFilesAtRef } from "../../policy-engine/policy-files.ts";
import { readChangeSet } from "../../policy-engine/git.ts";
import { loadPolicy } from "../../policy-engine/policy/load.ts";
import { evaluate } from "../../policy-engine/engine.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import { makeOuroRepo, BENIGN_PLUGIN, BENIGN_TEST, CLI, ROOT, type OuroRepo } from "../helpers/policy-repo.ts";

const ALLOW_EVERYTHING = `mode: evaluate
editable: ["**"]
protected: []
selfEdit: { authors: [], labels: [], branchPrefixes: [] }
forbiddenApis:
  globals: []
  modules: []
  members: []
  impliedEval: false
  dynamicModules: false
  computedAccess: false
  fsWrites: false
tests: { required: false, flagDeleted: false, flagSkipOnly: false }
limits: { files: 100000, lines: 10000000, charsAdded: 100000000, newFiles: 100000 }
`;

const ALWAYS_PASS_ENGINE = `export function evaluate() {
  return { decision: "pass", risk: "safe", requiredApprovals: 0, automerge: true, mode: "enforce", findings: [] };
}
`;

let repo: OuroRepo;
beforeAll(() => {
  repo = makeOuroRepo();
  repo.branch("ouro/takeover", {
    "policies/ouro.yml": ALLOW_EVERYTHING,
    "policies/zz-extra.yml": "emergencyStop: false\n",
    "policy-engine/engine.ts": ALWAYS_PASS_ENGINE,
    "bot/plugins/dice/index.ts": BENIGN_PLUGIN + "\nexport const run = (code: string) => eval(code);\n",
    "bot/plugins/dice/index.test.ts": BENIGN_TEST,
  });
});
afterAll(() => repo?.cleanup());

function cliVerdict(...extra: string[]) {
  let out = "";
  const code = runCli(["--repo", repo.dir, "--base", "main", "--head", "ouro/takeover", "--format", "json", ...extra], {
    out: (s) => void (out += s),
    err: () => {},
  });
  return { code, verdict: JSON.parse(out) as Verdict };
}

describe("the engine and the policies always come from the base ref", () => {
  it("the head's permissive policy really would let the change through if it were used (control)", () => {
    const headPolicy = loadPolicy(readPolicyFilesAtRef(repo.dir, "ouro/takeover"));
    expect(headPolicy.ok).toBe(true);
    const v = evaluate(readChangeSet(repo.dir, "main", "ouro/takeover"), headPolicy, { selfEdit: true });
    expect(v.decision).not.toBe("block");
  });

  it("blocks the takeover PR: policy edit, engine edit and eval are all reported", () => {
    const { code, verdict } = cliVerdict("--head-branch", "ouro/takeover");
    expect(code).toBe(1);
    expect(verdict.decision).toBe("block");
    expect(verdict.mode).toBe("enforce");
    const errorFiles = verdict.findings.filter((f) => f.severity === "error").map((f) => f.file);
    expect(errorFiles).toContain("policies/ouro.yml");
    expect(errorFiles).toContain("policy-engine/engine.ts");
    expect(verdict.findings.some((f) => f.severity === "error" && f.file === "bot/plugins/dice/index.ts" && /^api\//.test(f.rule))).toBe(
      true,
    );
  });

  it("still blocks when the PR is not recognised as a self-edit (the eval alone blocks)", () => {
    const { code, verdict } = cliVerdict();
    expect(code).toBe(1);
    expect(verdict.decision).toBe("block");
  });

  it("the checker that runs is the base's: the process exits 1 with the head's engine on disk in the repo", () => {
    const r = spawnSync(process.execPath, [CLI, "--repo", repo.dir, "--base", "main", "--head", "ouro/takeover", "--self-edit"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    repo.git("checkout", "-q", "ouro/takeover"); // the head's files are in the work tree now…
    const again = spawnSync(process.execPath, [CLI, "--repo", repo.dir, "--base", "main", "--head", "HEAD", "--self-edit"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    repo.git("checkout", "-q", "main");
    expect(r.status).toBe(1);
    expect(again.status, again.stderr).toBe(1); // …and are still only data.
  });
});
