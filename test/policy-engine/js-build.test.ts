// The policy engine's JS build (policy-engine/js-build/): the check runs from it only while
// it is exactly what the sources make. Each case works on a copy of the engine in its own
// checkout (node_modules linked entry by entry, its .cache real), builds it there, and
// watches the real module loads of a cold `cli.mjs` process: the build's modules, or the
// .ts sources. A stale, edited, padded or foreign-Node build must never be the one that runs.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, relink } from "../../policy-engine/js-build/build.mjs";
import { checkBuild } from "../../policy-engine/js-build/manifest.mjs";
import type { Verdict } from "../../policy-engine/types.ts";
import { observeLoads, type LoadObserver } from "../helpers/module-loads.ts";
import { makeOuroRepo, BENIGN_PLUGIN, BENIGN_TEST, ROOT, type OuroRepo } from "../helpers/policy-repo.ts";

let checkout: string;
let buildDir: string;
let repo: OuroRepo;
let loads: LoadObserver;

beforeAll(() => {
  checkout = mkdtempSync(join(tmpdir(), "ouro-js-build-"));
  mkdirSync(join(checkout, "node_modules/.cache"), { recursive: true });
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name !== ".cache") symlinkSync(join(ROOT, "node_modules", name), join(checkout, "node_modules", name));
  }
  buildDir = join(checkout, "node_modules/.cache/ouro-policy-engine");
  repo = makeOuroRepo();
  repo.branch("code", { "bot/plugins/dice/index.ts": BENIGN_PLUGIN, "bot/plugins/dice/index.test.ts": BENIGN_TEST });
  repo.branch("eval", { "bot/plugins/dice/index.ts": "export const run = (s: string) => eval(s);\n" });
  repo.branch("docs", { "README.md": "# test repo\n\nMore words.\n" });
  loads = observeLoads();
});
afterAll(() => {
  repo?.cleanup();
  loads?.cleanup();
  if (checkout) rmSync(checkout, { recursive: true, force: true });
});

// every case starts from a fresh copy of today's sources, built
beforeEach(() => {
  rmSync(join(checkout, "policy-engine"), { recursive: true, force: true });
  rmSync(join(checkout, "policies"), { recursive: true, force: true });
  cpSync(join(ROOT, "policy-engine"), join(checkout, "policy-engine"), { recursive: true });
  mkdirSync(join(checkout, "policies"));
  cpSync(join(ROOT, "policies/policy.schema.json"), join(checkout, "policies/policy.schema.json"));
  rmSync(buildDir, { recursive: true, force: true });
  expect(build(checkout, buildDir)).toBe("built");
});

let runs = 0;
/** A cold policy-check of the copy; its result and which engine ran ("build", "sources"). */
function check(head: string, ...extra: string[]) {
  const r = loads.run(`run-${++runs}`, [
    join(checkout, "policy-engine/cli.mjs"),
    "--repo",
    repo.dir,
    "--base",
    "main",
    "--head",
    head,
    ...extra,
  ]);
  const fromBuild = r.loaded.filter((u) => u.startsWith(pathToFileURL(buildDir).href));
  const fromSources = r.loaded.filter((u) => u.startsWith(pathToFileURL(join(checkout, "policy-engine")).href) && u.endsWith(".ts"));
  expect(fromBuild.length === 0 || fromSources.length === 0, "one engine per run, never a mix").toBe(true);
  return { ...r, engine: fromBuild.length > 0 ? "build" : fromSources.length > 0 ? "sources" : "none" };
}

const helpText = (head = "docs") => check(head, "--help");
const USAGE_LINE = "Checks the change base...head of the git repository DIR";

