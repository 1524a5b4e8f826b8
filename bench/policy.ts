// `npm run bench -- policy`: the policy check as a cold process on a synthetic
// 3,000-file repository — a 5-file PR and a 300-file PR — and, in the same run, ESLint
// with the nearest rule set over the same changed files (the peer). Each size is timed
// with Node's compile cache (both CLIs turn it on) and without (NODE_DISABLE_COMPILE_CACHE=1,
// a machine's very first run), the four commands interleaved so load noise hits all alike;
// the targets are ratios to ESLint (DESIGN.md): ≤ 0.5 on 5 files, ≤ 0.3 on 300. The
// engine's JS build is made first, as `npm install` makes it (policy-engine/js-build/), and
// the bench says which engine ran; BENCH_POLICY_ENGINE=sources times the .ts sources instead.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../policy-engine/js-build/build.mjs";
import { checkBuild } from "../policy-engine/js-build/manifest.mjs";
import { figure, report } from "./report.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "policy-engine/cli.mjs");
const ESLINT = join(ROOT, "node_modules/eslint/bin/eslint.js");
const PLUGINS = 300;
const FILES_PER_PLUGIN = 10; // 3,000 files in all
const RUNS = Number(process.env.BENCH_POLICY_RUNS ?? 5);

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }).trim();

/** A small, ordinary TypeScript module such as a plugin would hold. */
function moduleSource(plugin: number, file: number): string {
  const name = `p${plugin}f${file}`;
  return `import type { ChatInputCommandInteraction } from "discord.js";

export interface ${name}Options {
  prefix: string;
  limit: number;
}

const DEFAULTS: ${name}Options = { prefix: "!", limit: ${10 + file} };

/** Formats a reply for the ${name} command. */
export function format${file}(input: string, opts: Partial<${name}Options> = {}): string {
  const o = { ...DEFAULTS, ...opts };
  const words = input.split(/\\s+/).filter(Boolean).slice(0, o.limit);
  return \`\${o.prefix}\${words.join(" ")}\`;
}

export function score${file}(values: number[]): number {
  let total = 0;
  for (const v of values) total += v * ${file + 1};
  return values.length === 0 ? 0 : total / values.length;
}

export async function handle${file}(interaction: ChatInputCommandInteraction): Promise<void> {
  const text = interaction.options.getString("text") ?? "";
  await interaction.reply({ content: format${file}(text), ephemeral: true });
}

export const meta${file} = { name: "${name}", description: "plugin ${plugin} part ${file}" } as const;
`;
}

function changedSource(plugin: number, file: number): string {
  return (
    moduleSource(plugin, file) +
    `
export function summarize${file}(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([k, n]) => \`\${k}: \${n}\`).join(", ");
}
`
  );
}

function buildRepo(dir: string): { pr5: string[]; pr300: string[] } {
  git(dir, "init", "-q", "-b", "main");
  for (let p = 0; p < PLUGINS; p++) {
    const pdir = join(dir, `bot/plugins/p${p}`);
    mkdirSync(pdir, { recursive: true });
    for (let f = 0; f < FILES_PER_PLUGIN; f++) writeFileSync(join(pdir, `part${f}.ts`), moduleSource(p, f));
  }
  if (existsSync(join(ROOT, "policies"))) cpSync(join(ROOT, "policies"), join(dir, "policies"), { recursive: true });
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");

  const branch = (name: string, files: [number, number][]) => {
    git(dir, "checkout", "-q", "-b", name, "main");
    files.forEach(([p, f], i) => {
      // The last file hides one eval: both tools must find it, or the timing means nothing.
      const extra = i === files.length - 1 ? "\nexport const unsafe = (code: string) => eval(code);\n" : "";
      writeFileSync(join(dir, `bot/plugins/p${p}/part${f}.ts`), changedSource(p, f) + extra);
    });
    git(dir, "commit", "-q", "-am", name);
    return files.map(([p, f]) => `bot/plugins/p${p}/part${f}.ts`);
  };
  const pr5 = branch(
    "pr5",
    Array.from({ length: 5 }, (_, i) => [i, 0] as [number, number]),
  );
  const pr300 = branch(
    "pr300",
    Array.from({ length: 300 }, (_, i) => [i, i % FILES_PER_PLUGIN] as [number, number]),
  );
  return { pr5, pr300 };
}

function eslintConfig(): string {
  const tseslint = import.meta.resolve("typescript-eslint");
  return `import tseslint from ${JSON.stringify(tseslint)};
export default [{
  files: ["**/*.ts"],
  languageOptions: { parser: tseslint.parser, sourceType: "module" },
  rules: {
    "no-eval": "error",
    "no-implied-eval": "error",
    "no-new-func": "error",
    "no-restricted-imports": ["error", { paths: ["child_process", "node:child_process", "vm", "node:vm", "worker_threads", "node:worker_threads", "cluster", "node:cluster", "module", "node:module"] }],
    "no-restricted-properties": ["error",
      { object: "process", property: "binding" },
      { object: "process", property: "dlopen" },
      { object: "process", property: "env" },
      { object: "module", property: "constructor" },
      { object: "Function", property: "prototype" }],
  },
}];
`;
}

