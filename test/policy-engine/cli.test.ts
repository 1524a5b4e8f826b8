// The CLI over real git repositories: a corpus of benign and hostile changes, output
// formats, exit codes, bad refs and malformed base policies (fail closed).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { runCli } from "../../policy-engine/command.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import { makeOuroRepo, BENIGN_PLUGIN, BENIGN_TEST, CLI, ROOT, type OuroRepo } from "../helpers/policy-repo.ts";

let repo: OuroRepo;

function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}
function verdictOf(head: string, ...extra: string[]): { code: number; verdict: Verdict; err: string } {
  const r = cli("--repo", repo.dir, "--base", "main", "--head", head, "--format", "json", ...extra);
  return { code: r.code, verdict: JSON.parse(r.out) as Verdict, err: r.err };
}
const rules = (v: Verdict) => v.findings.filter((f) => f.severity === "error").map((f) => f.rule);

beforeAll(() => {
  repo = makeOuroRepo();
  repo.branch("benign", { "bot/plugins/dice/index.ts": BENIGN_PLUGIN, "bot/plugins/dice/index.test.ts": BENIGN_TEST });
  repo.branch("docs", { "README.md": "# test repo\n\nMore words.\n" });
  repo.branch("eval", {
    "bot/plugins/dice/index.ts": BENIGN_PLUGIN + "\nexport function run(code: string) {\n  return eval(code);\n}\n",
    "bot/plugins/dice/index.test.ts": BENIGN_TEST,
  });
  repo.branch("indirect-eval", {
    "bot/plugins/calc/index.ts": "export const calc = (s: string) => (0, eval)(s);\n",
    "bot/plugins/calc/index.test.ts": BENIGN_TEST,
  });
  repo.branch("computed-global", {
    "bot/plugins/calc/index.ts": 'const k = "ev" + "al";\nexport const calc = (s: string) => (globalThis as any)[k](s);\n',
    "bot/plugins/calc/index.test.ts": BENIGN_TEST,
  });
  repo.branch("child-process", {
    "bot/plugins/shell/index.ts":
      'import { execSync } from "node:child_process";\nexport const sh = (c: string) => execSync(c).toString();\n',
    "bot/plugins/shell/index.test.ts": BENIGN_TEST,
  });
  repo.branch("new-function", {
    "bot/plugins/calc/index.ts": 'export const f = Function.prototype.constructor("return process")();\n',
    "bot/plugins/calc/index.test.ts": BENIGN_TEST,
  });
  // Git-level evasions: the change reader must hand the engine what is really there.
  repo.branch("hide-as-binary", {
    ".gitattributes": "*.ts binary -diff\n",
    "bot/plugins/calc/index.ts": "export const calc = (s: string) => eval(s);\n",
    "bot/plugins/calc/index.test.ts": BENIGN_TEST,
  });
  repo.branch("symlink-out", { "bot/plugins/calc/index.test.ts": BENIGN_TEST }, (r) =>
    r.symlink("bot/plugins/calc/index.ts", "../../../policies/ouro.yml"),
  );
  repo.branch("binary-blob", {
    "bot/plugins/calc/payload.node": "\u007fELF\u0000\u0001binary",
    "bot/plugins/calc/index.test.ts": BENIGN_TEST,
  });
  repo.branch("bidi", {
    "bot/plugins/calc/index.ts": 'export const isAdmin = (role: string) => role === "user\u202E \u2066// admin\u2069\u2066";\n',
    "bot/plugins/calc/index.test.ts": BENIGN_TEST,
  });
  repo.branch("edit-policy", { "policies/ouro.yml": "mode: evaluate\n" });
  repo.branch("rename-into-protected", { "bot/plugins/ping/index.ts": null, ".github/workflows/ping.ts": 'export const name = "ping";\n' });
});
afterAll(() => repo?.cleanup());

