// A compile cache for the sandboxed test runs. A cold vitest start is mostly Node compiling
// vitest's and vite's own modules; Node's compile cache keeps that compiled code. It is made
// once per process by a warm-up: vitest on a fixed test of ours, in the sandbox exactly as
// the real runs (so it is keyed for the sandbox's user and flags), writing into a directory
// of its own. Every later run gets that directory read-only (a read-only mount), so no
// agent-written test can add to it or leave anything for another run, and only code of
// ours ever wrote it. Node checks each entry against its module's source before using it.
// Only where the sandbox isolates (namespaces): without isolation nothing is cached.
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { agentScratchRoot, startAttempt } from "./attempts.ts";
import { NOBODY, canDropPrivileges, canIsolateNetwork, runNodeSandboxed, shareReadOnly, type SandboxResult, type Warn } from "./sandbox.ts";

/** The vitest config of every sandboxed plugin test run (plugin-tests.config.mjs). */
export const PLUGIN_TESTS_CONFIG = fileURLToPath(new URL("./plugin-tests.config.mjs", import.meta.url));

/** The script every sandboxed plugin test run is (tests-runner.mjs: vitest's Node API, told its files on stdin). */
export const TESTS_RUNNER = fileURLToPath(new URL("./tests-runner.mjs", import.meta.url));

/** Files of ours the runner reads besides the worktree and node_modules. */
export const TESTS_RUNNER_READS = [TESTS_RUNNER, PLUGIN_TESTS_CONFIG];

/**
 * `node` arguments of a sandboxed plugin test run on the worktree `dir`: the runner, vitest's
 * Node API as the worktree resolves it (through its node_modules link), the root, and our
 * config, plain data Node imports ("native" loader): nothing is bundled or written.
 */
export function testsRunnerArgs(dir: string): string[] {
  const vitestNode = createRequire(join(dir, "node_modules", "package.json")).resolve("vitest/node");
  return [TESTS_RUNNER, vitestNode, dir, PLUGIN_TESTS_CONFIG];
}

const WARM_TEST = `import { expect, it } from "vitest";
it("starts", () => expect(1 + 1).toBe(2));
`;

type State = { ready: string } | { warming: Promise<void> } | { off: string };
let state: State | undefined;

/** The cache directory for a run's NODE_COMPILE_CACHE, once the warm-up made it. */
export function testCompileCache(): string | undefined {
  return state && "ready" in state ? state.ready : undefined;
}

/**
 * Starts the warm-up once per process (not awaited: runs until then go without the cache).
 * `modules` is the node_modules the runs use (the worktree's link), `memoryMb` their heap cap.
 */
export function warmTestCompileCache(modules: string, limits: { timeoutMs: number; memoryMb: number }, warn: Warn): void {
  if (state !== undefined) return;
  if (!canIsolateNetwork()) {
    state = { off: "the sandbox does not isolate here" };
    return;
  }
  state = {
    warming: warmUp(modules, limits, warn).then(
      (dir) => void (state = { ready: dir }),
      (err: Error) => {
        state = { off: err.message };
        warn(`agent tests: no compile cache, every test run starts cold: ${err.message}`);
      },
    ),
  };
}

/** Waits for a warm-up under way (tests that need to know it is done). */
export async function testCacheSettled(): Promise<void> {
  if (state && "warming" in state) await state.warming;
}

async function warmUp(modules: string, limits: { timeoutMs: number; memoryMb: number }, warn: Warn): Promise<string> {
  // An attempt directory (attempts.ts): held while this process lives, removed at its exit,
  // and swept by the next start when the process was killed instead.
  const attempt = startAttempt(agentScratchRoot(), "test-cache");
  process.once("exit", () => attempt.release());
  const scratch = attempt.dir;
  const work = join(scratch, "work");
  mkdirSync(work);
  mkdirSync(join(work, "bot/plugins/warm"), { recursive: true });
  writeFileSync(join(work, "bot/plugins/warm/warm.test.ts"), WARM_TEST);
  symlinkSync(modules, join(work, "node_modules"), "dir");
  const writing = join(work, "cache");
  mkdirSync(writing);
  shareReadOnly(scratch);
  chmodSync(work, 0o755);
  // the warm-up writes the cache as the sandbox's user: nobody, when it drops to nobody
  if (canDropPrivileges()) chownSync(writing, NOBODY, NOBODY);
  const r: SandboxResult = await runNodeSandboxed(
    testsRunnerArgs(work),
    {
      cwd: work,
      env: { NODE_COMPILE_CACHE: writing },
      readable: TESTS_RUNNER_READS,
      stdin: Promise.resolve(`${JSON.stringify(["bot/plugins/warm/warm.test.ts"])}\n`),
      ...limits,
    },
    warn,
  );
  if (r.code !== 0)
    throw new Error(`the warm-up run failed (${r.stopped ?? `exit ${r.code ?? r.signal}`}): ${(r.stderr || r.stdout).slice(0, 500)}`);
  // from here on ours alone: owned by this process's user, read-only to everyone else
  const ready = join(scratch, "cache");
  renameSync(writing, ready);
  const uid = process.getuid?.();
  for (const entry of [".", ...(readdirSync(ready, { recursive: true }) as string[])]) {
    const path = join(ready, entry);
    if (uid !== undefined && canDropPrivileges()) chownSync(path, uid, process.getgid?.() ?? uid);
    chmodSync(path, lstatSync(path).isDirectory() ? 0o755 : 0o644);
  }
  if (!readdirSync(ready).some((d) => existsSync(join(ready, d)) && readdirSync(join(ready, d)).length > 0)) {
    throw new Error("the warm-up run left no compiled code");
  }
  rmSync(work, { recursive: true, force: true });
  return ready;
}
