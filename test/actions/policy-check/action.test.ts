// The Action started the way a runner starts it: `node <main>` with INPUT_* variables,
// a pull_request payload in GITHUB_EVENT_PATH, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { makeOuroRepo, BENIGN_PLUGIN, BENIGN_TEST, ACTION_MAIN, ROOT, type OuroRepo } from "../../helpers/policy-repo.ts";

let repo: OuroRepo;
let tmp: string;
const sha: Record<string, string> = {};

beforeAll(() => {
  repo = makeOuroRepo();
  tmp = mkdtempSync(join(tmpdir(), "ouro-action-"));
  repo.branch("ouro/benign", { "bot/plugins/dice/index.ts": BENIGN_PLUGIN, "bot/plugins/dice/index.test.ts": BENIGN_TEST });
  repo.branch("ouro/hostile", {
    "bot/plugins/dice/index.ts": BENIGN_PLUGIN + "\nexport const run = (code: string) => eval(code);\n",
    "bot/plugins/dice/index.test.ts": BENIGN_TEST,
    "policies/ouro.yml": "mode: evaluate\n",
  });
  for (const b of ["main", "ouro/benign", "ouro/hostile"]) sha[b] = repo.git("rev-parse", b);
});
afterAll(() => {
  repo?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Writes a pull_request payload for `branch` and runs the Action's entry as a runner would. */
function runAction(branch: string, inputs: Record<string, string> = {}): ActionRun {
  const dir = mkdtempSync(join(tmp, "run-"));
  const payload = readFileSync(join(ROOT, "test/fixtures/policy-check/pull_request.opened.json"), "utf8")
    .replaceAll("BASE_SHA", sha.main)
    .replaceAll("HEAD_SHA", sha[branch])
    .replaceAll("ouro/change-41", branch);
  const eventPath = join(dir, "event.json");
  const outputPath = join(dir, "output");
  const summaryPath = join(dir, "summary.md");
  writeFileSync(eventPath, payload);
  writeFileSync(outputPath, "");
  writeFileSync(summaryPath, "");
  // A clean runner-like environment: nothing inherited that looks like an input or a GitHub variable.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)) env[k] = v;
  Object.assign(env, {
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: "pull_request_target",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: dirname(repo.dir),
    // As in policy.yml: the head checkout, relative to the workspace.
    "INPUT_REPO-PATH": basename(repo.dir),
    INPUT_FORMAT: "text",
  });
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const r = spawnSync(process.execPath, [ACTION_MAIN], { cwd: dirname(repo.dir), env, encoding: "utf8", timeout: 60_000 });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs: parseOutputs(readFileSync(outputPath, "utf8")),
    summary: readFileSync(summaryPath, "utf8"),
  };
}

/** GITHUB_OUTPUT's `name<<delimiter\nvalue\ndelimiter` records. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([^\n<]+)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n\2$/gm)) out[m[1]] = m[3];
  return out;
}

describe("policy-check Action", () => {
  it("runs on Node 24 like the node24 runtime", () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
  });

  it("blocks a hostile PR: annotations with file and line, outputs, job summary, exit 1", () => {
    const r = runAction("ouro/hostile");
    expect(r.status, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^::error title=api\/[^,]+,file=bot\/plugins\/dice\/index\.ts,line=\d+(,col=\d+)?::/m);
    expect(r.stdout).toMatch(/^::error title=[^,]+,file=policies\/ouro\.yml(,line=\d+)?(,col=\d+)?::/m);
    expect(r.stdout).toMatch(/^::error::policy check: blocked/m);
    expect(r.outputs.decision).toBe("block");
    expect(r.outputs.risk).toMatch(/^(safe|low|medium|high|critical)$/);
    expect(r.outputs["required-approvals"]).toMatch(/^\d+$/);
    expect(r.summary).toMatch(/^### ⛔ Policy check: BLOCK/);
    expect(r.summary).toContain("bot/plugins/dice/index.ts");
  });

  it("passes a benign plugin PR: no errors, outputs set, exit 0", () => {
    const r = runAction("ouro/benign");
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/^::error/m);
    expect(["pass", "needs-approval"]).toContain(r.outputs.decision);
    expect(r.summary).toMatch(/^### (✅|🟡) Policy check/);
  });

  it("fails closed on a malformed policy in the base checkout", () => {
    const policies = mkdtempSync(join(tmp, "policies-"));
    writeFileSync(join(policies, "ouro.yml"), "mode: enforce\nlimits:\n  files: [1\n");
    const r = runAction("ouro/benign", { "policies-path": policies });
    expect(r.status).toBe(1);
    expect(r.outputs.decision).toBe("block");
    expect(r.stdout).toMatch(/^::error title=policy\/load,file=policies\/ouro\.yml,line=\d+/m);
    expect(r.stdout).toMatch(/^::error::policy files failed to load/m);
  });

  it("reads policies from the given folder, not from the head", () => {
    const policies = mkdtempSync(join(tmp, "policies-"));
    copyFileSync(join(ROOT, "policies/ouro.yml"), join(policies, "ouro.yml"));
    const r = runAction("ouro/hostile", { "policies-path": policies, format: "json" });
    expect(r.status).toBe(1);
    expect(r.outputs.decision).toBe("block");
  });

  it("refuses policies from inside the head checkout", () => {
    const r = runAction("ouro/benign", { "policies-path": join(repo.dir, "policies") });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error::policy check could not run: policies-path .* is inside the head checkout/m);
    expect(r.outputs.decision).toBe("block");
  });

  it("rejects bad inputs with a clear error and a block output", () => {
    const r = runAction("ouro/benign", { format: "yaml" });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error::policy check could not run: invalid inputs.*format/m);
    expect(r.outputs.decision).toBe("block");
    const unknown = runAction("ouro/benign", { "head-sha": "deadbeef" });
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toMatch(/unknown git ref "deadbeef"/);
  });
});
