// The pre-push checks on a worktree: typecheck and tests run sandboxed (they execute or
// type agent-written code); the policy verdict comes from the base's policy (policy.ts).
import { mkdtempSync, rmSync, writeFileSync, existsSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { loadSettings } from "../../contract/settings.ts";
import { runNodeSandboxed, shareReadOnly, type SandboxResult, type Warn } from "./sandbox.ts";
import { warmTestCompileCache } from "./test-cache.ts";
import { startTestsAhead, type TestsAhead } from "./tests-ahead.ts";
import { chooseCompiler, compilerSetting, tscScript, type Compiler, type CompilerName } from "./typechecker.ts";

export interface Diagnostic {
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export interface CheckOutcome {
  name: "typecheck" | "tests" | "policy";
  ok: boolean;
  durationMs: number;
  diagnostics: Diagnostic[];
  /** Short text for the model and the report (truncated). */
  summary: string;
  /** The compiler that judged a typecheck (tsgo, or tsc). */
  compiler?: CompilerName;
}

export interface SandboxLimits {
  timeoutMs: number;
  memoryMb: number;
}

const strip = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
export const truncate = (s: string, max = 4000) => (s.length <= max ? s : `${s.slice(0, max)}\n… (${s.length - max} more characters)`);

/** The TypeScript files to typecheck for a change: changed .ts under bot/ plus the registry. */
export function typecheckRoots(changed: string[]): string[] {
  const roots = new Set(changed.filter((p) => p.endsWith(".ts") && p.startsWith("bot/")));
  roots.add("bot/plugins/index.ts");
  return [...roots].sort();
}

/** The tsconfig the agent typechecks a change with: the repo's options, only the change's roots and what they import. */
export function typecheckConfig(dir: string, roots: string[]): object {
  return {
    extends: join(dir, "tsconfig.json"),
    compilerOptions: { noEmit: true, incremental: false, typeRoots: [join(dir, "node_modules/@types")] },
    files: roots.map((p) => join(dir, p)),
    include: [],
  };
}

const fallbacksWarned = new Set<string>();
function warnFallback(warn: Warn, why: string): void {
  if (fallbacksWarned.has(why)) return;
  fallbacksWarned.add(why);
  warn(`agent typecheck: ${why}`);
}

/**
 * Typechecks only what the change needs: its files and what they import, with the repo's options.
 * On tsgo (typechecker.ts) unless `want` or OURO_TYPECHECKER says tsc, or tsgo cannot run here.
 */
export async function typecheck(
  dir: string,
  changed: string[],
  limits: SandboxLimits,
  warn: Warn = console.warn,
  want?: CompilerName,
): Promise<CheckOutcome> {
  const started = performance.now();
  const setting = want ?? compilerSetting();
  if (typeof setting !== "string") {
    warnFallback(warn, setting.error);
    return {
      name: "typecheck",
      ok: false,
      durationMs: 0,
      diagnostics: [{ message: setting.error }],
      summary: `typecheck failed: ${setting.error}`,
    };
  }
  const roots = typecheckRoots(changed).filter((p) => existsSync(join(dir, p)));
  const cfgDir = mkdtempSync(join(tmpdir(), "ouro-tsc-"));
  shareReadOnly(cfgDir);
  try {
    const cfg = join(cfgDir, "tsconfig.json");
    writeFileSync(cfg, JSON.stringify(typecheckConfig(dir, roots)));
    let compiler = chooseCompiler(dir, setting);
    if (compiler.fallback) warnFallback(warn, compiler.fallback);
    let r = await runCompiler(compiler, dir, cfg, cfgDir, limits, warn);
    let out = strip(r.stdout + r.stderr);
    let diagnostics = parseTscOutput(out, dir);
    if (compiler.name === "tsgo" && r.code !== 0 && diagnostics.length === 0 && !r.timedOut && !r.stopped && r.isolation !== "refused") {
      // tsgo failed without a single TS diagnostic (it could not start, or crashed): tsc judges instead.
      const lines = out.split("\n").map((l) => l.trim());
      const said =
        lines.find((l) => /^(\w*Error\b|panic\b|fatal\b)/i.test(l)) ?? (lines.find(Boolean) || `exit code ${r.code ?? r.signal}`);
      warnFallback(
        warn,
        `the native TypeScript compiler (tsgo) failed without a diagnostic (${truncate(said, 300)}); typechecking with tsc instead`,
      );
      compiler = { name: "tsc", script: tscScript(dir) };
      r = await runCompiler(compiler, dir, cfg, cfgDir, limits, warn);
      out = strip(r.stdout + r.stderr);
      diagnostics = parseTscOutput(out, dir);
    }
    const ok = r.code === 0 && !r.timedOut;
    return {
      name: "typecheck",
      ok,
      durationMs: performance.now() - started,
      diagnostics,
      compiler: compiler.name,
      summary: ok
        ? `typecheck passed (${compiler.name}, ${roots.length} root files)`
        : failureText("typecheck", r, diagnostics.map(fmt).join("\n") || out),
    };
  } finally {
    rmSync(cfgDir, { recursive: true, force: true });
  }
}

function runCompiler(
  compiler: Compiler,
  dir: string,
  cfg: string,
  cfgDir: string,
  limits: SandboxLimits,
  warn: Warn,
): Promise<SandboxResult> {
  // tsgo is Go, not V8: the heap cap (--max-old-space-size) does not reach it; GOMEMLIMIT makes its GC hold to the same size.
  const env: Record<string, string> = compiler.name === "tsgo" ? { GOMEMLIMIT: `${limits.memoryMb}MiB` } : {};
  const args = ["-p", cfg, "--pretty", "false"];
  const opts = { cwd: dir, readable: [cfgDir], env, ...limits };
  return compiler.native
    ? runNodeSandboxed(args, { ...opts, program: compiler.native }, warn)
    : runNodeSandboxed([compiler.script, ...args], opts, warn);
}

export function parseTscOutput(out: string, dir: string): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const m of out.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/gm)) {
    diags.push({ file: relTo(dir, m[1]), line: Number(m[2]), column: Number(m[3]), message: m[4] });
  }
  for (const m of out.matchAll(/^error (TS\d+: .*)$/gm)) diags.push({ message: m[1] });
  return diags;
}