interface Cmd {
  label: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Checks one run's result: the tool must have found the planted eval. */
  check(status: number | null, stdout: string): boolean;
}

function runOnce(c: Cmd): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: c.cwd, env: c.env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  if (!c.check(r.status, r.stdout)) {
    throw new Error(`${c.label}: unexpected result (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout).slice(0, 2000)}`);
  }
  return seconds;
}

/** Median wall time (s) of RUNS cold child processes per command, the commands interleaved. */
function timeInterleaved(cmds: Cmd[]): number[] {
  // untimed: fills the compile cache (where one is used) and the OS file cache for each
  for (const c of cmds) runOnce(c);
  const times: number[][] = cmds.map(() => []);
  for (let i = 0; i < RUNS; i++) cmds.forEach((c, j) => times[j].push(runOnce(c)));
  return cmds.map((c, j) => {
    const sorted = [...times[j]].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`${c.label}: median ${median.toFixed(3)} s over ${RUNS} cold runs (${times[j].map((t) => t.toFixed(2)).join(", ")})`);
    return median;
  });
}

const tmp = mkdtempSync(join(tmpdir(), "ouro-bench-policy-"));
try {
  const repo = join(tmp, "repo");
  mkdirSync(repo);
  const t0 = performance.now();
  const changed = buildRepo(repo);
  console.log(`built a ${PLUGINS * FILES_PER_PLUGIN}-file repo in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const config = join(tmp, "eslint.config.mjs");
  writeFileSync(config, eslintConfig());

  const fromSources = process.env.BENCH_POLICY_ENGINE === "sources";
  if (!fromSources) build();
  const current = checkBuild();
  const engine = fromSources
    ? "the .ts sources (BENCH_POLICY_ENGINE=sources)"
    : "entry" in current
      ? "its JS build"
      : `the .ts sources (${current.stale})`;
  console.log(`the policy check runs ${engine}`);
  const base: NodeJS.ProcessEnv = { ...process.env, ...(fromSources ? { OURO_POLICY_JS_BUILD: "off" } : {}) };
  const envs = {
    cold: { ...base },
    cold_nocache: { ...base, NODE_DISABLE_COMPILE_CACHE: "1" },
  };
  delete envs.cold.NODE_DISABLE_COMPILE_CACHE;
  const figures: Record<string, ReturnType<typeof figure>> = {};
  const verdicts: string[] = [];
  for (const [pr, branch, files, targetRatio] of [
    ["pr5", "pr5", changed.pr5, 0.5],
    ["pr300", "pr300", changed.pr300, 0.3],
  ] as const) {
    // The checker reads git objects only; ESLint needs the head files on disk.
    git(repo, "checkout", "-q", branch);
    const cmds: Cmd[] = [];
    for (const [mode, env] of Object.entries(envs)) {
      cmds.push(
        {
          label: `policy-check ${pr}_${mode} (${files.length} files)`,
          args: [CLI, "--repo", repo, "--base", "main", "--head", branch, "--format", "json", "--self-edit"],
          cwd: ROOT,
          env,
          check: (status, out) =>
            status === 1 && (JSON.parse(out) as { findings: { rule: string }[] }).findings.some((f) => f.rule === "api/eval"),
        },
        {
          label: `eslint ${pr}_${mode} (${files.length} files)`,
          args: [ESLINT, "--config", config, "--no-warn-ignored", ...files],
          cwd: repo,
          env,
          check: (status, out) => status === 1 && out.includes("no-eval"),
        },
      );
    }
    const medians = timeInterleaved(cmds);
    Object.keys(envs).forEach((mode, k) => {
      const [ours, peer] = [medians[2 * k], medians[2 * k + 1]];
      const name = `${pr}_${mode}`;
      const ratio = ours / peer;
      const line = `${name}: policy-check ${ours.toFixed(3)} s vs eslint ${peer.toFixed(3)} s, ratio ${ratio.toFixed(2)}, target ≤ ${targetRatio}: ${ratio <= targetRatio ? "met" : "NOT met"}`;
      console.log(line);
      verdicts.push(line);
      // the target in seconds is the ratio target times this run's peer
      figures[name] = figure(ours, "s", { target: Math.round(targetRatio * peer * 1000) / 1000, peer });
    });
  }
  console.log(`summary (median of ${RUNS} cold runs each, interleaved with ESLint):\n  ${verdicts.join("\n  ")}`);
  report("policy", figures);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
