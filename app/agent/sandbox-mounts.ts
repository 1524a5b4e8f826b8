// The filesystem a sandboxed check sees, built by ONE process that runs inside
// `unshare --mount --pid --fork` (and --user when we are not root): the host's tree
// read-only, a private /tmp, the app's secrets (data dir, HOME, .env, key file) hidden
// under empty mounts, the worktree writable, a fresh /proc, loopback up; then pivot_root,
// so nothing else stays reachable. That process is a short Perl program (SETUP_PROGRAM;
// perl-base is part of every Debian and Ubuntu system) making the mount(2), umount2(2) and
// pivot_root(2) calls itself: one process instead of one `mount` per step, which under
// load cost seconds. The steps come from setupSteps (the plan, in TypeScript) as argv,
// never as shell text. Every step that fails stops the set-up with SETUP_FAILED and a
// plain-words line: the check never runs half-isolated.
import { existsSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { resolve, sep } from "node:path";

/** Exit code of the set-up when a step of the isolation fails (the check did not run). */
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

/** mount(2), umount2(2), pivot_root(2) numbers per CPU architecture (Node's process.arch). */
const SYSCALLS: Record<string, [mount: number, umount2: number, pivotRoot: number]> = {
  x64: [165, 166, 155],
  // the generic table (include/uapi/asm-generic/unistd.h)
  arm64: [40, 39, 41],
  riscv64: [40, 39, 41],
  loong64: [40, 39, 41],
};

/** The set-up's syscall numbers here, or a plain-words reason it cannot run on this CPU. */
export function setupSyscalls(arch: string = process.arch): number[] | { error: string } {
  const nr = SYSCALLS[arch];
  if (nr) return nr;
  return {
    error: `the sandbox's set-up knows the mount system calls of ${Object.keys(SYSCALLS).join(", ")}, not of this CPU (${arch})`,
  };
}

/**
 * The plan as the set-up program's steps, one word then its arguments (fixed arity):
 *   cgroup FILE · tree ROOT · fs TYPE TARGET OPTIONS WHAT (skipped when TARGET is no directory,
 *   for "shm" only) · home PATH OWNER · hide-dir PATH · hide-file PATH · keep SRC DST rw|ro dir|file ·
 *   seal · loopback · pivot ROOT CWD
 */
export function setupSteps(p: MountPlan): string[] {
  const N = real(p.root) ?? p.root; // mountinfo shows resolved paths; the set-up looks its mounts up there
  const keep = [...new Set([p.cwd, ...p.readable])];
  const hiddenFirst = p.hidden.filter((h) => !keep.some((k) => under(h, k) && h !== k));
  const hiddenAgain = p.hidden.filter((h) => !hiddenFirst.includes(h));
  const hide = (h: string) => [statSync(h).isDirectory() ? "hide-dir" : "hide-file", N + h];
  return [
    ...(p.pidsCgroup ? ["cgroup", `${p.pidsCgroup}/cgroup.procs`] : []),
    ...["tree", N],
    ...["fs", "proc", `${N}/proc`, "", "proc"],
    ...["fs", "tmpfs", `${N}/dev/shm`, "size=64m,mode=1777", "shm"],
    ...["fs", "tmpfs", `${N}/tmp`, `size=${p.tmpMb}m,mode=1777`, "tmp"],
    ...["home", N + SANDBOX_HOME, String(p.homeOwner ?? -1)],
    // Hidden directories stay writable (to us) until the kept paths under them are in place.
    ...hiddenFirst.flatMap(hide),
    ...keep.flatMap((k) => ["keep", k, N + k, k === p.cwd ? "rw" : "ro", statSync(k).isDirectory() ? "dir" : "file"]),
    ...hiddenAgain.flatMap(hide),
    ...["seal", "loopback", "pivot", N, p.cwd],
  ];
}

/**
 * The set-up program: `perl -e SETUP_PROGRAM MOUNT UMOUNT2 PIVOT_ROOT STEPS… -- CHECK…`.
 * It stays pid 1 of the namespace: it runs the check as its child, reaps orphans, and exits
 * with the check's code (128 + the signal that killed it); when it exits, all is killed.
 */
export const SETUP_PROGRAM = String.raw`
use strict;
my ($SYS_MOUNT, $SYS_UMOUNT2, $SYS_PIVOT) = splice(@ARGV, 0, 3);
my ($RDONLY, $REMOUNT, $BIND, $REC, $DETACH) = (1, 32, 4096, 16384, 2);
my %LOCKABLE = (nosuid => 2, nodev => 4, noexec => 8, noatime => 1024, nodiratime => 2048, relatime => 1 << 21, strictatime => 1 << 24);
sub fail { print STDERR "agent sandbox: could not isolate the check ($_[0]); it was not run\n"; exit ${SETUP_FAILED} }
# syscall() passes a number as a number, a literal undef as NULL and a string as a pointer
# (to a writable copy: it refuses constants; a string here is never used as a number)
sub str { my $copy = $_[0]; $copy }
sub mnt {
  my ($from, $at, $type, $flags, $data) = @_;
  syscall($SYS_MOUNT, defined $from ? str($from) : undef, str($at), defined $type ? str($type) : undef, $flags, defined $data ? str($data) : undef) == 0;
}
# mount point => its per-mount options; a later line is the mount on top
sub mounts {
  open(my $f, '<', '/proc/self/mountinfo') or fail("reading the mount table: $!");
  my (@order, %opts);
  while (my $line = <$f>) {
    my @x = split / /, $line;
    (my $at = $x[4]) =~ s/\\([0-7]{3})/chr(oct($1))/ge;
    push @order, $at unless exists $opts{$at};
    $opts{$at} = $x[5];
  }
  return (\@order, \%opts);
}
# Read-only, keeping the flags a mount from a user namespace's parent has locked (as mount(8) does).
sub ro {
  my ($at, $opts) = @_;
  my $flags = $RDONLY | $REMOUNT | $BIND;
  $flags |= $LOCKABLE{$_} // 0 for split /,/, $opts // '';
  defined $opts && mnt(undef, $at, undef, $flags, undef);
}
sub ro_at { my (undef, $opts) = mounts(); ro($_[0], $opts->{$_[0]}) }
sub mkdirs { my $d = ''; for (grep { length } split m{/}, $_[0]) { $d .= "/$_"; -d $d or mkdir $d or return 0 } 1 }
sub touch { return 1 if -e $_[0]; open(my $f, '>', $_[0]) or return 0; close($f) }
my @sealed;
while (@ARGV) {
  my $step = shift @ARGV;
  if ($step eq '--') { last }
  elsif ($step eq 'cgroup') {
    my $file = shift @ARGV;
    my $f;
    (open($f, '>', $file) && syswrite($f, '0') && close($f)) or fail("joining its process-limit cgroup: $!");
  } elsif ($step eq 'tree') {
    my $n = shift @ARGV;
    mnt('/', $n, undef, $BIND | $REC, undef) or fail("copying the file tree: $!");
    my ($order, $opts) = mounts();
    for my $at (grep { $_ eq $n || index($_, "$n/") == 0 } @$order) { ro($at, $opts->{$at}) or fail("making the file tree read-only: $at: $!") }
  } elsif ($step eq 'fs') {
    my ($type, $at, $data, $what) = splice(@ARGV, 0, 4);
    next if $what eq 'shm' && !-d $at;
    mnt($what, $at, $type, 0, length $data ? $data : undef) or fail("mounting a private $what: $!");
  } elsif ($step eq 'home') {
    my ($at, $owner) = splice(@ARGV, 0, 2);
    (mkdir($at, 0700) && chmod(0700, $at) && ($owner < 0 || chown($owner, $owner, $at))) or fail("making HOME: $!");
  } elsif ($step eq 'hide-dir') {
    my $at = shift @ARGV;
    next unless -d $at;
    mnt('hidden', $at, 'tmpfs', 0, 'size=1m,mode=0755') or fail("hiding $at: $!");
    push @sealed, $at;
  } elsif ($step eq 'hide-file') {
    my $at = shift @ARGV;
    next unless -e $at;
    mnt('/dev/null', $at, undef, $BIND, undef) or fail("hiding $at: $!");
  } elsif ($step eq 'keep') {
    my ($from, $at, $mode, $kind) = splice(@ARGV, 0, 4);
    my $point = $kind eq 'dir' ? mkdirs($at) : mkdirs($at =~ s{/[^/]*$}{}r) && touch($at);
    ($point && mnt($from, $at, undef, $BIND, undef) && ($mode eq 'rw' || ro_at($at))) or fail("reaching $from: $!");
  } elsif ($step eq 'seal') {
    for my $at (@sealed) { ro_at($at) or fail("hiding $at: $!") }
  } elsif ($step eq 'loopback') {
    # SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP, on a struct ifreq for "lo"
    socket(my $s, 2, 2, 0) or fail("starting loopback: $!");
    my $req = pack('a16 x24', 'lo');
    ioctl($s, 0x8913, $req) or fail("starting loopback: $!");
    $req = pack('a16 s x22', 'lo', unpack('x16 s', $req) | 1);
    ioctl($s, 0x8914, $req) or fail("starting loopback: $!");
    close($s);
  } elsif ($step eq 'pivot') {
    my ($n, $cwd) = splice(@ARGV, 0, 2);
    (chdir($n) && syscall($SYS_PIVOT, str('.'), str('.')) == 0 && syscall($SYS_UMOUNT2, str('.'), $DETACH) == 0) or fail("switching to the new root: $!");
    chdir($cwd) or fail("entering the worktree: $!");
  } else { fail("unknown set-up step $step") }
}
@ARGV or fail('no check to run');
my $check = fork() // fail("starting the check: $!");
if ($check == 0) { exec { $ARGV[0] } @ARGV; print STDERR "agent sandbox: could not start the check ($ARGV[0]: $!)\n"; exit 127 }
while ((my $pid = waitpid(-1, 0)) > 0) {
  next unless $pid == $check;
  exit($? & 127 ? 128 + ($? & 127) : $? >> 8);
}
fail('lost the check');
`;

/** Mount points of the sandbox's own that a kept path must not cover. */
const PRIVATE_MOUNTS = ["/proc", "/dev", "/dev/shm", "/tmp"];

/**
 * Why keeping a path readable would undo the isolation, if it would: a path that IS a hidden
 * one would be bound back over its empty mount (hidden paths under a kept one are hidden
 * again after it, so those are fine), and one at or above a private mount or the worktree
 * would cover it with the host's. A kept path can come from the worktree (its node_modules
 * link, which an earlier check in the same worktree may have repointed).
 */
export function unsafeKept(p: MountPlan): string | undefined {
  for (const k of p.readable) {
    if (k === p.cwd) continue;
    const secret = p.hidden.find((h) => h === k);
    if (secret) return `${k} cannot be kept readable in the sandbox: it is one of the paths hidden from the checks`;
    const covered = [...PRIVATE_MOUNTS, p.cwd].find((m) => under(m, k));
    if (covered) return `${k} cannot be kept readable in the sandbox: it would cover ${covered === p.cwd ? "the worktree" : covered}`;
  }
  return undefined;
}

/** The argv (after unshare's) that sets up the sandbox of `p`, then runs `check` in it; or why it cannot here. */
export function setupCommand(p: MountPlan, check: string[]): string[] | { error: string } {
  const nr = setupSyscalls();
  if (!Array.isArray(nr)) return nr;
  const unsafe = unsafeKept(p);
  if (unsafe) return { error: unsafe };
  return ["perl", "-e", SETUP_PROGRAM, ...nr.map(String), ...setupSteps(p), "--", ...check];
}

/** The readable paths a Node check needs besides its worktree: our node binary and the worktree's node_modules. */
export function nodeReadable(cwd: string, extra: string[] = []): string[] {
  const paths = [process.execPath, ...(existsSync(resolve(cwd, "node_modules")) ? [resolve(cwd, "node_modules")] : []), ...extra];
  return [...new Set(paths.map(real).filter((p): p is string => !!p))];
}
