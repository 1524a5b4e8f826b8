// Runs agent-written code (typecheck, tests) in a child process that holds no secrets.
// Isolation comes from Linux namespaces, with or without root (`unshare`, util-linux):
// no network but loopback, its own pid namespace (all its processes die with it), the
// host's file tree read-only with the worktree writable, a private /tmp, and the app's
// data dir, HOME, .env and key file hidden (sandbox-mounts.ts). Without root that is a
// user namespace (--map-root-user) and the check runs with no capabilities; as root the
// check also drops to `nobody`. Always: a scrubbed environment, a time limit, a heap cap,
// a process cap (a fork bomb stalls: a pids cgroup of its own as root where cgroup v1 has
// one, else RLIMIT_NPROC), and rlimits on CPU seconds, file size and core dumps.
// Whether this works is probed once by trying it. When it does not, checks are refused
// with the reason, unless OURO_SANDBOX=unsafe-none allows running them without isolation.
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SANDBOX_HOME, SETUP_FAILED, appSecrets, nodeReadable, real, setupCommand } from "./sandbox-mounts.ts";

export interface SandboxOptions {
  cwd: string;
  timeoutMs: number;
  memoryMb: number;
  /** Extra env entries (never secrets: the caller decides; tests assert the scrub). */
  env?: Record<string, string>;
  /** Paths outside the worktree the check must read (a generated tsconfig): kept readable even in /tmp. */
  readable?: string[];
  /** More paths to hide, besides the app's own secrets (appSecrets). */
  hidden?: string[];
  /** Most processes (threads count) the check may have at once. Default 256. */
  maxProcesses?: number;
  /** CPU seconds per process. Default: the time limit plus 5 s. */
  cpuSeconds?: number;
  /**
   * What the check reads on stdin: written once the promise resolves, then stdin is closed
   * (undefined closes it with nothing written). Without it stdin is closed from the start.
   */
  stdin?: Promise<string | undefined>;
  /** Each piece of the check's stderr as it comes (the result still holds all of it). */
  onStderr?: (chunk: string) => void;
  /**
   * A native program of ours to run in place of our Node (tsgo's binary, in node_modules):
   * `args` are then its arguments. The same sandbox, user and limits.
   */
  program?: string;
  /** Stops the check at once when aborted, as its time limit would: every process of it is killed. */
  abort?: AbortSignal;
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
  /** "namespaces" when isolated; "none" only with OURO_SANDBOX=unsafe-none; "refused" when not run for want of it. */
  isolation: "namespaces" | "none" | "refused";
  /** Why a limit stopped it, in plain words (time, CPU, file size), when one did. */
  stopped?: string;
}

/** uid/gid of `nobody` on Linux. */
export const NOBODY = 65534;

/** The switch that lets checks run with no isolation where namespaces are unavailable. */
export const UNSAFE_SWITCH = "OURO_SANDBOX=unsafe-none";

const DEFAULT_MAX_PROCESSES = 256;
const FILE_SIZE_MB = 256;

const warned = new Set<string>();
let dropProbe: boolean | undefined;
let isolationProbe: { ok: boolean; why: string } | undefined;

