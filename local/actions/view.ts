// What a job's processes see of the host's files, when the stand-in is root: each process
// starts in mount and pid namespaces of its own (`unshare`), on a copy of the host's tree where
// every directory nobody cannot enter on the way to what the job needs (a checkout in a
// `mktemp -d`, a 0700 data dir) is covered by an empty tmpfs, and only what the job needs —
// its own directory, the npm cache, the Node, the CA file — is bound back at its own path.
// So jobs run as nobody from a private checkout, nothing private on the host is opened to
// others (no chmod), and the rest of a covered directory stays out of sight (other jobs'
// directories, logs, keys). /tmp is the job's own: its temp directory bound there, or, when
// something the job needs lives under the host's /tmp, a fresh tmpfs.
// The setup follows app/agent/sandbox-mounts.ts (copy the tree, cover, bind back, pivot_root),
// but jobs keep the network and several writable paths, so the script is its own.
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { NOBODY, ROOT_ENV, systemProgram } from "./user.ts";

/** Exit code of a step whose view could not be built (the step did not run). */
export const VIEW_FAILED = 125;

const NAMESPACES = ["--mount", "--pid", "--fork", "--mount-proc", "--propagation", "private"];

export interface ViewPlan {
  /** An empty directory of root's the new root is built on (one serves every job). */
  root: string;
  /** Directories and files the job's processes must reach, at their own (real) paths. */
  keep: string[];
  /** The job's temp directory, bound at /tmp unless something kept is under the host's /tmp. */
  tmp?: string;
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const inside = (p: string) => `"$N"${q(p)}`;
const under = (p: string, dir: string) => p === dir || p.startsWith(dir === sep ? dir : dir + sep);

/** Whether nobody (no groups) may enter a directory with these owners and mode. */
const enterable = (st: Stats) => (st.mode & (st.uid === NOBODY ? 0o100 : st.gid === NOBODY ? 0o010 : 0o001)) !== 0;

/** The directories above `path`, outermost first ("/" excluded). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = dirname(path); d !== dirname(d); d = dirname(d)) out.unshift(d);
  return out;
}

/**
 * The outermost directory nobody cannot enter on the way to each of `paths`: the ones a view
 * covers (and rebuilds inside) so those paths are reachable. `paths` must exist.
 */
export function veilsOf(paths: string[]): string[] {
  const found = new Set<string>();
  for (const p of paths) {
    const veil = ancestors(p).find((d) => !enterable(statSync(d)));
    if (veil) found.add(veil);
  }
  return [...found];
}

/** The setup script, run by /bin/sh inside the namespaces; the program and its arguments follow as "$@". */
export function viewScript(plan: ViewPlan): string {
  const keep = [...new Set(plan.keep.map((p) => realpathSync(p)))].sort((a, b) => a.length - b.length);
  const freshTmp = !plan.tmp || keep.some((k) => under(k, "/tmp"));
  const veils = veilsOf(keep).filter((v) => !(freshTmp && under(v, "/tmp")));
  const covered = [...(freshTmp ? ["/tmp"] : []), ...veils].filter((c, _, all) => !all.some((o) => o !== c && under(c, o)));
  const L = [
    `fail() { echo "actions: could not give the step its view of the files ($1); it did not run" >&2; exit ${VIEW_FAILED}; }`,
    // The job's PATH is the job's to set (GITHUB_PATH): the setup, as root, uses the system's.
    `P=$PATH; PATH=${ROOT_ENV.PATH}`,
    `D=$PWD`, // the shell's start-up working directory (getcwd: no PWD is passed in)
    `N=${q(plan.root)}`,
    `mount --rbind / "$N" || fail "copying the file tree"`,
    freshTmp
      ? `mount -t tmpfs -o mode=1777 tmp "$N/tmp" || fail "mounting a private /tmp"`
      : `mount --bind ${q(realpathSync(plan.tmp!))} "$N/tmp" || fail "mounting the job's /tmp"`,
    ...veils.map((v) => `mount -t tmpfs -o size=1m,mode=0755 veil ${inside(v)} || fail ${q(`covering ${v}`)}`),
  ];
  // Mount points for what is kept under a covered directory, made in one go (every program
  // run here costs a start-up, and a job runs many).
  const rebuilt = keep.filter((k) => covered.some((c) => under(k, c)));
  const files = rebuilt.filter((k) => !statSync(k).isDirectory());
  const dirs = [...rebuilt.filter((k) => !files.includes(k)), ...files.map((f) => dirname(f))];
  if (dirs.length) L.push(`mkdir -p ${dirs.map(inside).join(" ")} || fail "making mount points"`);
  for (const f of files) L.push(`[ -e ${inside(f)} ] || : > ${inside(f)} || fail ${q(`reaching ${f}`)}`);
  for (const k of rebuilt) L.push(`mount --bind ${q(k)} ${inside(k)} || fail ${q(`reaching ${k}`)}`);
  L.push(
    `cd "$N" && pivot_root . . && umount -l . || fail "switching to the new root"`,
    `cd "$D" || fail "entering $D"`,
    `PATH=$P; unset PWD OLDPWD`, // the program gets exactly the environment it was given
    `exec "$@"`,
  );
  return L.join("\n");
}

/** `argv` as it must be spawned to run in the view (its working directory must be kept). */
export function inView(plan: ViewPlan, argv: string[]): string[] {
  return [systemProgram("unshare"), ...NAMESPACES, "--", "/bin/sh", "-c", viewScript(plan), "ouro-job", ...argv];
}

let probe: { ok: boolean; why: string } | undefined;

/** Whether views can be built here (root, `unshare`, mounts, pivot_root), found by building one. Probed once. */
export function canBuildViews(): { ok: boolean; why: string } {
  if (!probe) {
    if (process.getuid?.() !== 0) return (probe = { ok: false, why: "not root" });
    const root = mkdtempSync(join(tmpdir(), "ouro-actions-view-probe-"));
    try {
      const argv = inView({ root, keep: [] }, ["true"]);
      const r = spawnSync(argv[0], argv.slice(1), { cwd: "/", encoding: "utf8", timeout: 10_000, env: ROOT_ENV });
      probe = { ok: r.status === 0, why: (r.error ? String(r.error) : r.stderr).trim() || `exit code ${r.status}` };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return probe;
}
