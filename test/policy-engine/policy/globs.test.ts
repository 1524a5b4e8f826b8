// Glob validation and the .gitignore-like list semantics.
import { describe, expect, it } from "vitest";
import { compileGlobs, globProblem } from "../../../policy-engine/policy/globs.ts";

describe("globProblem", () => {
  it.each([
    ["bot/plugins/**", undefined],
    ["!bot/plugins/**", undefined],
    ["**/*.{ts,js}", undefined],
    ["src/[abc].ts", undefined],
    ["", /empty/],
    ["!", /empty/],
    [" bot/**", /spaces/],
    ["/etc/**", /relative/],
    ["bot\\plugins", /forward slashes/],
    ["bot//x", /empty path segment/],
    ["../x/**", /\.\./],
    ["a/./b", /\./],
    ["a/{b,c", /unclosed "\{"/],
    ["a/[bc", /unclosed "\["/],
    ["a/b}", /unbalanced/],
  ])("%j → %s", (glob, problem) => {
    const p = globProblem(glob);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(problem);
  });
});

describe("compileGlobs", () => {
  const m = compileGlobs(["bot/**", "!bot/plugins/**", "**/package.json"]);
  it.each([
    ["bot/core/x.ts", true],
    ["bot/plugins/x/index.ts", false],
    ["bot/plugins/x/package.json", true],
    ["package.json", true],
    [".github/x", false],
  ])("%s → %s", (path, expected) => {
    expect(m(path)).toBe(expected);
  });

  it("matches dotfiles and, when asked, ignores case", () => {
    expect(compileGlobs([".github/**"])(".github/workflows/a.yml")).toBe(true);
    expect(compileGlobs(["**"])(".env")).toBe(true);
    expect(compileGlobs(["policies/**"], { nocase: true })("POLICIES/x.yml")).toBe(true);
    expect(compileGlobs(["policies/**"])("POLICIES/x.yml")).toBe(false);
  });

  it("an empty list matches nothing, a lone negation too", () => {
    expect(compileGlobs([])("a")).toBe(false);
    expect(compileGlobs(["!a"])("a")).toBe(false);
  });
});
