// `npm run bench -- agent`: a recipe request → a validated branch (worktree, ts-morph edit,
// sandboxed typecheck + tests in parallel, base-policy verdict, branch), on a real git
// repo holding this project's bot/ and policies/. No model involved. Target < 15 s.
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { runAgent, type Timings } from "../app/agent/index.ts";
import { startOpenAI } from "../local/openai/index.ts";
import { figure, percentile, report } from "./report.ts";

const project = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ouro-bench-agent-"));
const sh = (cmd: string) => execSync(cmd, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
try {
  sh("git init -q -b main && git config user.name bench && git config user.email bench@example.com && git config commit.gpgsign false");
  execSync(`git archive HEAD bot policies tsconfig.json vitest.config.ts package.json | tar -x -C ${JSON.stringify(dir)}`, {
    cwd: project,
  });
  sh("git add -A && git commit -q -m base");

  const runs: Timings[] = [];
  const kinds = [
    {
      kind: "add-command",
      name: "greet",
      description: "Say hello",
      options: [{ name: "who", description: "Who", required: true }],
      reply: "Hello {who}!",
    },
    { kind: "add-responder", name: "gm", trigger: "\\bgood morning\\b", reply: "gm!", examples: ["good morning all"] },
    { kind: "set-setting", key: "tone", value: "formal" },
  ];
  for (const [i, recipe] of kinds.entries()) {
    const r = await runAgent(
      { id: `bench-${i}`, requester: { source: "discord", id: "1", name: "bench", roles: [] }, text: "bench request", recipe },
      { repoDir: dir, baseRef: "main", logger: { info() {}, warn: (m) => console.warn(String(m)) } },
    );
    if (!r.ok) throw new Error(`bench run ${recipe.kind} failed: ${JSON.stringify(r.report)}`);
    runs.push(r.timings);
    const t = r.timings;
    console.log(
      `agent: ${recipe.kind} → ${r.branch} in ${Math.round(t.totalMs)} ms (worktree ${Math.round(t.worktreeMs)}, edit ${Math.round(t.editMs)}, typecheck ${Math.round(t.typecheckMs)} ∥ tests ${Math.round(t.testsMs)}, policy ${Math.round(t.policyMs)}; verdict ${r.verdict.decision}/${r.verdict.risk})`,
    );
  }
  // One scripted model session against the stand-in (model time ≈ 0): the loop's own overhead.
  const llm = await startOpenAI();
  const plugin = `import { definePlugin } from "../../plugin-api/index.ts";

export default definePlugin({
  name: "wave",
  description: "Waves back",
  commands: [{ name: "wave", description: "Wave", async run(call) { await call.reply("👋"); } }],
});
`;
  const test = `import { expect, it } from "vitest";
import { runCommand } from "../../plugin-api/testing.ts";
import plugin from "./index.ts";
it("waves", async () => expect(await runCommand(plugin, "wave")).toEqual([{ kind: "reply", message: "👋" }]));
`;
  llm.enqueue(
    { toolCalls: [{ name: "read_file", arguments: { path: "bot/plugin-api/index.ts" } }] },
    {
      toolCalls: [
        { name: "write_file", arguments: { path: "bot/plugins/wave/index.ts", content: plugin } },
        { name: "write_file", arguments: { path: "bot/plugins/wave/wave.test.ts", content: test } },
      ],
    },
    {
      toolCalls: [
        { name: "add_import", arguments: { path: "bot/plugins/index.ts", module: "./wave/index.ts", defaultImport: "wave" } },
        { name: "append_to_array", arguments: { path: "bot/plugins/index.ts", variable: "plugins", element: "wave" } },
      ],
    },
    { toolCalls: [{ name: "finish", arguments: { title: "Add /wave", summary: "Adds /wave." } }] },
  );
  let modelSession: Timings;
  try {
    const m = await runAgent(
      { id: "bench-model", requester: { source: "discord", id: "1", name: "bench", roles: [] }, text: "add /wave" },
      { repoDir: dir, baseRef: "main", model: { client: new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey }), model: "ouro-local" } },
    );
    if (!m.ok) throw new Error(`bench model session failed: ${JSON.stringify(m.report)}`);
    modelSession = m.timings;
    console.log(
      `agent: model session (4 scripted turns) → ${m.branch} in ${Math.round(m.timings.totalMs)} ms, of which model ${Math.round(m.timings.modelMs)} ms`,
    );
  } finally {
    await llm.close();
  }

  const first = runs[0];
  const med = (k: keyof Timings) =>
    percentile(
      runs.map((r) => r[k]),
      50,
    );
  report("agent", {
    "recipe→branch (first, cold process)": figure(first.totalMs, "ms", { target: 15_000 }),
    "recipe→branch p50 (3 recipes)": figure(med("totalMs"), "ms", { target: 15_000 }),
    "worktree p50": figure(med("worktreeMs"), "ms"),
    "edit (ts-morph) p50": figure(med("editMs"), "ms"),
    "typecheck (sandboxed) p50": figure(med("typecheckMs"), "ms"),
    "tests (sandboxed) p50": figure(med("testsMs"), "ms"),
    "policy p50": figure(med("policyMs"), "ms"),
    "model session→branch, model time excluded": figure(modelSession.totalMs - modelSession.modelMs, "ms", { target: 15_000 }),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
