// Which user a job's processes run as. Jobs run code the PR wrote (the validate workflow
// runs a self-edit's plugin tests), so when this process is root they run as `nobody`
// (setpriv, no groups, no new privileges) in a job directory nobody owns: they cannot read
// local mode's secrets, the stand-in's App keys or this user's home. When privileges cannot
// be dropped (not root, or no setpriv), jobs run as this process's user and say so.
// The probes are the agent sandbox's (app/agent/sandbox.ts), copied: local/ does not import app/.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";

/** uid/gid of `nobody` on Linux. */
export const NOBODY = 65534;

/**
 * A system program's absolute path (else its bare name, which then fails to start). What root
 * runs for a job is never looked up on the job's PATH: a step may prepend any directory to it
 * (GITHUB_PATH), and a `setpriv` of the job's own would run as root.
 */
export function systemProgram(name: string): string {
  const dir = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].find((d) => existsSync(join(d, name)));
  return dir ? join(dir, name) : name;
}

const AS_NOBODY = [systemProgram("setpriv"), `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--no-new-privs", "--"];

export interface JobUser {
  /** "nobody" when jobs run unprivileged; "self" when they run as this process's user. */
  kind: "nobody" | "self";
  /** Who that is, for logs and check summaries ("nobody (uid 65534)", "root (uid 0)"). */
  describe: string;
  /** `argv` as it must be spawned to run as the job user. */
  wrap(argv: string[]): string[];
  /** Makes `path` (and, with `recursive`, everything under it) the job user's. */
  own(path: string, recursive?: boolean): void;
}

const withNobody = (argv: string[]) => [...AS_NOBODY, ...argv];
const runs = (argv: string[]): boolean =>
  spawnSync(argv[0], argv.slice(1), { cwd: "/", stdio: "ignore", timeout: 10_000, env: { PATH: "/usr/bin:/bin" } }).status === 0;
const asNobody = (argv: string[]): boolean => runs(withNobody(argv));

let dropProbe: boolean | undefined;

/** Whether jobs can run as nobody: we are root and setpriv works. Probed once. */
export function canDropPrivileges(): boolean {
  dropProbe ??= process.getuid?.() === 0 && asNobody(["true"]);
  return dropProbe;
}

/**
 * Those of `paths` nobody cannot reach (enter a directory, read a file): none when all are fine.
 * `view` wraps the probe as a job's processes are wrapped (view.ts), when they are.
 */
export function unreachableByNobody(paths: string[], view: (argv: string[]) => string[] = (a) => a): string[] {
  const test = 'if [ -d "$1" ]; then test -x "$1"; else test -r "$1"; fi';
  return paths.filter((p) => !runs(view(withNobody(["sh", "-c", test, "sh", p]))));
}

/** The only environment the programs root runs for a job get (unshare, the view's setup, setpriv). */
export const ROOT_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

/** The file descriptor on which `fromFd` hands a job's environment to its program. */
export const ENV_FD = 3;

/**
 * `argv` with the environment read from ENV_FD (entries "K=V", each ended by a NUL), once
 * privileges are dropped: the job sets its own environment (env:, GITHUB_ENV), and an
 * LD_PRELOAD or LD_LIBRARY_PATH of its own must never reach a program that runs as root.
 */
export function fromFd(argv: string[]): string[] {
  if (argv[0].includes("=")) throw new Error(`cannot run ${argv[0]}: a program's path must not contain "="`);
  const read = `e=(); while IFS= read -r -d '' x; do e+=("$x"); done <&${ENV_FD}; exec ${ENV_FD}<&-; exec ${systemProgram("env")} -i -- "\${e[@]}" "$@"`;
  return [systemProgram("bash"), "--noprofile", "--norc", "-c", read, "job-env", ...argv];
}

/** `env` as fromFd reads it. */
export function envBlock(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}\0`)
    .join("");
}

/** Makes `path` and everything under it nobody's (symbolic links are not followed). */
export function chownToNobody(path: string): void {
  const r = spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, path], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`could not give ${path} to nobody: ${r.stderr.trim() || r.error?.message}`);
}

export const NOBODY_USER: JobUser = {
  kind: "nobody",
  describe: `nobody (uid ${NOBODY})`,
  wrap: (argv) => [...AS_NOBODY, ...argv],
  own: (path, recursive) => (recursive ? chownToNobody(path) : chownSync(path, NOBODY, NOBODY)),
};

export function selfUser(): JobUser {
  const me = userInfo();
  return { kind: "self", describe: `${me.username} (uid ${me.uid})`, wrap: (argv) => argv, own: () => undefined };
}

/** The line a check run's summary carries when a job ran as this process's user. */
export function unprivilegedNote(user: JobUser): string | undefined {
  if (user.kind === "nobody") return undefined;
  return `> [!WARNING]\n> This job ran as ${user.describe}, the Actions stand-in's own user: it is not root (or has no setpriv), so it could not drop privileges to nobody. The job could read whatever this user can (local mode's secrets, the stand-in's App keys).`;
}
