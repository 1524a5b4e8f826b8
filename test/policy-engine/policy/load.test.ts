// Loading policies: defaults, clear errors with file/line/column, fail closed, how files combine.
import { describe, expect, it } from "vitest";
import { isPolicyFile, loadPolicy, MAIN_POLICY_FILE } from "../../../policy-engine/policy/load.ts";
import { policySchema } from "../../../policy-engine/policy/schema.ts";
import { DEFAULT_POLICY_TEXT } from "../rules/helpers.ts";

const main = (text: string) => ({ path: MAIN_POLICY_FILE, text });

function errorsOf(files: { path: string; text: string }[]) {
  const r = loadPolicy(files);
  if (r.ok) throw new Error("expected the policy to fail loading");
  return r.errors;
}

describe("loadPolicy", () => {
  it("loads the committed default policy, which spells out exactly the schema defaults", () => {
    const r = loadPolicy([main(DEFAULT_POLICY_TEXT)]);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.policy).toEqual(policySchema.parse({}));
  });

  it("has the seed defaults the app and agent rely on", () => {
    const r = loadPolicy([main("")]);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const p = r.policy;
    expect(p.mode).toBe("enforce");
    expect(p.editable).toEqual(["bot/plugins/**"]);
    for (const g of [
      "policies/**",
      ".github/**",
      "actions/**",
      "policy-engine/**",
      "contract/**",
      "app/**",
      "deploy-hook/**",
      "bot/**",
      "!bot/plugins/**",
      "local/**",
      "bench/**",
      "test/**",
      ".ci/**",
      "app.yml",
      "CODEOWNERS",
    ]) {
      expect(p.protected).toContain(g);
    }
    expect(p.limits).toMatchObject({ files: 5, charsAdded: 10_000 });
    expect(p.circuitBreaker).toEqual({ failureThreshold: 5, halfOpenAfterSeconds: 300, successThreshold: 3 });
    expect(p.rateLimits.globalPerMinute).toBe(10);
    expect(p.emergencyStop).toBe(false);
    expect(Object.keys(p.risk.levels)).toEqual(["safe", "low", "medium", "high", "critical"]);
  });

  it("fails closed when no policy file is given", () => {
    expect(errorsOf([])).toEqual([{ file: "policies", message: expect.stringContaining("no policy files") }]);
    expect(errorsOf([{ path: "policies/policy.schema.json", text: "{}" }])[0].message).toContain("no policy files");
  });

  it("requires the main file policies/ouro.yml", () => {
    expect(errorsOf([{ path: "policies/extra.yml", text: "mode: enforce\n" }])).toEqual([
      { file: MAIN_POLICY_FILE, message: expect.stringContaining("missing") },
    ]);
  });

  it("names file, line and column for unknown keys, wrong types and bad globs", () => {
    const text = [
      "mode: enforce", // 1
      "editable:", // 2
      "  - bot/plugins/**", // 3
      "  - /etc/**", // 4
      "limits:", // 5
      "  files: many", // 6
      "  colour: red", // 7
      'protected: ["a/{b"]', // 8
      "surprise: true", // 9
    ].join("\n");
    expect(errorsOf([main(text)])).toEqual([
      { file: MAIN_POLICY_FILE, line: 4, column: 5, message: expect.stringMatching(/editable\.1: .*relative.*"\/etc\/\*\*"/) },
      { file: MAIN_POLICY_FILE, line: 6, column: 10, message: expect.stringMatching(/^limits\.files: .*number/) },
      { file: MAIN_POLICY_FILE, line: 7, column: 3, message: 'unknown key "colour" in limits' },
      { file: MAIN_POLICY_FILE, line: 8, column: 13, message: expect.stringMatching(/protected\.0: unclosed "\{"/) },
      { file: MAIN_POLICY_FILE, line: 9, column: 1, message: 'unknown key "surprise" in (top level)' },
    ]);
  });

  it.each([
    ["a YAML syntax error", "mode: [enforce\n", /flow sequence|end with/i],
    ["a duplicate key", "mode: enforce\nmode: evaluate\n", /unique/i],
    ["a top-level list", "- a\n- b\n", /mapping/],
    ["an unsafe tag", "mode: !!js/function 'x'\n", /tag/i],
    ["a wrong enum value", "mode: relaxed\n", /mode: /],
    ["an invalid risk level", "risk:\n  default: scary\n", /risk\.default/],
    ["an invalid host pattern", 'network:\n  allowedHosts: ["https://x.com"]\n', /allowedHosts/],
    ["an invalid secret regex", 'secrets:\n  patterns: [{ name: x, regex: "(" }]\n', /regular expression/],
    ["a negative limit", "limits:\n  files: -1\n", /limits\.files/],
    ["an invalid override", "overrides:\n  api/eval: never\n", /overrides/],
    ["an override of an unknown rule", "overrides:\n  api/evall: off\n", /unknown rule id "api\/evall"/],
    ["a glob as plugin root", "tests:\n  pluginRoot: bot/*/\n", /tests\.pluginRoot/],
    [
      "a fallback model that is not a model name",
      'agent:\n  fallbackModels: ["gpt 4o, mini"]\n',
      /agent\.fallbackModels\.0: not a model name: "gpt 4o, mini"/,
    ],
    ["an empty fallback model", 'agent:\n  fallbackModels: [gpt-4o-mini, ""]\n', /agent\.fallbackModels\.1: not a model name: ""/],
  ])("rejects %s with a position", (_name, text, message) => {
    const errors = errorsOf([main(text)]);
    expect(errors[0].file).toBe(MAIN_POLICY_FILE);
    expect(errors[0].line).toBeGreaterThan(0);
    expect(errors[0].column).toBeGreaterThan(0);
    expect(errors[0].message).toMatch(message);
  });

  it("resists alias bombs", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    expect(errorsOf([main(bomb)])).toEqual([{ file: MAIN_POLICY_FILE, message: expect.stringMatching(/alias/i) }]);
  });

  it("merges other policies/*.yml files into the main one", () => {
    const r = loadPolicy([{ path: "policies/limits.yml", text: "limits:\n  files: 12\n" }, main("mode: evaluate\nlimits:\n  lines: 50\n")]);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.policy.mode).toBe("evaluate");
    expect(r.policy.limits).toMatchObject({ files: 12, lines: 50, charsAdded: 10_000 });
  });

  it("refuses a key set in two files, naming both", () => {
    const errors = errorsOf([main("limits:\n  files: 3\n"), { path: "policies/more.yaml", text: "# more\nlimits:\n  files: 30\n" }]);
    expect(errors).toEqual([
      { file: "policies/more.yaml", line: 3, column: 3, message: expect.stringContaining("already set in policies/ouro.yml") },
    ]);
  });

  it("refuses the same file given twice", () => {
    expect(errorsOf([main("mode: enforce\n"), main("mode: enforce\n")])).toEqual([
      { file: MAIN_POLICY_FILE, message: expect.stringContaining("twice") },
    ]);
  });

  it("reports errors from any file with that file's name", () => {
    const errors = errorsOf([main("mode: enforce\n"), { path: "policies/x.yml", text: "limits:\n  bogus: 1\n" }]);
    expect(errors).toEqual([{ file: "policies/x.yml", line: 2, column: 3, message: 'unknown key "bogus" in limits' }]);
  });
});

describe("isPolicyFile", () => {
  it.each([
    ["policies/ouro.yml", true],
    ["policies/extra.yaml", true],
    ["policies/policy.schema.json", false],
    ["policies/nested/x.yml", false],
    ["other/ouro.yml", false],
    ["policies/ouro.yml.bak", false],
  ])("%s → %s", (path, expected) => {
    expect(isPolicyFile(path)).toBe(expected);
  });
});
