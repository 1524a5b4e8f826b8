// Bad input gets a verdict, never a crash, and the engine changes nothing it is given.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../policy-engine/engine.ts";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import type { ChangedFile } from "../../../policy-engine/types.ts";
import { addedFile, changeSet, DEFAULT_POLICY_TEXT, modifiedFile } from "../rules/helpers.ts";

const loaded = loadPolicy([{ path: "policies/ouro.yml", text: DEFAULT_POLICY_TEXT }]);

describe("evaluate: robustness", () => {
  it("does not mutate the change set or the policy", () => {
    const files = [addedFile("bot/plugins/x/index.ts", `eval("x");\n`), modifiedFile("app/a.ts", "a\n", "b\n", [1])];
    const change = changeSet(...files);
    const before = JSON.stringify(change);
    const policyBefore = JSON.stringify(loaded);
    evaluate(change, loaded, { selfEdit: true });
    expect(JSON.stringify(change)).toBe(before);
    expect(JSON.stringify(loaded)).toBe(policyBefore);
  });

  it("is deterministic", () => {
    const change = changeSet(addedFile("bot/plugins/x/index.ts", `fetch(url);\nprocess.env.X;\n`), addedFile("README.md", "x\n"));
    expect(evaluate(change, loaded, { selfEdit: true })).toEqual(evaluate(change, loaded, { selfEdit: true }));
  });

  it.each<[string, ChangedFile]>([
    [
      "added lines beyond the end of the file",
      {
        path: "bot/plugins/x/a.ts",
        status: "modified",
        binary: false,
        before: "a\n",
        after: "b\n",
        addedLines: [1, 99, -3, 0],
        removedLineCount: 1,
      },
    ],
    [
      "a modified file without text",
      { path: "bot/plugins/x/a.ts", status: "modified", binary: false, addedLines: [1], removedLineCount: 0 },
    ],
    ["unparseable code", addedFile("bot/plugins/x/a.ts", "export const = = {{{ ((( `unterminated\n")],
    ["a huge single line", addedFile("bot/plugins/x/a.js", `export const x = [${"1,".repeat(200_000)}];\n`)],
    ["deeply nested code", addedFile("bot/plugins/x/a.ts", `export const x = ${"[".repeat(2_000)}${"]".repeat(2_000)};\n`)],
    ["a NUL byte and lone surrogates", addedFile("bot/plugins/x/a.txt", "a\u0000b\uD800c\n")],
    ["invalid JSON in package.json", modifiedFile("package.json", "{}", "{ nope", [1])],
    ["an empty path", addedFile("", "x\n")],
  ])("returns a verdict for %s", (_name, file) => {
    const v = evaluate(changeSet(file), loaded, { selfEdit: true });
    expect(["pass", "needs-approval", "block"]).toContain(v.decision);
    for (const f of v.findings) expect(typeof f.rule).toBe("string");
  });

  it("blocks an invalid package.json and an empty path", () => {
    expect(evaluate(changeSet(modifiedFile("package.json", "{}", "{ nope", [1])), loaded, { selfEdit: false }).decision).toBe("block");
    expect(evaluate(changeSet(addedFile("", "x\n")), loaded, { selfEdit: false }).findings).toContainEqual(
      expect.objectContaining({ rule: "paths/unnormalized" }),
    );
  });

  it("blocks (never passes) when the engine itself fails on malformed input", () => {
    const broken = { base: "a", head: "b", files: [null] } as unknown as Parameters<typeof evaluate>[0];
    expect(evaluate(broken, loaded, { selfEdit: false })).toMatchObject({
      decision: "block",
      risk: "critical",
      automerge: false,
      findings: [{ rule: "engine/error" }],
    });
  });

  it("an empty change passes at the lowest level", () => {
    expect(evaluate(changeSet(), loaded, { selfEdit: true })).toMatchObject({ decision: "pass", risk: "safe", findings: [] });
  });
});
