// `npm run bench -- agent`: a recipe request → a validated branch (worktree, ts-morph edit,
// sandboxed typecheck + tests in parallel, base-policy verdict, branch), on a real git
// repo holding this project's bot/ and policies/. No model involved. Target < 15 s.
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAgent, type Timings } from "../app/agent/index.ts";
import { figure, percentile, report } from "./report.ts";

const project = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ouro-bench-agent-"));
const sh = (cmd: string) => execSync(cmd, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
try {
  sh("git init -q -b main && git config user.name bench && git config user.email bench@example.com && git config commit.gpgsign false");
  execSync(`git archive HEAD bot policies tsconfig.json vitest.config.ts package.json | tar -x -C ${JSON.stringify(dir)}`, { cwd: project });
  sh("git add -A && git commit -q -m base");

  const runs: Timings[] = [];
  const kinds = [
    { kind: "add-command", name: "greet", description: "Say hello", options: [{ name: "who", description: "Who", required: true }], reply: "Hello {who}!" },
    { kind: "add-responder", name: "gm", trigger: "\\bgood morning\\b", reply: "gm!", examples: ["good morning all"] },
    { kind: "set-setting", key: "tone", value: "formal" },
  ];
  for (const [i, recipe] of kinds.entries()) {
    const r = await runAgent(
      { id: `bench-${i}`, requester: { discordId: "1", name: "bench", roles: [] }, text: "bench request", recipe },
      { repoDir: dir, baseRef: "main", logger: { info() {}, warn: (m) => console.warn(String(m)) } },
    );
    if (!r.ok) throw new Error(`bench run ${recipe.kind} failed: ${JSON.stringify(r.report)}`);
    runs.push(r.timings);
    const t = r.timings;
    console.log(
      `agent: ${recipe.kind} → ${r.branch} in ${Math.round(t.totalMs)} ms (worktree ${Math.round(t.worktreeMs)}, edit ${Math.round(t.editMs)}, typecheck ${Math.round(t.typecheckMs)} ∥ tests ${Math.round(t.testsMs)}, policy ${Math.round(t.policyMs)}; verdict ${r.verdict.decision}/${r.verdict.risk})`,
    );
  }
  const first = runs[0];
  const med = (k: keyof Timings) => percentile(runs.map((r) => r[k]), 50);
  report("agent", {
    "recipe→branch (first, cold process)": figure(first.totalMs, "ms", { target: 15_000 }),
    "recipe→branch p50 (3 recipes)": figure(med("totalMs"), "ms", { target: 15_000 }),
    "worktree p50": figure(med("worktreeMs"), "ms"),
    "edit (ts-morph) p50": figure(med("editMs"), "ms"),
    "typecheck (sandboxed) p50": figure(med("typecheckMs"), "ms"),
    "tests (sandboxed) p50": figure(med("testsMs"), "ms"),
    "policy p50": figure(med("policyMs"), "ms"),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