function relTo(dir: string, file: string): string {
  const f = file.replaceAll("\\", "/");
  const d = dir.replaceAll("\\", "/").replace(/\/$/, "");
  return f.startsWith(d + "/") ? f.slice(d.length + 1) : f;
}

/** The bot's setting values: data the core reads at start-up, so the agent checks them against the core schema. */
export const SETTINGS_JSON = "bot/plugins/settings.json";

/** Problems with bot/plugins/settings.json when the change touches it (parsed as data, never run). */
export function settingsDiagnostics(dir: string, changed: string[]): Diagnostic[] {
  const stat = changed.includes(SETTINGS_JSON) ? lstatSync(join(dir, SETTINGS_JSON), { throwIfNoEntry: false }) : undefined;
  if (!stat) return [];
  if (!stat.isFile()) return [{ file: SETTINGS_JSON, message: "must be a regular file" }];
  try {
    loadSettings(join(dir, SETTINGS_JSON));
    return [];
  } catch (e) {
    return [{ file: SETTINGS_JSON, message: (e as Error).message }];
  }
}

/** The vitest files a change calls for: tests in touched plugin folders, top-level plugin tests when their subject changed. */
export function testFilesFor(dir: string, changed: string[]): string[] {
  const files = new Set<string>();
  for (const p of changed) {
    if (!p.startsWith("bot/plugins/")) continue;
    const parts = p.split("/");
    if (parts.length >= 4) {
      const folder = parts.slice(0, 3).join("/");
      if (existsSync(join(dir, folder))) {
        for (const f of readdirSync(join(dir, folder), { recursive: true }) as string[]) {
          if (f.endsWith(".test.ts")) files.add(posix.join(folder, f.replaceAll("\\", "/")));
        }
      }
    } else if (p.endsWith(".test.ts")) {
      if (existsSync(join(dir, p))) files.add(p);
    } else {
      // bot/plugins/x.ts → x.test.ts and x-*.test.ts; settings.json → settings-values.test.ts
      const stem = posix.basename(p).replace(/\.[^.]+$/, "");
      for (const f of readdirSync(join(dir, "bot/plugins"))) {
        if (f.startsWith(stem) && f.endsWith(".test.ts")) files.add(`bot/plugins/${f}`);
      }
    }
  }
  return [...files].sort();
}

/**
 * Runs the plugin tests the change calls for, sandboxed: on `ahead` when one was started
 * (tests-ahead.ts: vitest already loaded, waiting for its files), else on a run started now.
 * Call it only once the policy verdict passed: this is what hands the runner the files.
 */
export async function runTests(
  dir: string,
  changed: string[],
  limits: SandboxLimits,
  warn?: Warn,
  ahead?: TestsAhead,
): Promise<CheckOutcome> {
  const started = performance.now();
  const settings = settingsDiagnostics(dir, changed);
  const files = settings.length > 0 ? [] : testFilesFor(dir, changed);
  if (files.length === 0) void ahead?.cancel();
  if (settings.length > 0) {
    return {
      name: "tests",
      ok: false,
      durationMs: performance.now() - started,
      diagnostics: settings,
      summary: truncate(`tests failed: ${settings.map(fmt).join("\n")}`),
    };
  }
  if (files.length === 0) {
    return { name: "tests", ok: true, durationMs: 0, diagnostics: [], summary: "no tests apply to the changed files" };
  }
  const r = await (ahead ?? startTestsAhead(dir, limits, warn)).run(files);
  // once per process: the compile cache later runs read (test-cache.ts)
  warmTestCompileCache(realpathSync(join(dir, "node_modules")), limits, warn ?? console.warn);
  const out = strip(r.stdout + r.stderr);
  const ok = r.code === 0 && !r.timedOut;
  const diagnostics: Diagnostic[] = ok
    ? []
    : [...out.matchAll(/(?:FAIL|×)\s+(\S+\.test\.ts)(?:\s*>\s*(.*))?/g)].map((m) => ({ file: m[1], message: (m[2] ?? "failed").trim() }));
  return {
    name: "tests",
    ok,
    durationMs: performance.now() - started,
    diagnostics,
    summary: ok ? `tests passed (${files.join(", ")})` : failureText("tests", r, out),
  };
}

const fmt = (d: Diagnostic) => `${d.file ?? ""}${d.line ? `:${d.line}:${d.column ?? 1}` : ""}${d.file ? " " : ""}${d.message}`;
export const formatDiagnostic = fmt;

function failureText(what: string, r: SandboxResult, body: string): string {
  const why = r.stopped
    ? r.stopped
    : r.timedOut
      ? `timed out after ${Math.round(r.durationMs)} ms`
      : r.signal
        ? `killed by ${r.signal}`
        : `exit code ${r.code}`;
  return truncate(`${what} failed (${why})\n${body.trim()}`);
}
