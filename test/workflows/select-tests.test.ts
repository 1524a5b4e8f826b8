// validate.yml's test selection: a plugin-only PR runs the plugin set, anything else the
// full suite; on a real git repo, through the script as validate.yml runs it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { parse } from "yaml";
import { PLUGIN_TESTS, changedFiles, selectTests } from "../../.github/scripts/select-tests.ts";
import { makeRepo } from "../helpers/git.ts";

const ROOT = join(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, ".github/scripts/select-tests.ts");
const repo = makeRepo("ouro-select-");
const tmp = mkdtempSync(join(tmpdir(), "ouro-select-out-"));
afterAll(() => {
  repo.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

it("decides from the changed paths", () => {
  expect(selectTests(["bot/plugins/hello/index.ts", "bot/plugins/hello/hello.test.ts"])).toMatchObject({ scope: "plugins" });
  expect(selectTests(["bot/plugins/hello/index.ts", "bot/core/x.ts"])).toMatchObject({
    scope: "full",
    reason: expect.stringContaining("bot/core/x.ts"),
  });
  expect(selectTests(["bot/pluginsx/a.ts"])).toMatchObject({ scope: "full" });
  expect(selectTests([])).toMatchObject({ scope: "full" });
  expect(selectTests(null)).toMatchObject({ scope: "full", reason: expect.stringMatching(/changed files are unknown/) });
});

it("every path of the plugin set exists (a rename must not drop tests silently)", () => {
  for (const p of PLUGIN_TESTS) expect(existsSync(join(ROOT, p)), p).toBe(true);
});

it("reads the PR's changes from git (merge base to head) and writes scope to GITHUB_OUTPUT", () => {
  repo.write({ "README.md": "x\n", "bot/plugins/index.ts": "export {};\n" });
  const base = repo.commit("base");
  repo.git("checkout", "-q", "-b", "feature");
  repo.write({ "bot/plugins/hello/index.ts": "export {};\n" });
  const plugin = repo.commit("plugin");
  repo.git("checkout", "-q", "main");
  repo.write({ "README.md": "moved on\n" });
  const mainMoved = repo.commit("main moves on");
  expect(changedFiles(mainMoved, plugin, repo.dir)).toEqual(["bot/plugins/hello/index.ts"]);

  let runs = 0;
  const run = (head: string, baseSha: string) => {
    const out = join(tmp, `out-${runs++}`);
    const log = execFileSync(process.execPath, [SCRIPT], {
      cwd: repo.dir,
      env: { PATH: process.env.PATH, BASE_SHA: baseSha, HEAD_SHA: head, GITHUB_OUTPUT: out },
      encoding: "utf8",
    });
    return { log, output: readFileSync(out, "utf8") };
  };
  expect(run(plugin, mainMoved)).toMatchObject({ output: "scope=plugins\n", log: expect.stringContaining("under bot/plugins/") });
  repo.git("checkout", "-q", "feature");
  repo.write({ "package.json": "{}\n" });
  const wider = repo.commit("wider");
  expect(run(wider, base).output).toBe("scope=full\n");

  // A push: before..after. Merging the plugin change into main is plugin-only; a new branch
  // (before all zeros) and a before git does not know are full.
  repo.git("checkout", "-q", "main");
  repo.git("merge", "-q", "--no-ff", "-m", "merge plugin", plugin);
  const merged = repo.git("rev-parse", "HEAD").trim();
  expect(run(merged, mainMoved).output).toBe("scope=plugins\n");
  expect(run(merged, "0".repeat(40)).output).toBe("scope=full\n");
  expect(run(merged, "1".repeat(40))).toMatchObject({ output: "scope=full\n", log: expect.stringContaining("unknown") });
});

it("validate.yml runs the plugin set only when the scope says so, and npm test otherwise", () => {
  const wf = parse(readFileSync(join(ROOT, ".github/workflows/validate.yml"), "utf8")) as {
    jobs: Record<string, { steps: { id?: string; if?: string; run?: string; with?: Record<string, unknown> }[] }>;
  };
  const steps = wf.jobs.validate.steps;
  expect(steps.find((s) => s.id === "tests")?.run).toBe("node .github/scripts/select-tests.ts");
  expect(steps.find((s) => s.run === "node .github/scripts/select-tests.ts --run")?.if).toBe("steps.tests.outputs.scope == 'plugins'");
  expect(steps.find((s) => s.run === "npm test")?.if).toBe("steps.tests.outputs.scope != 'plugins'");
  expect(steps.find((s) => s.run === "npm run typecheck")?.if).toBeUndefined();
  expect(steps[0].with?.["fetch-depth"]).toBe(0);
  // a push compares before..after, a pull request base..head
  for (const s of steps.filter((x) => x.run?.startsWith("node .github/scripts/select-tests.ts")))
    expect((s as { env?: Record<string, string> }).env).toEqual({
      BASE_SHA: "${{ github.event.pull_request.base.sha || github.event.before }}",
      HEAD_SHA: "${{ github.event.pull_request.head.sha || github.event.after }}",
    });
});