describe("policy-check CLI corpus", () => {
  it("passes (exit 0) a benign plugin with its test, even as a self-edit", () => {
    const { code, verdict } = verdictOf("benign", "--self-edit");
    expect(verdict.decision).not.toBe("block");
    expect(code).toBe(0);
    expect(rules(verdict)).toEqual([]);
  });

  it("passes a docs-only human change", () => {
    const { code, verdict } = verdictOf("docs");
    expect(verdict.decision).toBe("pass");
    expect(code).toBe(0);
  });

  for (const [branch, rulePrefix] of [
    ["eval", "api/"],
    ["indirect-eval", "api/"],
    ["computed-global", "api/"],
    ["child-process", "api/"],
    ["new-function", "api/"],
  ] as const) {
    it(`blocks (exit 1) the hostile plugin change "${branch}" with a located finding`, () => {
      const { code, verdict } = verdictOf(branch, "--self-edit");
      expect(verdict.decision).toBe("block");
      expect(code).toBe(1);
      const f = verdict.findings.find((x) => x.severity === "error" && x.rule.startsWith(rulePrefix));
      expect(f, JSON.stringify(verdict.findings)).toBeDefined();
      expect(f!.file).toMatch(/^bot\/plugins\//);
      expect(f!.line).toBeGreaterThan(0);
    });
  }

  // hide-as-binary must be caught as the eval it is (read as text), not as "a binary file".
  for (const [branch, rule] of [
    ["hide-as-binary", /^api\/eval$/],
    ["symlink-out", /./],
    ["binary-blob", /./],
    ["bidi", /./],
  ] as const) {
    it(`blocks the git-level evasion "${branch}"`, () => {
      const { code, verdict } = verdictOf(branch, "--self-edit");
      expect(verdict.decision, JSON.stringify(verdict.findings)).toBe("block");
      expect(code).toBe(1);
      expect(verdict.findings.some((f) => f.severity === "error" && f.file?.startsWith("bot/plugins/calc/") && rule.test(f.rule))).toBe(
        true,
      );
    });
  }

  it("blocks a self-edit of policies/ and a move into .github/", () => {
    expect(verdictOf("edit-policy", "--self-edit")).toMatchObject({ code: 1, verdict: { decision: "block" } });
    const moved = verdictOf("rename-into-protected", "--self-edit");
    expect(moved.code).toBe(1);
    expect(moved.verdict.findings.some((f) => f.severity === "error" && f.file === ".github/workflows/ping.ts")).toBe(true);
  });

  it("recognises a self-edit from the base policy's author, label and branch rules", () => {
    // A human may change policies/ (with review); the agent may not.
    expect(verdictOf("edit-policy").verdict.decision).not.toBe("block");
    expect(verdictOf("edit-policy", "--head-branch", "ouro/change-7").code).toBe(1);
    expect(verdictOf("edit-policy", "--author", "ouro[bot]").code).toBe(1);
    expect(verdictOf("edit-policy", "--label", "bug", "--label", "ouro").code).toBe(1);
    expect(verdictOf("edit-policy", "--author", "alice", "--label", "bug", "--head-branch", "fix/x").verdict.decision).not.toBe("block");
  });
});

describe("policy-check CLI formats", () => {
  it("json is the verdict; text and markdown are readable", () => {
    const json = JSON.parse(cli("--repo", repo.dir, "--base", "main", "--head", "eval", "--format", "json", "--self-edit").out);
    expect(Object.keys(json).sort()).toEqual(["automerge", "decision", "findings", "mode", "requiredApprovals", "risk"]);
    const text = cli("--repo", repo.dir, "--base", "main", "--head", "eval", "--self-edit");
    expect(text.out).toMatch(/^policy-check: BLOCK \(risk \w+/);
    expect(text.out).toMatch(/bot\/plugins\/dice\/index\.ts:\d+/);
    const md = cli("--repo", repo.dir, "--base", "main", "--head", "eval", "--format", "markdown", "--self-edit");
    expect(md.out).toMatch(/^### ⛔ Policy check: BLOCK/);
    expect(md.code).toBe(1);
  });
});

describe("policy-check CLI errors (exit 2)", () => {
  it("rejects usage errors", () => {
    expect(cli().code).toBe(2);
    expect(cli("--repo", repo.dir, "--base", "main").err).toMatch(/missing --head/);
    expect(cli("--repo", repo.dir, "--base", "main", "--head", "eval", "--bogus").err).toMatch(/Unknown option '--bogus'/);
    expect(cli("--repo", repo.dir, "--base", "main", "--head", "eval", "--format", "yaml").code).toBe(2);
    expect(cli("--repo", repo.dir, "--base", "main", "--head", "eval", "stray").code).toBe(2);
    const help = cli("--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: policy-check/);
  });

  it("names an unknown ref, a ref that looks like an option and a non-repository", () => {
    const bad = cli("--repo", repo.dir, "--base", "main", "--head", "no-such-branch");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown git ref "no-such-branch"/);
    expect(bad.out).toBe("");
    expect(cli("--repo", repo.dir, "--base", "--upload-pack=touch /tmp/x", "--head", "eval").code).toBe(2);
    expect(cli("--repo", repo.dir + "/nowhere", "--base", "main", "--head", "eval").code).toBe(2);
  });

  it("fails closed when the BASE policy is malformed: block verdict, exit 2, file and line named", () => {
    const broken = makeOuroRepo();
    try {
      broken.write({ "policies/ouro.yml": "mode: enforce\nlimits:\n  files: many\nunknownKey: 1\n" });
      broken.commit("break the policy on main");
      broken.branch("benign", { "bot/plugins/dice/index.ts": BENIGN_PLUGIN, "bot/plugins/dice/index.test.ts": BENIGN_TEST });
      const r = cli("--repo", broken.dir, "--base", "main", "--head", "benign", "--format", "json");
      expect(r.code).toBe(2);
      expect(JSON.parse(r.out).decision).toBe("block");
      expect(r.err).toMatch(/policies\/ouro\.yml:\d+/);

      broken.git("rm", "-q", "-r", "policies");
      broken.commit("no policy at all");
      const none = cli("--repo", broken.dir, "--base", "main", "--head", "benign", "--format", "json");
      expect(none.code).toBe(2);
      expect(JSON.parse(none.out).decision).toBe("block");
    } finally {
      broken.cleanup();
    }
  });
});

describe("policy-check as a process", () => {
  it("exits 1 on block and 0 on pass, as `npm run policy-check` runs it", () => {
    const run = (head: string) =>
      spawnSync(process.execPath, [CLI, "--repo", repo.dir, "--base", "main", "--head", head, "--self-edit"], {
        cwd: ROOT,
        encoding: "utf8",
      });
    const blocked = run("child-process");
    expect(blocked.status, blocked.stderr).toBe(1);
    expect(blocked.stdout).toMatch(/^policy-check: BLOCK/);
    const ok = run("benign");
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
  });
});