describe("the policy engine's JS build", () => {
  it("runs when current, and gives the verdicts the sources give", () => {
    for (const head of ["code", "eval", "docs"]) {
      const built = check(head, "--format", "json", "--self-edit");
      expect(built.engine).toBe("build");
      expect(built.stderr).toBe("");
      process.env.OURO_POLICY_JS_BUILD = "off";
      let sources;
      try {
        sources = check(head, "--format", "json", "--self-edit");
      } finally {
        delete process.env.OURO_POLICY_JS_BUILD;
      }
      expect(sources.engine).toBe("sources");
      expect(built.status).toBe(sources.status);
      expect(JSON.parse(built.stdout)).toEqual(JSON.parse(sources.stdout));
    }
    const hostile = check("eval", "--format", "json", "--self-edit");
    expect(hostile.status).toBe(1);
    expect((JSON.parse(hostile.stdout) as Verdict).findings.map((f) => f.rule)).toContain("api/eval");
    // the code analysis is loaded from the build, and only for a code change
    expect(hostile.loaded.some((u) => u.endsWith("/ouro-policy-engine/policy-engine/rules/code/analyze.mjs"))).toBe(true);
    expect(check("docs", "--format", "json").loaded.some((u) => u.includes("/rules/code/"))).toBe(false);
  });

  it("is not used once a source changed: the check runs the edited source", () => {
    const command = join(checkout, "policy-engine/command.ts");
    writeFileSync(command, readFileSync(command, "utf8").replace(USAGE_LINE, "EDITED SINCE THE BUILD"));
    const r = helpText();
    expect(r.engine).toBe("sources");
    expect(r.stdout).toContain("EDITED SINCE THE BUILD");
    expect(checkBuild(checkout, buildDir)).toEqual({ stale: "the sources changed since the build" });
  });

  it("is not used when a source file is added or removed under policy-engine/", () => {
    writeFileSync(join(checkout, "policy-engine/rules/extra.ts"), "export const x = 1;\n");
    expect(helpText().engine).toBe("sources");
    expect(build(checkout, buildDir)).toBe("built");
    expect(helpText().engine).toBe("build");
    rmSync(join(checkout, "policy-engine/rules/extra.ts"));
    expect(helpText().engine).toBe("sources");
  });

  it("is not used when the schema it copies changed", () => {
    appendFileSync(join(checkout, "policies/policy.schema.json"), "\n");
    expect(helpText().engine).toBe("sources");
  });

  it("is not used when one of its files was edited, even with the manifest left alone", () => {
    const out = join(buildDir, "policy-engine/command.mjs");
    writeFileSync(out, readFileSync(out, "utf8").replace(USAGE_LINE, "TAMPERED"));
    const r = helpText();
    expect(r.engine).toBe("sources");
    expect(r.stdout).toContain(USAGE_LINE);
    expect(r.stdout).not.toContain("TAMPERED");
  });

  it("is not used with a file added to it (a node_modules that would shadow a dependency)", () => {
    mkdirSync(join(buildDir, "policy-engine/node_modules/yaml"), { recursive: true });
    writeFileSync(join(buildDir, "policy-engine/node_modules/yaml/index.js"), "throw new Error('shadowed');\n");
    expect(helpText().engine).toBe("sources");
    expect(checkBuild(checkout, buildDir)).toEqual({ stale: "the build's files are not the ones it made" });
  });

  it("is not used when built by another Node, nor without a readable manifest", () => {
    const manifest = join(buildDir, "manifest.json");
    const text = readFileSync(manifest, "utf8");
    writeFileSync(manifest, text.replace(`"node": "${process.version}"`, '"node": "v0.0.1"'));
    expect(helpText().engine).toBe("sources");
    writeFileSync(manifest, "{ not json");
    expect(helpText().engine).toBe("sources");
    rmSync(manifest);
    expect(helpText().engine).toBe("sources");
    expect(checkBuild(checkout, buildDir)).toEqual({ stale: "no build" });
  });

  it("is rebuilt only when stale", () => {
    expect(build(checkout, buildDir)).toBe("current");
    appendFileSync(join(checkout, "policy-engine/format.ts"), "\n");
    expect(build(checkout, buildDir)).toBe("built");
    expect(helpText().engine).toBe("build");
  });

  it("refuses to build a module whose loads it cannot follow, saying which", () => {
    const known = new Set(["policy-engine/a.ts", "policy-engine/b.ts"]);
    expect(relink("policy-engine/a.ts", 'import { b } from "./b.ts";\n', known).code).toBe('import { b } from "./b.mjs";\n');
    expect(() => relink("policy-engine/a.ts", "const m = require(name);\n", known)).toThrow(
      "policy-engine/a.ts: a computed require(); the JS build cannot follow it",
    );
    expect(() => relink("policy-engine/a.ts", 'export * from "./c.ts";\n', known)).toThrow(
      'import "./c.ts" is not one of the engine\'s .ts files',
    );
    expect(() => relink("policy-engine/a.ts", 'const u = new URL("./data.json", import.meta.url);\n', known)).toThrow(
      "names a file the build does not copy",
    );
  });
});
