// The filesystem a sandboxed check sees, as a /bin/sh script that runs inside
// `unshare --mount --pid --fork` (and --user when we are not root): the host's tree
// read-only, a private /tmp, the app's secrets (data dir, HOME, .env, key file) hidden
// under empty mounts, the worktree writable, a fresh /proc, loopback up; then pivot_root,
// so nothing else stays reachable. Every step that fails stops the script with
// SETUP_FAILED and a plain-words line: the check never runs half-isolated.
import { existsSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";

/** Exit code of the setup script when a step of the isolation fails (the check did not run). */
export const SETUP_FAILED = 125;

/** HOME (and TMPDIR) inside the sandbox: in its private /tmp. */
export const SANDBOX_HOME = "/tmp/home";

export interface MountPlan {
  /** An empty directory (made by the caller) the new root is built on. */
  root: string;
  /** The working directory inside: the one writable place besides the private /tmp. */
  cwd: string;
  /** Paths kept readable even when under a hidden or private directory (node, node_modules, configs). */
  readable: string[];
  /** Directories or files replaced by empty ones. */
  hidden: string[];
  /** Size of the private /tmp. */
  tmpMb: number;
  /** Owner of the private HOME (nobody when we drop to it). */
  homeOwner?: number;
  /** A pids cgroup (v1) the whole sandbox joins first, so its process limit is its own. */
  pidsCgroup?: string;
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const inside = (p: string) => `"$N"${q(p)}`;
const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** A path as the kernel resolves it (symlinks followed), or undefined when it does not exist. */
export function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * What the app holds that a check must never read: the app's data dir (OURO_DATA_DIR,
 * default data/app), its HOME, its .env and its private key file; and /run, where the
 * host's Unix sockets live (a read-only mount does not stop a connect()).
 */
export function appSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [
    resolve(env.OURO_DATA_DIR || "data/app"),
    env.HOME || homedir(),
    resolve(".env"),
    env.PRIVATE_KEY_PATH ? resolve(env.PRIVATE_KEY_PATH) : undefined,
    "/run",
    "/var/run",
  ];
  const found = candidates.filter((p): p is string => !!p).map(real);
  return [...new Set(found.filter((p): p is string => !!p && p !== "/"))];
}

/** The setup script; the check's argv follows as "$@". */
export function setupScript(p: MountPlan): string {
  const keep = [...new Set([p.cwd, ...p.readable])];
  const hiddenFirst = p.hidden.filter((h) => !keep.some((k) => under(h, k) && h !== k));
  const hiddenAgain = p.hidden.filter((h) => !hiddenFirst.includes(h));
  const L: string[] = [
    `fail() { echo "agent sandbox: could not isolate the check ($1); it was not run" >&2; exit ${SETUP_FAILED}; }`,
    `N=${q(p.root)}`,
    ...(p.pidsCgroup ? [`echo 0 > ${q(join(p.pidsCgroup, "cgroup.procs"))} || fail "joining its process-limit cgroup"`] : []),
    `P=$PATH; PATH=$PATH:/usr/sbin:/sbin`,
    `mount --rbind / "$N" || fail "copying the file tree"`,
    `awk -v R="$N" '$5 == R || index($5, R "/") == 1 { print $5 }' /proc/self/mountinfo |` +
      ` while read -r m; do mount -o remount,bind,ro "$m" || exit 1; done || fail "making the file tree read-only"`,
    `mount -t proc proc "$N/proc" || fail "mounting /proc"`,
    `if [ -d "$N/dev/shm" ]; then mount -t tmpfs -o size=64m,mode=1777 shm "$N/dev/shm" || fail "mounting /dev/shm"; fi`,
    `mount -t tmpfs -o size=${p.tmpMb}m,mode=1777 tmp "$N/tmp" || fail "mounting a private /tmp"`,
    `mkdir -m 0700 ${inside(SANDBOX_HOME)} || fail "making HOME"`,
  ];
  if (p.homeOwner !== undefined) L.push(`chown ${p.homeOwner}:${p.homeOwner} ${inside(SANDBOX_HOME)} || fail "making HOME"`);
  // Hidden directories stay writable (to us) until the kept paths under them are in place.
  const sealed: string[] = [];
  const hide = (h: string) => {
    if (!statSync(h).isDirectory()) {
      L.push(`if [ -e ${inside(h)} ]; then mount --bind /dev/null ${inside(h)} || fail ${q(`hiding ${h}`)}; fi`);
      return;
    }
    const flag = `h${sealed.length}`;
    L.push(
      `if [ -d ${inside(h)} ]; then mount -t tmpfs -o size=1m,mode=0755 hidden ${inside(h)} && ${flag}=1 || fail ${q(`hiding ${h}`)}; fi`,
    );
    sealed.push(`if [ "\${${flag}:-}" ]; then mount -o remount,bind,ro ${inside(h)} || fail ${q(`hiding ${h}`)}; fi`);
  };
  hiddenFirst.forEach(hide);
  for (const k of keep) {
    const rw = k === p.cwd;
    const dir = statSync(k).isDirectory();
    const point = dir ? `mkdir -p ${inside(k)}` : `mkdir -p ${inside(dirname(k))} && { [ -e ${inside(k)} ] || : > ${inside(k)}; }`;
    const ro = rw ? "" : ` && mount -o remount,bind,ro ${inside(k)}`;
    L.push(`${point} && mount --bind ${q(k)} ${inside(k)}${ro} || fail ${q(`reaching ${k}`)}`);
  }
  hiddenAgain.forEach(hide);
  L.push(
    ...sealed,
    `if command -v ip >/dev/null; then ip link set lo up || fail "starting loopback"; fi`,
    `cd "$N" && pivot_root . . && umount -l . || fail "switching to the new root"`,
    `cd ${q(p.cwd)} || fail "entering the worktree"`,
    `PATH=$P; unset PWD OLDPWD`, // the check gets exactly the environment it was given
    // This shell stays pid 1 of the namespace (it reaps orphans); when it exits, all is killed.
    `"$@"`,
    `exit $?`,
  );
  return L.join("\n");
}

/** The readable paths a Node check needs besides its worktree: our node binary and the worktree's node_modules. */
export function nodeReadable(cwd: string, extra: string[] = []): string[] {
  const paths = [process.execPath, ...(existsSync(resolve(cwd, "node_modules")) ? [resolve(cwd, "node_modules")] : []), ...extra];
  return [...new Set(paths.map(real).filter((p): p is string => !!p))];
}
