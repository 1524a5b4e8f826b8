// File-level rules run directly: unicode, secrets, limits, dependencies, paths, risk.
import { describe, expect, it } from "vitest";
import { checkUnicode, suspiciousCharacters } from "../../../policy-engine/rules/unicode.ts";
import { checkSecrets, entropy, looksRandom } from "../../../policy-engine/rules/secrets.ts";
import { checkLimits } from "../../../policy-engine/rules/limits.ts";
import { checkDependencies } from "../../../policy-engine/rules/dependencies.ts";
import { checkPaths } from "../../../policy-engine/rules/paths.ts";
import { checkFileKind } from "../../../policy-engine/rules/file-kinds.ts";
import { pathLevel, scoreRisk } from "../../../policy-engine/rules/risk.ts";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import type { ChangedFile } from "../../../policy-engine/types.ts";
import { addedFile, collector, context, DEFAULT_POLICY_TEXT, modifiedFile } from "./helpers.ts";

const policyWith = (yaml: string) => {
  const r = loadPolicy([{ path: "policies/ouro.yml", text: yaml }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
};

describe("unicode", () => {
  it.each([
    ["plain ASCII", "const a = 1;", []],
    ["RLO", "a\u202Eb", ["bidi"]],
    ["LRI/PDI", "\u2066x\u2069", ["bidi", "bidi"]],
    ["zero-width space", "a\u200Bb", ["invisible"]],
    ["tag characters (ASCII smuggling)", "hi\u{E0041}\u{E0042}", ["invisible", "invisible"]],
    ["Hangul filler", "a\u3164b", ["invisible"]],
    ["emoji with ZWJ and skin tone", "\u{1F469}\u200D\u{1F4BB} \u{1F44B}\u{1F3FD} \u2764\uFE0F", []],
    ["a lone ZWJ between letters", "a\u200Db", ["invisible"]],
    ["accented and CJK text", "café 日本語 Привет", []],
  ])("%s", (_name, text, kinds) => {
    expect(suspiciousCharacters(text).map((h) => h.kind)).toEqual(kinds);
  });

  it("allows a BOM at the start of a file, not elsewhere", () => {
    const { findings, emit } = collector();
    checkUnicode(addedFile("a.ts", "\uFEFFexport {};\n\uFEFFx\n"), emit);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([["unicode/invisible", 2]]);
  });

  it("checks only added lines", () => {
    const { findings, emit } = collector();
    checkUnicode(modifiedFile("a.md", "a\u202E\n", "a\u202E\nb\n", [2]), emit);
    expect(findings).toEqual([]);
  });
});

describe("secrets", () => {
  it("entropy is bits per character", () => {
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
  });

  it.each([
    [["q8Zr2Lk9Vw", "3Xp7Tn1Ys5"].join(""), true],
    ["SlashCommandBuilder2024", false],
    ["k8sServiceAccountTokenProvider", false],
    ["550e8400-e29b-41d4-a716-446655440000", false],
    ["da39a3ee5e6b4b0d3255bfef95601890afd80709", false],
    ["sha512-q8Zr2Lk9Vw3Xp7Tn1Ys5Bd4Hm6Jf0Gc", false],
    ["./structures/OAuth2Guild", false],
    ["short1A", false],
  ])("looksRandom(%s) → %s", (value, expected) => {
    expect(looksRandom(value, 20, 3.8)).toBe(expected);
  });

  it("applies custom patterns and skips entropy in ignored files", () => {
    const policy = policyWith("secrets:\n  patterns: [{ name: internal-key, regex: 'INT-[0-9]{6}' }]\n");
    const ctx = context([], { policy });
    const { findings, emit } = collector();
    checkSecrets(ctx, addedFile("docs/a.md", "key: INT-123456\n"), undefined, emit);
    const random = ["q8Zr2Lk9Vw", "3Xp7Tn1Ys5", "Bd4Hm6Jf0Gc"].join("");
    checkSecrets(ctx, addedFile("package-lock.json", `"integrity": "${random}"\n`), undefined, emit);
    checkSecrets(ctx, addedFile("docs/b.md", `"${random}"\n`), undefined, emit);
    expect(findings.map((f) => [f.rule, f.file])).toEqual([
      ["secrets/internal-key", "docs/a.md"],
      ["secrets/high-entropy", "docs/b.md"],
    ]);
  });

  it("ignores identifiers and digests named as such in data files", () => {
    const { findings, emit } = collector();
    const id = ["MDIzOkludGVn", "cmF0aW9uSW5z", "dGFsbGF0aW9u"].join("");
    checkSecrets(context([]), addedFile("test/fixtures/event.json", `{ "node_id": "${id}", "head_sha": "${id}" }\n`), undefined, emit);
    expect(findings).toEqual([]);
    checkSecrets(context([]), addedFile("test/fixtures/event.json", `{ "password": "${id}" }\n`), undefined, emit);
    expect(findings.map((f) => f.rule)).toEqual(["secrets/high-entropy"]);
  });

  it("finds a Slack token and a private key in any text file", () => {
    const { findings, emit } = collector();
    const text = ["xoxb-", "1234567890-abcdefghij", "\n-----BEGIN RSA ", "PRIVATE KEY-----\n"].join("");
    checkSecrets(context([]), addedFile("x.txt", text), undefined, emit);
    expect(findings.map((f) => f.rule)).toEqual(["secrets/slack-token", "secrets/private-key"]);
  });
});

describe("limits", () => {
  it("counts added plus removed lines", () => {
    const big = modifiedFile(
      "bot/plugins/a/a.ts",
      "x\n",
      `${"y\n".repeat(900)}`,
      Array.from({ length: 900 }, (_, i) => i + 1),
      { removedLineCount: 200 },
    );
    const { findings, emit } = collector();
    checkLimits(context([big]), emit);
    expect(findings.map((f) => f.rule)).toEqual(["limits/lines"]);
    expect(findings[0]).toMatchObject({ severity: "error", message: "1100 lines added or removed (limit 1000)" });
  });
});

describe("dependencies", () => {
  it("flags non-registry lockfile entries and an invalid lockfile", () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: { "": {}, "node_modules/x": { version: "1.0.0", resolved: "https://evil.example/x.tgz" } },
    });
    const { findings, emit } = collector();
    checkDependencies(
      context([addedFile("package-lock.json", lock), modifiedFile("bot/package-lock.json", "{}", "[1]", [1])], { selfEdit: false }),
      emit,
    );
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ["deps/non-registry", "warning"],
      ["deps/invalid-lockfile", "error"],
    ]);
  });

  it("ignores unchanged entries and allows a version-pinned deny entry for other versions", () => {
    const before = JSON.stringify({ dependencies: { colors: "1.4.0", a: "1.0.0" } });
    const after = JSON.stringify({ dependencies: { colors: "1.4.1", a: "1.0.0" } });
    const ok = JSON.stringify({ dependencies: { colors: "1.4.2", a: "1.0.0" } });
    const { findings, emit } = collector();
    checkDependencies(context([modifiedFile("package.json", before, after, [1])]), emit);
    checkDependencies(context([modifiedFile("package.json", before, ok, [1])]), emit);
    expect(findings.map((f) => f.rule)).toEqual(["deps/denied"]);
  });
});

