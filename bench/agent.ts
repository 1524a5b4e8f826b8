// `npm run bench -- agent`: a recipe request → a validated branch (worktree, ts-morph edit,
// sandboxed typecheck + tests in parallel, base-policy verdict, branch), on a real git
// repo holding this project's bot/ and policies/. No model involved. Target < 15 s, and at
// most half of the old path (typecheck on tsc 5.9), measured as the peer in the same run.
// Also the sandbox's own cost: an empty script sandboxed, beside a bare Node.
import { execSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { runAgent, type Timings } from "../app/agent/index.ts";
import { runNodeSandboxed, shareReadOnly } from "../app/agent/sandbox.ts";
import { TYPECHECKER_ENV } from "../app/agent/typechecker.ts";
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

  // The old path (typecheck on tsc 5.9) is the peer of the new one (tsgo), in the same run:
  // each recipe on each path, three times, alternating which path goes first.
  type Path = "tsc" | "tsgo";
  const runs: Record<Path, Timings[]> = { tsc: [], tsgo: [] };
  /** new / old for the same recipe measured back to back: the machine's load drifts less within a pair. */
  const pairRatios: number[] = [];
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
  const runRecipe = async (id: string, recipe: (typeof kinds)[number], path: Path): Promise<Timings> => {
    if (path === "tsc") process.env[TYPECHECKER_ENV] = "tsc";
    else delete process.env[TYPECHECKER_ENV];
    try {
      const r = await runAgent(
        { id, requester: { source: "discord", id: "1", name: "bench", roles: [] }, text: "bench request", recipe },
        { repoDir: dir, baseRef: "main", logger: { info() {}, warn: (m) => console.warn(String(m)) } },
      );
      if (!r.ok) throw new Error(`bench run ${recipe.kind} (${path}) failed: ${JSON.stringify(r.report)}`);
      const t = r.timings;
      console.log(
        `agent: ${recipe.kind} [${path}] → ${r.branch} in ${Math.round(t.totalMs)} ms (worktree ${Math.round(t.worktreeMs)}, edit ${Math.round(t.editMs)}, typecheck ${Math.round(t.typecheckMs)} ∥ tests ${Math.round(t.testsMs)}, policy ${Math.round(t.policyMs)}; verdict ${r.verdict.decision}/${r.verdict.risk})`,
      );
      return t;
    } finally {
      delete process.env[TYPECHECKER_ENV];
    }
  };
  // The first run in this process pays the cold start (module loading): reported on its own, kept out of the p50s.
  const first = await runRecipe("bench-cold", kinds[0], "tsgo");
  for (let round = 0; round < 3; round++) {
    for (const [i, recipe] of kinds.entries()) {
      const order: Path[] = (round + i) % 2 === 0 ? ["tsc", "tsgo"] : ["tsgo", "tsc"];
      const pair: Partial<Record<Path, number>> = {};
      for (const path of order) {
        const t = await runRecipe(`bench-${path}-${round}-${i}`, recipe, path);
        runs[path].push(t);
        pair[path] = t.totalMs;
      }
      pairRatios.push(pair.tsgo! / pair.tsc!);
    }
  }
  // The sandbox's own cost: an empty script sandboxed against a bare Node on it, interleaved.
  const empty = mkdtempSync(join(tmpdir(), "ouro-bench-sandbox-"));
  const setup: Record<"bare" | "sandboxed", number[]> = { bare: [], sandboxed: [] };
  try {
    shareReadOnly(empty);
    writeFileSync(join(empty, "empty.mjs"), "", { mode: 0o644 });
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      spawnSync(process.execPath, [join(empty, "empty.mjs")], { stdio: "ignore" });
      setup.bare.push(performance.now() - t);
      const r = await runNodeSandboxed([join(empty, "empty.mjs")], { cwd: empty, timeoutMs: 30_000, memoryMb: 256 });
      if (r.code !== 0 || r.isolation !== "namespaces") throw new Error(`bench: the sandboxed empty script failed: ${r.stderr}`);
      setup.sandboxed.push(r.durationMs);
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
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

  const med = (path: Path, k: keyof Timings) =>
    percentile(
      runs[path].map((r) => r[k]),
      50,
    );
  const p50 = med("tsgo", "totalMs");
  const old = med("tsc", "totalMs");
  report("agent", {
    "recipe→branch (first, cold process)": figure(first.totalMs, "ms", { target: 15_000 }),
    "recipe→branch p50 (3 recipes ×3; peer: old path, tsc)": figure(p50, "ms", { target: 15_000, peer: old }),
    "recipe→branch p50 ratio to the old path": figure(p50 / old, "×", { target: 0.5 }),
    "recipe→branch, median of back-to-back pairs' ratios (new / old)": figure(percentile(pairRatios, 50), "×", { target: 0.5 }),
    "sandbox: empty script p50 (peer: bare node)": figure(percentile(setup.sandboxed, 50), "ms", {
      peer: percentile(setup.bare, 50),
    }),
    "worktree p50": figure(med("tsgo", "worktreeMs"), "ms"),
    "edit (ts-morph) p50": figure(med("tsgo", "editMs"), "ms"),
    "typecheck (sandboxed) p50 (peer: tsc)": figure(med("tsgo", "typecheckMs"), "ms", { peer: med("tsc", "typecheckMs") }),
    "tests (sandboxed) p50": figure(med("tsgo", "testsMs"), "ms"),
    "policy p50": figure(med("tsgo", "policyMs"), "ms"),
    "model session→branch, model time excluded": figure(modelSession.totalMs - modelSession.modelMs, "ms", { target: 15_000 }),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
