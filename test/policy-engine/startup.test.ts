// The policy check's start-up: a cold `policy-check` process loads only what the change
// needs. Module loads are observed for real, in a child process, through a module hook
// this test writes (it sees import() and require() alike); the same hook seeing the code
// analysis load for a .ts change proves the observation works. The engine runs from its JS
// build when that is current (js-build.test.ts), else from the sources: either counts here.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runCli } from "../../policy-engine/command.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import { observeLoads, type LoadObserver } from "../helpers/module-loads.ts";
import { makeOuroRepo, BENIGN_PLUGIN, BENIGN_TEST, ROOT, type OuroRepo } from "../helpers/policy-repo.ts";

const ENTRY = join(ROOT, "policy-engine/cli.mjs");
const ENGINES = [join(ROOT, "policy-engine/"), join(ROOT, "node_modules/.cache/ouro-policy-engine/policy-engine/")];
const CODE_ANALYSIS = ENGINES.map((dir) => pathToFileURL(join(dir, "rules/code/")).href);
/** The module's URL in whichever engine ran: the .ts source or its build. */
const engineModule = (loaded: string[], path: string) =>
  loaded.find((u) => ENGINES.some((dir) => [".ts", ".mjs"].some((ext) => u === pathToFileURL(join(dir, path + ext)).href)));

let repo: OuroRepo;
let loads: LoadObserver;

beforeAll(() => {
  repo = makeOuroRepo();
  repo.branch("docs", { "README.md": "# test repo\n\nMore words.\n" });
  repo.branch("config", { "bot/plugins/dice/data.json": '{ "sides": 6 }\n' });
  repo.branch("code", { "bot/plugins/dice/index.ts": BENIGN_PLUGIN, "bot/plugins/dice/index.test.ts": BENIGN_TEST });
  repo.branch("eval", { "bot/plugins/dice/index.ts": "export const run = (s: string) => eval(s);\n" });
  loads = observeLoads();
});
afterAll(() => {
  repo?.cleanup();
  loads?.cleanup();
});

/** Runs the CLI as a process with the hook; returns its result and every module it resolved. */
function runObserved(head: string, ...extra: string[]) {
  return loads.run(`${head}-${extra.length}`, [ENTRY, "--repo", repo.dir, "--base", "main", "--head", head, ...extra]);
}

const analysisModules = (loaded: string[]) => loaded.filter((u) => CODE_ANALYSIS.some((dir) => u.startsWith(dir)));

describe("policy-check start-up", () => {
  it("never loads the code analysis when no code file changed", () => {
    for (const head of ["docs", "config"]) {
      const r = runObserved(head, "--format", "json");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect((JSON.parse(r.stdout) as Verdict).decision).not.toBe("block");
      // the run got as far as a verdict: the policy and the rules did load
      expect(engineModule(r.loaded, "engine")).toBeDefined();
      expect(analysisModules(r.loaded)).toEqual([]);
      // nor any parser, nor zod: a valid policy is read without it (policy/fast-parse.ts)
      expect(r.loaded.filter((u) => /\/node_modules\/(oxc-parser|ts-morph|typescript|zod)\//.test(u))).toEqual([]);
    }
  });

  it("loads it when a .ts file changed, and finds what it is for", () => {
    const benign = runObserved("code", "--format", "json", "--self-edit");
    expect(benign.status, benign.stderr).toBe(0);
    expect(engineModule(analysisModules(benign.loaded), "rules/code/analyze")).toBeDefined();

    const hostile = runObserved("eval", "--format", "json", "--self-edit");
    expect(hostile.status, hostile.stderr).toBe(1);
    expect(engineModule(analysisModules(hostile.loaded), "rules/code/analyze")).toBeDefined();
    expect((JSON.parse(hostile.stdout) as Verdict).findings.map((f) => f.rule)).toContain("api/eval");
  });

  it("the entry of old (cli.ts) runs the same check", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "policy-engine/cli.ts"), "--repo", repo.dir, "--base", "main", "--head", "eval"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^policy-check: BLOCK/);
  });

  it("reports a broken base policy exactly as the in-process check does, and still blocks", () => {
    const broken = makeOuroRepo();
    try {
      broken.write({
        "policies/ouro.yml": "mode: enforce\nlimits:\n  files: many\nunknownKey: 1\ndangerousStrings:\n  - { name: x, regex: '(' }\n",
      });
      broken.commit("break the policy on main");
      broken.branch("docs", { "README.md": "# changed\n" });
      const args = ["--repo", broken.dir, "--base", "main", "--head", "docs", "--format", "json"];
      let out = "";
      let err = "";
      const code = runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
      const child = spawnSync(process.execPath, [ENTRY, ...args], { cwd: ROOT, encoding: "utf8" });
      expect(code).toBe(2);
      expect(child.status).toBe(2);
      expect(child.stderr).toBe(err);
      expect(child.stdout).toBe(out);
      expect(err).toContain("policy error: policies/ouro.yml:3:10: limits.files:");
      expect(err).toContain('unknown key "unknownKey" in (top level)');
      expect(err).toContain("invalid regular expression");
      expect((JSON.parse(out) as Verdict).decision).toBe("block");
    } finally {
      broken.cleanup();
    }
  });
});
