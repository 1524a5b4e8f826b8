// The code analysis on oxc-parser: no TypeScript compiler is loaded (observed for real, in a
// child process, through a module hook this test writes; the same hook seeing ts-morph load
// typescript proves the observation works), a file that does not parse fails closed,
// columns count UTF-16 units as TypeScript's did, and TypeScript's own syntax is walked.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeCode } from "../../../policy-engine/rules/code/analyze.ts";
import type { Finding, Verdict } from "../../../policy-engine/types.ts";
import { observeLoads, type LoadObserver } from "../../helpers/module-loads.ts";
import { makeOuroRepo, ROOT, type OuroRepo } from "../../helpers/policy-repo.ts";
import { addedFile, collector, context, modifiedFile } from "./helpers.ts";

const CLI = join(ROOT, "policy-engine/cli.ts");
const COMPILERS = /\/node_modules\/(typescript|ts-morph|@ts-morph\/common)\//;

let repo: OuroRepo;
let loads: LoadObserver;

beforeAll(() => {
  repo = makeOuroRepo();
  repo.branch("eval", { "bot/plugins/dice/index.ts": "export const run = (x: string) => eval(x);\n" });
  loads = observeLoads();
});
afterAll(() => {
  repo?.cleanup();
  loads?.cleanup();
});

/** Runs `args` under node with the hook; returns the result and every module resolved. */
const observed = (name: string, args: string[]) => loads.run(name, args);

describe("the policy check loads no TypeScript compiler", () => {
  it("finds an added eval in a .ts file without loading typescript or ts-morph", () => {
    const r = observed("cli", [CLI, "--repo", repo.dir, "--base", "main", "--head", "eval", "--format", "json", "--self-edit"]);
    expect(r.status, r.stderr).toBe(1);
    const verdict = JSON.parse(r.stdout) as Verdict;
    expect(verdict.findings.filter((f) => f.rule === "api/eval").map((f) => [f.file, f.line])).toEqual([["bot/plugins/dice/index.ts", 1]]);
    // the analysis did run, on oxc (from the sources or their JS build, whichever is current)
    expect(r.loaded.some((u) => /\/policy-engine\/rules\/code\/analyze\.m?[jt]s$/.test(u))).toBe(true);
    expect(r.loaded.some((u) => u.includes("/node_modules/oxc-parser/"))).toBe(true);
    expect(r.loaded.filter((u) => COMPILERS.test(u))).toEqual([]);
  });

  it("the same hook does see typescript load when ts-morph is imported (control)", () => {
    const r = observed("control", ["--input-type=module", "-e", 'await import("ts-morph");']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.loaded.some((u) => COMPILERS.test(u))).toBe(true);
  });
});

function findingsFor(path: string, code: string): Finding[] {
  const file = addedFile(path, code);
  const { findings, emit } = collector();
  analyzeCode(context([file]), file, emit);
  return findings;
}

describe("a file that does not parse", () => {
  it("gets an error finding at the syntax error, even when the eval is on a line oxc could read", () => {
    const findings = findingsFor("bot/plugins/demo/index.ts", "export const run = (x: string) => eval(x);\nconst = 3;\n");
    const parse = findings.filter((f) => f.rule === "engine/error");
    expect(parse).toEqual([
      {
        rule: "engine/error",
        severity: "error",
        file: "bot/plugins/demo/index.ts",
        line: 2,
        column: 7,
        message: expect.stringMatching(/^could not parse this file \(.+\), so its code could not be checked$/),
      },
    ]);
  });

  it("fails closed on a modified file too, where the broken line is not one the change added", () => {
    const before = "export const a = 1;\n";
    const after = "export const a = (;\nexport const b = eval(a);\n";
    const file = modifiedFile("bot/plugins/demo/index.ts", before, after, [2]);
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toContainEqual(["engine/error", "error", 1]);
  });

  it("a file that parses gets no such finding", () => {
    expect(findingsFor("bot/plugins/demo/index.ts", "export const a = 1;\n")).toEqual([]);
  });
});

describe("positions", () => {
  it("columns count UTF-16 code units (é is one, 😀 two), as TypeScript's did", () => {
    const findings = findingsFor("bot/plugins/demo/index.ts", 'const s = "é😀"; eval(s);\n');
    // 18 in UTF-16 units; UTF-8 offsets would put it at 21
    expect(findings.filter((f) => f.rule === "api/eval").map((f) => [f.line, f.column])).toEqual([[1, 18]]);
  });

  it("lines split on \\r\\n, \\r and U+2028 as TypeScript's did", () => {
    const findings = findingsFor("bot/plugins/demo/index.ts", "const a = 1;\r\nconst b = 2;\rconst c = 3;\u2028eval(a);\n");
    expect(findings.filter((f) => f.rule === "api/eval").map((f) => [f.line, f.column])).toEqual([[4, 1]]);
  });

  it("a template's text is placed at its backtick in .ts and .js alike", () => {
    for (const path of ["bot/plugins/demo/index.ts", "bot/plugins/demo/index.js"]) {
      const file = addedFile(path, "const p = 1;\nconst u = `/proc/self/${p}/environ`;\n");
      const { emit } = collector();
      const strings = analyzeCode(context([file]), file, emit);
      expect(strings, path).toEqual([
        { value: "/proc/self/", line: 2, column: 11 },
        { value: "/environ", line: 2, column: 26 },
      ]);
    }
  });
});

describe("TypeScript syntax is walked where it holds code", () => {
  it.each([
    ["as", "const r = (eval as any)(x);"],
    ["satisfies", "const r = (eval satisfies unknown)(x);"],
    ["non-null", "const r = eval!(x);"],
    ["type assertion", "const r = (<any>eval)(x);"],
    ["enum initialiser", "enum E { A = eval(x) }"],
    ["namespace body", "namespace N { eval(x); }"],
    ["decorator", "@((x: any) => eval(x)) class C {}"],
    ["class field", "class C { f = eval(x); }"],
    ["parameter property default", "class C { constructor(private f = eval) {} }"],
    ["optional call", "eval?.(x);"],
    ["optional chain", "globalThis?.eval(x);"],
    ["generic call", "eval<string>(x);"],
    ["instantiation expression", "const e = eval<string>; e(x);"],
  ])("%s", (_, code) => {
    expect(findingsFor("bot/plugins/demo/index.ts", `declare const x: string;\n${code}\n`).map((f) => f.rule)).toContain("api/eval");
  });

  it("import x = require(…) and export = are module loads and exports", () => {
    const rules = findingsFor("bot/plugins/demo/index.ts", 'import cp = require("node:child_process");\nexport = process;\n').map(
      (f) => f.rule,
    );
    expect(rules).toContain("api/forbidden-module");
    expect(rules).toContain("api/exported-alias");
  });

  it("types hold no code: names in them are not uses", () => {
    const code = "type T = typeof eval;\ninterface I { f: typeof process.env }\nexport const f = (a: typeof eval): T => a as T;\n";
    expect(findingsFor("bot/plugins/demo/index.ts", code)).toEqual([]);
  });

  it("a type-only import is ignored", () => {
    expect(
      findingsFor("bot/plugins/demo/index.ts", 'import type { ChildProcess } from "node:child_process";\nexport const n = 1;\n'),
    ).toEqual([]);
  });
});
