// The workflows' security properties, checked on the parsed YAML. Each rule is also run
// against a deliberately broken copy, so the test can fail.
import { describe, it, expect } from "vitest";
import { ownersFor, parseCodeowners } from "../../app/review/codeowners.ts";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  "working-directory"?: string;
}
interface Workflow {
  on: Record<string, unknown> | string | string[];
  permissions?: Record<string, string> | string;
  jobs: Record<string, { steps: Step[]; permissions?: unknown; "runs-on"?: string }>;
}

// ${{ secrets.X }}, secrets['X'], or `secrets: inherit` for a called workflow.
const SECRET_REF = /\bsecrets\.[A-Za-z_]|\bsecrets\s*\[|secrets:\s*inherit/;
const PIN = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

function triggers(wf: Workflow): string[] {
  if (typeof wf.on === "string") return [wf.on];
  if (Array.isArray(wf.on)) return wf.on;
  return Object.keys(wf.on);
}
function steps(wf: Workflow): Step[] {
  return Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
}

/** Problems common to every workflow. */
function auditCommon(text: string): string[] {
  const wf = parse(text) as Workflow;
  const problems: string[] = [];
  if (!wf.permissions || typeof wf.permissions !== "object") problems.push("top-level permissions must be an explicit map");
  for (const job of Object.values(wf.jobs))
    if (job.permissions !== undefined) problems.push("job-level permissions widen the top-level ones");
  for (const line of text.split("\n")) {
    const m = /^\s*-?\s*uses:\s*(\S+)(.*)$/.exec(line);
    if (!m || m[1].startsWith("./")) continue;
    if (!PIN.test(m[1])) problems.push(`unpinned action ${m[1]}`);
    else if (!/#\s*v\d+\.\d+\.\d+\s*$/.test(m[2])) problems.push(`pinned action ${m[1]} lacks a "# vX.Y.Z" comment`);
  }
  for (const s of steps(wf)) {
    if (s.uses?.startsWith("actions/checkout@") && s.with?.["persist-credentials"] !== false) {
      problems.push(`checkout ${s.with?.path ?? "."} must set persist-credentials: false`);
    }
  }
  return problems;
}

function auditValidate(text: string): string[] {
  const wf = parse(text) as Workflow;
  const problems = auditCommon(text);
  const on = triggers(wf);
  if (!on.includes("pull_request")) problems.push("validate must run on pull_request");
  if (on.includes("pull_request_target")) problems.push("validate runs PR code: never on pull_request_target");
  if (JSON.stringify(wf.permissions) !== JSON.stringify({ contents: "read" }))
    problems.push("validate permissions must be exactly contents: read");
  if (SECRET_REF.test(text)) problems.push("validate must not reference secrets");
  const runs = steps(wf)
    .map((s) => s.run ?? "")
    .join("\n");
  for (const cmd of ["npm ci", "npm run typecheck", "npm test"]) if (!runs.includes(cmd)) problems.push(`validate must run ${cmd}`);
  // A cached node_modules must be exactly what `npm ci` would make here, and skip it only then.
  const all = steps(wf);
  const cache = all.find((s) => s.uses?.startsWith("actions/cache@"));
  const install = all.find((s) => /\bnpm ci\b/.test(s.run ?? ""));
  if (cache) {
    const key = String(cache.with?.key ?? "");
    for (const part of ["hashFiles('package-lock.json')", "runner.os", "node-version"])
      if (!key.includes(part)) problems.push(`the node_modules cache key must include ${part}`);
    if (cache.with?.["restore-keys"] !== undefined) problems.push("node_modules must not be restored from another lockfile's entry");
    if (!cache.id || install?.if !== `steps.${cache.id}.outputs.cache-hit != 'true'`)
      problems.push("npm ci must be skipped only on an exact cache hit");
  } else if (install?.if !== undefined) problems.push("npm ci must always run when nothing is cached");
  return problems;
}

const POLICY_PERMISSIONS = new Set(["contents:read", "pull-requests:read", "checks:write", "statuses:write"]);

function auditPolicy(text: string): string[] {
  const wf = parse(text) as Workflow;
  const problems = auditCommon(text);
  const on = triggers(wf);
  if (on.length !== 1 || on[0] !== "pull_request_target") problems.push("policy must run on pull_request_target only");
  if (wf.permissions && typeof wf.permissions === "object") {
    for (const [k, v] of Object.entries(wf.permissions)) {
      if (!POLICY_PERMISSIONS.has(`${k}:${v}`)) problems.push(`policy permission ${k}: ${v} is not needed`);
    }
  }
  if (SECRET_REF.test(text)) problems.push("policy must not reference secrets");
  const all = steps(wf);
  const checkouts = all.filter((s) => s.uses?.startsWith("actions/checkout@"));
  const head = checkouts.find((s) => s.with?.path === "head");
  const base = checkouts.find((s) => s.with?.path === "base");
  if (!base) problems.push("the base must be checked out into base/");
  else if (base.with?.ref !== undefined) problems.push("the base checkout must use the default ref (the base branch)");
  if (!head) problems.push("the head must be checked out into head/");
  else {
    if (head.with?.ref !== "${{ github.event.pull_request.head.sha }}") problems.push("the head checkout must pin the PR head sha");
    if (head.with?.["fetch-depth"] !== 0) problems.push("the head checkout needs fetch-depth: 0 (merge base)");
  }
  for (const s of all) {
    const wd = s["working-directory"] ?? "";
    if (s.run !== undefined && /^(\.\/)?head(\/|$)/.test(wd)) problems.push(`run step "${s.name}" executes in head/`);
    if (s.run !== undefined && /(^|[\s;&|(])(\.\/)?head\//.test(s.run)) problems.push(`run step "${s.name}" touches head/`);
    if (s.run !== undefined && /\bcd\s+(\.\/)?head\b/.test(s.run)) problems.push(`run step "${s.name}" enters head/`);
    if (s.uses?.startsWith("./head")) problems.push(`step "${s.name}" runs an action from the head`);
    if (s.uses?.startsWith("actions/cache@")) problems.push("no caches in the privileged workflow");
    if (s.run && /\bnpm (ci|install|i)\b/.test(s.run) && wd !== "base") problems.push(`install step "${s.name}" must run in base/`);
  }
  const check = all.find((s) => s.uses === "./base/actions/policy-check");
  if (!check) problems.push("the verdict must come from ./base/actions/policy-check");
  else {
    if (check.with?.["repo-path"] !== "head") problems.push("the checker must read the head checkout (repo-path: head)");
    if (/^(\.\/)?head(\/|$)/.test(String(check.with?.["policies-path"] ?? ""))) problems.push("policies must not come from the head");
  }
  const headIdx = head ? all.indexOf(head) : -1;
  const installIdx = all.findIndex((s) => s.run && /\bnpm ci\b/.test(s.run));
  if (headIdx >= 0 && installIdx > headIdx) problems.push("install the base's dependencies before the head is on disk");
  return problems;
}

const validate = read(".github/workflows/validate.yml");
const policy = read(".github/workflows/policy.yml");

describe("validate.yml", () => {
  it("is untrusted validation: pull_request, contents: read, no secrets, pinned actions", () => {
    expect(auditValidate(validate)).toEqual([]);
  });
  it("the rules catch a secret, a widened token, an unpinned action and pull_request_target", () => {
    expect(
      auditValidate(validate.replace("run: npm test", "run: npm test\n        env:\n          T: ${{ secrets.DISCORD_TOKEN }}")),
    ).toContain("validate must not reference secrets");
    expect(auditValidate(validate.replace("contents: read", "contents: write"))).toContain(
      "validate permissions must be exactly contents: read",
    );
    expect(auditValidate(validate.replace(/actions\/setup-node@[0-9a-f]{40}/, "actions/setup-node@v5"))).toContain(
      "unpinned action actions/setup-node@v5",
    );
    expect(auditValidate(validate.replace("  pull_request:\n", "  pull_request_target:\n"))).toContain("validate must run on pull_request");
  });
  it("caches node_modules keyed on the lockfile, OS and Node, and skips npm ci only on an exact hit", () => {
    expect(validate).toMatch(/uses: actions\/cache@[0-9a-f]{40} # v4\.\d+\.\d+/);
    expect(auditValidate(validate.replace("-${{ hashFiles('package-lock.json') }}", ""))).toContain(
      "the node_modules cache key must include hashFiles('package-lock.json')",
    );
    expect(auditValidate(validate.replace("-node-${{ steps.node.outputs.node-version }}", ""))).toContain(
      "the node_modules cache key must include node-version",
    );
    expect(auditValidate(validate.replace("cache-hit != 'true'", "cache-hit != 'false'"))).toContain(
      "npm ci must be skipped only on an exact cache hit",
    );
    expect(auditValidate(validate.replace(/( +)key: node-modules-/, "$1restore-keys: node-modules-\n$1key: node-modules-"))).toContain(
      "node_modules must not be restored from another lockfile's entry",
    );
  });
});

describe("policy.yml", () => {
  it("runs from the base on pull_request_target and reads the head as data only", () => {
    expect(auditPolicy(policy)).toEqual([]);
  });
  it("the rules catch persisted credentials, run steps in head/, head actions, a moved install and wider permissions", () => {
    const headCheckout = /(path: head\n\s+fetch-depth: 0\n\s+)persist-credentials: false/;
    expect(headCheckout.test(policy)).toBe(true);
    expect(auditPolicy(policy.replace(headCheckout, "$1persist-credentials: true"))).toContain(
      "checkout head must set persist-credentials: false",
    );
    expect(auditPolicy(policy.replace("working-directory: base", "working-directory: head"))).toEqual(
      expect.arrayContaining(['run step "Install the checker\'s dependencies (base lockfile)" executes in head/']),
    );
    expect(auditPolicy(policy.replace("uses: ./base/actions/policy-check", "uses: ./head/actions/policy-check"))).toEqual(
      expect.arrayContaining([
        "the verdict must come from ./base/actions/policy-check",
        'step "Policy verdict" runs an action from the head',
      ]),
    );
    expect(auditPolicy(policy.replace("  pull-requests: read", "  pull-requests: write"))).toContain(
      "policy permission pull-requests: write is not needed",
    );
    expect(auditPolicy(policy.replace("pull_request_target:", "pull_request:"))).toContain("policy must run on pull_request_target only");
    expect(auditPolicy(policy.replace("repo-path: head", "repo-path: base"))).toContain(
      "the checker must read the head checkout (repo-path: head)",
    );
    expect(auditPolicy(policy.replace("repo-path: head", "repo-path: head\n          policies-path: head/policies"))).toContain(
      "policies must not come from the head",
    );
    expect(
      auditPolicy(
        policy.replace(
          "      - name: Policy verdict",
          "      - name: build\n        run: cd head && npm run build\n      - name: Policy verdict",
        ),
      ),
    ).toEqual(expect.arrayContaining(['run step "build" enters head/']));
    expect(auditPolicy(policy.replace("# v5.0.0\n        with:\n          path: base", "\n        with:\n          path: base"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/lacks a "# vX.Y.Z" comment/)]),
    );
  });
});

describe("action.yml", () => {
  it("runs on node24 from a tiny entry that exists and declares the documented inputs and outputs", () => {
    const action = parse(read("actions/policy-check/action.yml")) as {
      runs: { using: string; main: string };
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
    };
    expect(action.runs.using).toBe("node24");
    expect(existsSync(join(ROOT, "actions/policy-check", action.runs.main))).toBe(true);
    expect(read(join("actions/policy-check", action.runs.main))).toMatch(/await run\(\)/);
    expect(Object.keys(action.inputs).sort()).toEqual(["base-sha", "format", "head-sha", "policies-path", "repo-path", "self-edit"]);
    expect(Object.keys(action.outputs).sort()).toEqual(["decision", "required-approvals", "risk"]);
  });
});

describe("CODEOWNERS", () => {
  // Resolved with GitHub's last-match rule (the app's own parser), so a core folder that
  // falls through to the plugin reviewers — or to nobody — fails here.
  const rules = parseCodeowners(read(".github/CODEOWNERS"));
  const owner = (path: string) => ownersFor(rules, [path]).teams;

  it.each([
    "policies/ouro.yml",
    ".github/workflows/policy.yml",
    "actions/policy-check/src/run.ts",
    "policy-engine/engine.ts",
    "deploy-hook/deployer.ts",
    "app/probot-app.ts",
    "app.yml",
    "bot/core/plugin.ts",
    "bot/main.ts",
    "bot/memory/store.ts",
    "contract/app-link.ts",
    "bot/commands/feature.ts",
    "local/github/server.ts",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vitest.config.ts",
    ".ci/run",
  ])("the control plane (%s) needs a maintainer", (path) => {
    expect(owner(path)).toEqual(["maintainers"]);
  });

  it("plugins go to the reviewers", () => {
    expect(owner("bot/plugins/ping/index.ts")).toEqual(["reviewers"]);
    expect(owner("bot/plugins/index.ts")).toEqual(["reviewers"]);
  });
});