describe("paths and file kinds", () => {
  it("flags unnormalized paths and copies into protected paths", () => {
    const { findings, emit } = collector();
    const ctx = context([], { selfEdit: false });
    checkPaths(ctx, addedFile("bot/plugins/../core/x.ts", "x\n"), emit);
    const copy: ChangedFile = { ...addedFile(".github/workflows/x.yml", "x\n"), status: "copied", oldPath: "bot/plugins/x/x.yml" };
    checkPaths(ctx, copy, emit);
    expect(findings.map((f) => f.rule)).toEqual(["paths/unnormalized", "paths/protected", "paths/protected", "paths/rename-protected"]);
    expect(findings.at(-1)!.message).toMatch(/^copies a file into a protected path/);
  });

  it("reports a type change and an informational mode change", () => {
    const { findings, emit } = collector();
    const ctx = context([], { selfEdit: false });
    checkFileKind(
      ctx,
      { ...modifiedFile("bot/plugins/a/x.ts", "a", "b", [1]), status: "type-changed", oldMode: "120000", newMode: "100644" },
      emit,
    );
    checkFileKind(ctx, modifiedFile("bot/plugins/a/y.sh", "a", "a", [], { oldMode: "100755", newMode: "100644" }), emit);
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ["files/type-change", "warning"],
      ["files/mode", "info"],
    ]);
  });
});

describe("risk", () => {
  it("takes the first matching path entry, at least risk.protected for protected paths", () => {
    const ctx = context([]);
    expect(pathLevel(ctx, "docs/a.md")).toBe("safe");
    expect(pathLevel(ctx, "bot/plugins/a/README.md")).toBe("safe");
    expect(pathLevel(ctx, "bot/plugins/a/index.ts")).toBe("low");
    expect(pathLevel(ctx, "app/x.ts")).toBe("high");
    expect(pathLevel(ctx, "policies/ouro.yml")).toBe("critical");
    expect(pathLevel(ctx, "src/other.ts")).toBe("low");
  });

  it("a finding raises the level by its severity", () => {
    const ctx = context([addedFile("docs/a.md", "x\n")]);
    expect(scoreRisk(ctx, [])).toBe("safe");
    expect(scoreRisk(ctx, [{ rule: "x/y", severity: "warning", message: "" }])).toBe("medium");
    expect(scoreRisk(ctx, [{ rule: "x/y", severity: "error", message: "" }])).toBe("critical");
  });

  it("the policy decides the mapping", () => {
    const policy = policyWith(
      `${DEFAULT_POLICY_TEXT.split("risk:")[0]}risk:\n  default: medium\n  paths: []\n  findings: { warning: high }\n`,
    );
    const ctx = context([addedFile("docs/a.md", "x\n")], { policy });
    expect(scoreRisk(ctx, [])).toBe("medium");
    expect(scoreRisk(ctx, [{ rule: "x/y", severity: "warning", message: "" }])).toBe("high");
  });
});
