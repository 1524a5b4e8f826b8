// The plugin test run started before the policy verdict (tests-ahead.ts): vitest loads in the
// sandbox ahead of time, but nothing of the worktree runs until the run is handed its files,
// which validate() does only after a passing verdict. The probe is a plugin test whose TOP
// LEVEL writes a marker (into a world-writable folder of the worktree, so the sandbox's user
// can write it and we can see it): with a runner fully loaded and waiting, a cancel or a
// failing verdict leaves no marker; handing it the file does (so the probe can fail).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBasePolicy } from "../../../app/agent/policy.ts";
import { canIsolateNetwork } from "../../../app/agent/sandbox.ts";
import { NOT_RUN, startTestsAhead } from "../../../app/agent/tests-ahead.ts";
import { validate } from "../../../app/agent/validate.ts";
import { createWorktree, git, type Worktree } from "../../../app/agent/worktree.ts";
import { makeAgentRepo, type AgentRepo } from "./fixture.ts";

// Under the test's own 60 s: a runner that hangs ends at the sandbox's time limit, its stderr in the failure.
const limits = { timeoutMs: 45_000, memoryMb: 1024 };
const PROBE = "bot/plugins/probe/top-level.test.ts";
let repo: AgentRepo;
const worktrees: Worktree[] = [];

beforeAll(() => {
  repo = makeAgentRepo();
});
afterAll(() => {
  for (const wt of worktrees) wt.remove();
  repo?.cleanup();
});

/** A fresh worktree holding the probe; returns it and the marker the probe's top level writes. */
function probeWorktree(): { wt: Worktree; marker: string } {
  const wt = createWorktree(repo.dir, "main");
  worktrees.push(wt);
  const out = join(wt.dir, "bot/plugins/probe/out");
  mkdirSync(out, { recursive: true });
  chmodSync(out, 0o777);
  const marker = join(out, "ran");
  writeFileSync(
    join(wt.dir, PROBE),
    `import { writeFileSync } from "node:fs";
import { it } from "vitest";
writeFileSync(new URL("./out/ran", import.meta.url), "top level ran");
it("ran", () => {});
`,
  );
  return { wt, marker };
}

describe.skipIf(!canIsolateNetwork())("plugin tests started before the verdict", () => {
  it("load vitest, then run nothing of the worktree and write nothing in it when cancelled", async () => {
    const { wt, marker } = probeWorktree();
    const status = () => git(wt.dir, ["status", "--porcelain", "--untracked-files=all", "--ignored"]);
    const before = status();
    const ahead = startTestsAhead(wt.dir, limits);
    await ahead.ready;
    const r = await ahead.cancel();
    expect(r.isolation).toBe("namespaces");
    expect(r.stderr).toContain("tests-runner: ready");
    // its own word that it got no go (it is then stopped rather than waited for: tests-ahead.ts)
    expect(r.stderr).toContain("tests-runner: not run (no go after the verdict)");
    expect(r.code, r.stderr).toBe(NOT_RUN);
    expect(existsSync(marker), "the probe's top level ran without a go").toBe(false);
    // the edit and the snapshot go on beside the waiting runner: it must add nothing to them
    expect(status()).toBe(before);
  });

  it("run the files they are handed (the probe can fail)", async () => {
    const { wt, marker } = probeWorktree();
    const ahead = startTestsAhead(wt.dir, limits);
    await ahead.ready;
    const r = await ahead.run([PROBE]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it("never run a test a failing verdict blocks, though vitest was loaded and waiting", async () => {
    const { wt, marker } = probeWorktree();
    const base = loadBasePolicy(repo.dir, repo.base);
    const ahead = startTestsAhead(wt.dir, limits);
    await ahead.ready;
    const v = await validate({
      wt,
      parent: wt.baseSha,
      message: "probe",
      policy: base.policy,
      guard: base.guard,
      budgets: base.budgets,
      warn: () => {},
      tests: ahead,
    });
    expect(v.verdict?.decision).toBe("block");
    expect(v.verdict?.findings.some((f) => f.rule === "api/fs-write" && f.file === PROBE)).toBe(true);
    expect(v.checks.find((c) => c.name === "tests")?.summary).toBe("tests not run: the policy blocks this change");
    const r = await ahead.cancel();
    expect(r.stderr).toContain("tests-runner: not run (no go after the verdict)");
    expect(r.code, r.stderr).toBe(NOT_RUN);
    expect(existsSync(marker), "the probe's top level ran before or despite the verdict").toBe(false);
  });
});
