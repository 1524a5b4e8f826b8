import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRepo, type TestRepo } from "../helpers/git.ts";
import { readPolicyFilesAtRef, readPolicyFilesFromDir, PolicySourceError } from "../../policy-engine/policy-files.ts";
import { GitError } from "../../policy-engine/git.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ouro-policies-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe("readPolicyFilesFromDir (the Action's base checkout)", () => {
  it("names files as in the repo, keeps only policy YAML and does not follow symlinks", () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(dir, "ouro.yml"), "mode: enforce\n");
    writeFileSync(join(dir, "extra.yaml"), "emergencyStop: false\n");
    writeFileSync(join(dir, "policy.schema.json"), "{}\n");
    mkdirSync(join(dir, "nested"));
    writeFileSync(join(dir, "nested", "deep.yml"), "mode: evaluate\n");
    writeFileSync(join(outside, "evil.yml"), "mode: evaluate\n");
    symlinkSync(join(outside, "evil.yml"), join(dir, "linked.yml"));
    expect(readPolicyFilesFromDir(dir)).toEqual([
      { path: "policies/extra.yaml", text: "emergencyStop: false\n" },
      { path: "policies/ouro.yml", text: "mode: enforce\n" },
    ]);
  });

  it("reports a missing folder and non-UTF-8 files clearly", () => {
    expect(() => readPolicyFilesFromDir(join(tempDir(), "nope"))).toThrow(PolicySourceError);
    const dir = tempDir();
    writeFileSync(join(dir, "ouro.yml"), Buffer.from([0x6d, 0x3a, 0x20, 0xff, 0x0a]));
    expect(() => readPolicyFilesFromDir(dir)).toThrow(/policies\/ouro\.yml is not a UTF-8 text file/);
  });
});

describe("readPolicyFilesAtRef (the CLI's base ref)", () => {
  let repo: TestRepo;
  afterEach(() => repo?.cleanup());

  it("reads the policy files committed at the ref, not the work tree or another ref", () => {
    repo = makeRepo();
    repo.write({ "policies/ouro.yml": "mode: enforce\n", "policies/policy.schema.json": "{}\n" });
    repo.commit("base");
    repo.write({ "policies/ouro.yml": "mode: evaluate\n", "policies/uncommitted.yml": "x: 1\n" });
    expect(readPolicyFilesAtRef(repo.dir, "main")).toEqual([{ path: "policies/ouro.yml", text: "mode: enforce\n" }]);
    expect(() => readPolicyFilesAtRef(repo.dir, "nope")).toThrow(GitError);
  });
});
