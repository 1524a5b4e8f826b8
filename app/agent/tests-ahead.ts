// The sandboxed plugin test run, started ahead of the policy verdict so that vitest's own
// start-up (loading vitest and vite, resolving our config: about a second) overlaps the edit,
// the snapshot and the verdict. It holds nothing of the worktree until `run` hands it the
// test files, which validate.ts does only once the verdict passed; `cancel` (a failed verdict,
// no tests to run, an error) ends it with nothing run. tests-runner.mjs is the other side.
import { runNodeSandboxed, type SandboxResult, type Warn } from "./sandbox.ts";
import { TESTS_RUNNER_READS, testCompileCache, testsRunnerArgs } from "./test-cache.ts";

/** What the runner writes on stderr once vitest is loaded and it waits for its files. */
const READY_LINE = "tests-runner: ready";

/** What the runner writes on stderr when it ends without a go (tests-runner.mjs). */
const NOT_RUN_LINE = "tests-runner: not run";

/** The runner's exit code when it ended without running anything (no go). */
export const NOT_RUN = 3;

export interface TestsAhead {
  /** Hands the waiting runner its test files (relative to the worktree) and resolves with the run's result. */
  run(files: string[]): Promise<SandboxResult>;
  /** Ends the runner with nothing run (once `run` was called: that run's result); resolves when it has exited. */
  cancel(): Promise<SandboxResult>;
  /** Resolves when vitest is loaded and the runner waits for its files (or has ended). */
  ready: Promise<void>;
}

export interface TestsAheadOptions {
  timeoutMs: number;
  memoryMb: number;
  /** A compile cache to read (test-cache.ts), read-only to the run. Default: the process's, once warmed. */
  compileCache?: string;
}

/** Starts vitest in the sandbox on the worktree `dir`; it waits for `run` before it loads any of it. */
export function startTestsAhead(dir: string, opts: TestsAheadOptions, warn?: Warn): TestsAhead {
  let go!: (line: string | undefined) => void;
  const stdin = new Promise<string | undefined>((resolve) => (go = resolve));
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const cache = opts.compileCache ?? testCompileCache();
  let heard = "";
  // Once the runner says it will run nothing, it is stopped rather than waited for: its own
  // exit, with vitest loaded and never closed, was seen to hang for its whole time limit.
  const stop = new AbortController();
  let cancelled = false;
  const result = runNodeSandboxed(
    testsRunnerArgs(dir),
    {
      cwd: dir,
      timeoutMs: opts.timeoutMs,
      memoryMb: opts.memoryMb,
      readable: [...TESTS_RUNNER_READS, ...(cache ? [cache] : [])],
      ...(cache ? { env: { NODE_COMPILE_CACHE: cache } } : {}),
      stdin,
      abort: stop.signal,
      // a line may come split over two reads, or with more after it in one read: look in the
      // tail of the last read joined to this one, before keeping only the tail for the next
      onStderr: (chunk) => {
        const seen = heard + chunk;
        if (seen.includes(READY_LINE)) markReady();
        if (cancelled && seen.includes(NOT_RUN_LINE)) stop.abort();
        heard = seen.slice(-NOT_RUN_LINE.length);
      },
    },
    warn,
  ).then((r) =>
    // stopped after it said so: it ran nothing, as if it had exited on its own
    stop.signal.aborted && r.stopped && r.stderr.includes(NOT_RUN_LINE) ? { ...r, code: NOT_RUN, signal: null } : r,
  );
  void result.then(markReady);
  let sent = false;
  return {
    ready,
    run(files) {
      if (sent) throw new Error("the plugin tests were already started or cancelled");
      sent = true;
      go(`${JSON.stringify(files)}\n`);
      return result;
    },
    cancel() {
      if (!sent) {
        sent = true;
        cancelled = true;
        go(undefined);
      }
      return result;
    },
  };
}