const AS_NOBODY = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--no-new-privs", "--"];
/** Without root: stay the namespace's root, but with no capabilities left, so the mounts cannot be undone. */
const NO_CAPS = ["setpriv", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--"];

const isRoot = () => process.getuid?.() === 0;

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
  dropProbe ??= isRoot() && nobodyRuns("0");
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

/** `unshare` with the namespaces of a check: --user too when we are not root. */
function unshareArgs(): string[] {
  const ns = ["--net", "--mount", "--pid", "--fork", "--kill-child"];
  return isRoot() ? ns : ["--user", "--map-root-user", ...ns];
}

/** Whether the namespaces and mounts of a sandbox can be set up here, found by setting them up once. */
export function isolationAvailable(): { ok: boolean; why: string } {
  if (!isolationProbe) {
    const root = mkdtempSync(join(tmpdir(), "ouro-sandbox-probe-"));
    const cwd = mkdtempSync(join(tmpdir(), "ouro-sandbox-probe-cwd-"));
    try {
      const setup = setupCommand({ root, cwd, readable: [], hidden: [], tmpMb: 1 }, ["true"]);
      if (!Array.isArray(setup)) isolationProbe = { ok: false, why: setup.error };
      else {
        const r = spawnSync("unshare", [...unshareArgs(), "--", ...setup], {
          encoding: "utf8",
          timeout: 10_000,
          env: { PATH: "/usr/bin:/bin" },
        });
        const said = (r.error ? String(r.error) : r.stderr).trim() || `exit code ${r.status}`;
        const why = /execute perl/.test(said) ? `${said}; the set-up runs on perl: install it (Debian, Ubuntu: perl-base)` : said;
        isolationProbe = { ok: r.status === 0, why };
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  return isolationProbe;
}

/** Whether checks run without network (namespaces work here). */
export function canIsolateNetwork(): boolean {
  return isolationAvailable().ok;
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

const signalName = (n: number) => (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;

/** The plain-words reason a limit stopped the check, if one did. */
function stoppedBy(
  r: { timedOut: boolean; aborted: boolean; signal: NodeJS.Signals | null },
  timeoutMs: number,
  cpuSeconds: number,
): string | undefined {
  if (r.timedOut) return `it ran past its time limit of ${timeoutMs / 1000} s; all its processes were stopped`;
  if (r.aborted) return "its caller stopped it; all its processes were stopped";
  if (r.signal === "SIGXCPU") return `it used more than ${cpuSeconds} s of CPU time and was stopped`;
  if (r.signal === "SIGKILL") return `it was killed (out of memory, or past its CPU limit of ${cpuSeconds} s)`;
  if (r.signal === "SIGXFSZ") return `it wrote a file larger than the ${FILE_SIZE_MB} MB limit and was stopped`;
  return undefined;
}

const PIDS_V1 = "/sys/fs/cgroup/pids";
let pidsProbe: boolean | undefined;

/** A new pids cgroup (cgroup v1, as root) capped at `max` tasks, or undefined where there is none to make. */
function newPidsCgroup(max: number): string | undefined {
  pidsProbe ??= existsSync(join(PIDS_V1, "cgroup.procs"));
  if (!pidsProbe) return undefined;
  const dir = join(PIDS_V1, `ouro-sandbox-${process.pid}-${randomUUID()}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, "pids.max"), String(max));
    return dir;
  } catch {
    pidsProbe = false; // read-only or not ours: fall back to RLIMIT_NPROC
    removeCgroup(dir);
    return undefined;
  }
}

/** Removes a sandbox's cgroup; by now its pid namespace, and so every task in it, is gone. */
function removeCgroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // never made, or a task still exiting: an empty leftover costs nothing
  }
}

/** The first child of `pid` (unshare's: the namespace's pid 1), when /proc shows it. */
function firstChild(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

const refused = (stderr: string, network: SandboxResult["network"], user: SandboxResult["user"], isolation: SandboxResult["isolation"]) =>
  Promise.resolve<SandboxResult>({ code: 1, signal: null, stdout: "", stderr, timedOut: false, durationMs: 0, network, user, isolation });

/** Runs `node <args>` (the app's own Node), or `opts.program <args>`, sandboxed. */
export function runNodeSandboxed(args: string[], opts: SandboxOptions, warn: Warn = console.warn): Promise<SandboxResult> {
  const probe = isolationAvailable();
  const isolate = probe.ok;
  const setting = process.env.OURO_SANDBOX ?? "";
  if (setting !== "" && setting !== "unsafe-none") {
    const why = `agent sandbox: the checks were not run: OURO_SANDBOX is "${setting}", but the only value it takes is unsafe-none (or leave it unset)`;
    warnOnce(warn, `setting:${setting}`, why);
    return refused(why, "host", "self", "refused");
  }
  const cwd = real(opts.cwd);
  if (!cwd) return refused(`agent sandbox: the checks were not run: their directory ${opts.cwd} does not exist`, "host", "self", "refused");
  const unsafe = setting === "unsafe-none";
  if (!isolate && !unsafe) {
    const why = `agent sandbox: the checks were not run, because this host cannot isolate them (user, network and mount namespaces via \`unshare\` failed: ${probe.why}). Enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0), or set ${UNSAFE_SWITCH} to run agent-written code without isolation, with this process's network and files`;
    warnOnce(warn, "refused", why);
    return refused(why, "host", "self", "refused");
  }
  if (!isolate)
    warnOnce(
      warn,
      "unsafe",
      `agent sandbox: ${UNSAFE_SWITCH}: checks run WITHOUT isolation (network, files and processes of this user); namespaces failed: ${probe.why}`,
    );
  const drop = canDropPrivileges();
  if (!drop && !isolate)
    warnOnce(warn, "user", "agent sandbox: not root or no setpriv; checks run as this process's user (they can write what it can)");
  // As root the checks run as nobody or not at all (never as root): what it runs must be
  // readable to nobody. Unisolated, that is the script (tsc, vitest in the shared node_modules)
  // and the worktree's parent on the host; isolated, the new root rebuilds the parents of the
  // worktree and the kept paths (a checkout in a 0700 directory is fine), so only a script
  // outside them must be readable as it is.
  const readable = isolate ? nodeReadable(cwd, opts.readable ?? []) : [];
  const rebuilt = (p: string) => [cwd, ...readable].some((k) => p === k || p.startsWith(`${k}/`));
  const first = opts.program ?? args[0];
  const needed = isolate ? [first].filter((p) => p && !rebuilt(real(p) ?? p)) : [first, dirname(opts.cwd)].filter(Boolean);
  const network = isolate ? "none" : "host";
  if (drop && needed.length > 0 && !nobodyCanRead(needed)) {
    const why = `agent sandbox: the checks cannot run as nobody, who cannot read ${needed.join(" or ")} (a private parent directory, such as a 0700 home or mktemp -d?); they were not run as root instead — make the checkout readable to others (chmod o+rx on its parent directories)`;
    warnOnce(warn, `unreadable:${needed.join(",")}`, why);
    return refused(why, network, "nobody", isolate ? "namespaces" : "none");
  }
  const cpuSeconds = opts.cpuSeconds ?? Math.ceil(opts.timeoutMs / 1000) + 5;
  const maxProcesses = opts.maxProcesses ?? DEFAULT_MAX_PROCESSES;
  // As root, a pids cgroup of its own: RLIMIT_NPROC would count every process of nobody on the host.
  const cgroup = isolate && drop ? newPidsCgroup(maxProcesses) : undefined;
  const limits = [
    "prlimit",
    ...(cgroup ? [] : [`--nproc=${maxProcesses}`]),
    `--cpu=${cpuSeconds}:${cpuSeconds + 1}`,
    `--fsize=${FILE_SIZE_MB * 1024 * 1024}`,
    "--core=0",
    "--",
  ];
  const user = drop ? AS_NOBODY : isolate ? NO_CAPS : [];
  const command = [...limits, ...user, opts.program ?? process.execPath, ...args];
  // Not isolated: a throwaway HOME on the host. Isolated: the new root is built on `scratch`, HOME is in the private /tmp.
  const scratch = mkdtempSync(join(tmpdir(), isolate ? "ouro-sandbox-root-" : "ouro-sandbox-home-"));
  let argv: string[];
  let home: string;
  if (isolate) {
    home = SANDBOX_HOME;
    const setup = setupCommand(
      {
        root: scratch,
        cwd,
        readable,
        hidden: [...new Set([...appSecrets(), ...(opts.hidden ?? []).map((p) => real(p)).filter((p): p is string => !!p)])],
        tmpMb: Math.max(64, opts.memoryMb),
        homeOwner: drop ? NOBODY : undefined,
        pidsCgroup: cgroup,
      },
      command,
    );
    if (!Array.isArray(setup)) {
      // a kept path that would undo the isolation (sandbox-mounts.ts): refused, never run unisolated
      rmSync(scratch, { recursive: true, force: true });
      if (cgroup) removeCgroup(cgroup);
      const why = `agent sandbox: the checks were not run: ${setup.error}`;
      warn(why);
      return refused(why, network, drop ? "nobody" : "self", "refused");
    }
    argv = ["unshare", ...unshareArgs(), "--", ...setup];
  } else {
    home = scratch;
    if (drop) chownSync(home, NOBODY, NOBODY);
    argv = command;
  }
  const env = scrubbedEnv(home, opts.memoryMb, opts.env);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env, stdio: "pipe", detached: true });
    // stdin: what opts.stdin resolves to, once it does; without it, closed at once (nothing to read)
    child.stdin.on("error", () => {}); // the check ended before reading: its result says why
    if (opts.stdin)
      void opts.stdin.then(
        (text) => (text === undefined ? child.stdin.end() : child.stdin.end(text)),
        () => child.stdin.end(),
      );
    else child.stdin.end();
    let stdout = "";
    let stderr = "";
    const cap = (s: string, add: string) => (s.length > 2_000_000 ? s : s + add);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout = cap(stdout, d)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr = cap(stderr, d);
      opts.onStderr?.(d);
    });
    let timedOut = false;
    let aborted = false;
    let ended = false;
    const killAll = () => {
      if (ended) return;
      // Isolated, kill the namespace's first process: the kernel ends every process in the
      // namespace before `unshare` sees it die, so nothing outlives the result.
      const init = isolate ? firstChild(child.pid!) : undefined;
      try {
        process.kill(init ?? -child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, opts.timeoutMs);
    const onAbort = () => {
      if (timedOut || ended) return;
      aborted = true;
      killAll();
    };
    if (opts.abort?.aborted) onAbort();
    else opts.abort?.addEventListener("abort", onAbort, { once: true });
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      opts.abort?.removeEventListener("abort", onAbort);
      rmSync(scratch, { recursive: true, force: true });
      if (cgroup) removeCgroup(cgroup);
      // Isolated, the set-up program (pid 1 of the namespace) waits for the check: a signal shows as 128 + its number.
      if (isolate && code !== null && code > 128 && code < 128 + 65 && signalName(code - 128)) {
        signal = signalName(code - 128);
        code = null;
      }
      if (isolate && code === SETUP_FAILED && stderr.includes("agent sandbox: could not isolate")) warn(stderr.trim());
      const stopped = stoppedBy({ timedOut, aborted, signal }, opts.timeoutMs, cpuSeconds);
      resolve({
        code,
        signal,
        stdout,
        stderr: stopped ? `${stderr}${stderr && !stderr.endsWith("\n") ? "\n" : ""}agent sandbox: stopped: ${stopped}\n` : stderr,
        timedOut,
        durationMs: performance.now() - started,
        network,
        user: drop ? "nobody" : "self",
        isolation: isolate ? "namespaces" : "none",
        ...(stopped ? { stopped } : {}),
      });
    };
    child.on("error", (err) => {
      stderr += String(err);
      finish(null, null);
    });
    child.on("close", finish);
  });
}
