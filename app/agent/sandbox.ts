// Runs agent-written code (typecheck, tests) in a child process that holds no secrets:
// scrubbed environment, a throwaway HOME, a time limit, a memory limit, no network when
// the OS lets us create a network namespace (`unshare -n`), and — when we run as root —
// as the unprivileged `nobody` user (`setpriv`), so it cannot write the app, the repo or
// the shared node_modules (and not at all when nobody cannot read what it must run).
// Each missing isolation is logged once as a warning.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface SandboxOptions {
  cwd: string;
  timeoutMs: number;
  memoryMb: number;
  /** Extra env entries (never secrets: the caller decides; tests assert the scrub). */
  env?: Record<string, string>;
}

export interface SandboxResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  network: "none" | "host";
  /** "nobody" when privileges were dropped, "self" when the child runs as this process's user. */
  user: "nobody" | "self";
}

/** uid/gid of `nobody` on Linux. */
export const NOBODY = 65534;

let netProbe: boolean | undefined;
const warned = new Set<string>();
let dropProbe: boolean | undefined;

const AS_NOBODY = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--no-new-privs", "--"];

/** Runs our Node as `nobody` with `code`; true when it exits 0. */
const nobodyRuns = (code: string, args: string[] = []): boolean =>
  spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), process.execPath, "-e", code, ...args], {
    stdio: "ignore",
    timeout: 10_000,
    env: { PATH: "/usr/bin:/bin" },
  }).status === 0;

/** Whether the child can run as `nobody` (we are root and setpriv works). Probed once. */
export function canDropPrivileges(): boolean {
  // nobody must also be able to run our Node (its path may be private to us).
  dropProbe ??= process.getuid?.() === 0 && nobodyRuns("0");
  return dropProbe;
}

const readableProbes = new Map<string, boolean>();

/**
 * Whether `nobody` can read `paths` (probed once per set): a checkout under a private
 * directory (a 0700 home or `mktemp -d`) keeps it from the shared node_modules.
 */
function nobodyCanRead(paths: string[]): boolean {
  const key = paths.join("\0");
  let ok = readableProbes.get(key);
  if (ok === undefined) {
    ok = nobodyRuns("const fs = require('node:fs'); for (const p of process.argv.slice(1)) fs.accessSync(p, fs.constants.R_OK)", paths);
    readableProbes.set(key, ok);
  }
  return ok;
}

function warnOnce(warn: Warn, key: string, msg: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  warn(msg);
}

/** Whether `unshare -n` works here (needs root or unprivileged user namespaces). Probed once. */
export function canIsolateNetwork(): boolean {
  if (netProbe === undefined) {
    const r = spawnSync("unshare", ["-n", "true"], { stdio: "ignore", timeout: 5000 });
    netProbe = r.status === 0;
  }
  return netProbe;
}

export type Warn = (msg: string) => void;

/** The only environment a sandboxed check sees. */
export function scrubbedEnv(home: string, memoryMb: number, extra: Record<string, string> = {}): Record<string, string> {
  const path = [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":");
  return {
    PATH: path,
    HOME: home,
    TMPDIR: home,
    NODE_ENV: "test",
    NODE_OPTIONS: `--max-old-space-size=${memoryMb}`,
    CI: "1",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    ...extra,
  };
}

/** Lets the sandbox user read (not write) a directory we created with mkdtemp (mode 0700). */
export function shareReadOnly(dir: string): void {
  chmodSync(dir, 0o755);
}

/** Runs `node <args>` (the app's own Node) sandboxed. */
export function runNodeSandboxed(args: string[], opts: SandboxOptions, warn: Warn = console.warn): Promise<SandboxResult> {
  const home = mkdtempSync(join(tmpdir(), "ouro-sandbox-home-"));
  const env = scrubbedEnv(home, opts.memoryMb, opts.env);
  const isolate = canIsolateNetwork();
  if (!isolate) warnOnce(warn, "net", "agent sandbox: `unshare -n` is not available here; checks run WITHOUT network isolation");
  const drop = canDropPrivileges();
  if (drop) chownSync(home, NOBODY, NOBODY);
  else warnOnce(warn, "user", "agent sandbox: not root or no setpriv; checks run as this process's user (they can write what it can)");
  // As root the checks run as nobody or not at all (never as root): the script (tsc, vitest in
  // the shared node_modules) and the worktree's parent must be readable to nobody.
  const needed = [args[0], dirname(opts.cwd)].filter(Boolean);
  if (drop && !nobodyCanRead(needed)) {
    rmSync(home, { recursive: true, force: true });
    const why = `agent sandbox: the checks cannot run as nobody, who cannot read ${needed.join(" or ")} (a private parent directory, such as a 0700 home or mktemp -d?); they were not run as root instead — make the checkout readable to others (chmod o+rx on its parent directories)`;
    warnOnce(warn, `unreadable:${needed.join(",")}`, why);
    const network = isolate ? "none" : "host";
    return Promise.resolve({ code: 1, signal: null, stdout: "", stderr: why, timedOut: false, durationMs: 0, network, user: "nobody" });
  }
  // prlimit caps file size and core dumps; the heap cap is NODE_OPTIONS above.
  const limits = ["prlimit", "--core=0", `--fsize=${256 * 1024 * 1024}`, "--"];
  const user = drop ? AS_NOBODY : [];
  const argv = [...(isolate ? ["unshare", "-n", "--"] : []), ...limits, ...user, process.execPath, ...args];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    const cap = (s: string, add: string) => (s.length > 2_000_000 ? s : s + add);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout = cap(stdout, d)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = cap(stderr, d)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, opts.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      resolve({
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        durationMs: performance.now() - started,
        network: isolate ? "none" : "host",
        user: drop ? "nobody" : "self",
      });
    };
    child.on("error", (err) => {
      stderr += String(err);
      finish(null, null);
    });
    child.on("close", finish);
  });
}
