// How the plugin host process is started: the command line that makes the sandbox.
// - environment: built from nothing (no secret can be inherited, whatever the core holds);
// - Node's permission model: reads of the mirror (the plugin area, the plugin API and the
//   host's entry, types stripped: mirror.ts) and the allowed packages only; no writes, child
//   processes, workers, addons, WASI or inspector;
// - no code generation from strings (eval, new Function, X.constructor(src)), a heap limit
//   (the built-ins are frozen by the entry itself: Node's --frozen-intrinsics breaks its loader);
// - no network and no other processes: new user, network and PID namespaces (`unshare -rnp`):
//   only a downed loopback, and the host is process 1 of its own tree, so it can signal
//   neither the core nor anything else on the machine. Node's permission model cannot deny
//   sockets, so without unshare the host does not start, unless the operator sets
//   OURO_PLUGIN_NETWORK=unisolated (development only, logged);
// - a data limit (RLIMIT_DATA 1 GiB: buffers outside the JS heap too) and no core dumps;
// - only the allowed built-in modules and packages, no data: imports, no node:vm
//   (sandboxed/boot.mjs, before any plugin code).
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { mirrorPlugins } from "./mirror.ts";
import { fileURLToPath } from "node:url";

/** The checkout (or release) whose bot/plugins the host runs. */
export const BOT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const HOST_ENTRY = "bot/plugin-host/sandboxed/boot.mjs";

export type NetworkMode = "isolated" | "unisolated";

export interface LaunchOptions {
  root?: string;
  /** Packages plugin code may import (read access to node_modules/<name>/). */
  packages?: readonly string[];
  /** Node built-in modules plugin code may import (the policy's imports.builtins). */
  builtins?: readonly string[];
  network?: NetworkMode;
  /** V8 old-space limit of the host, in MiB. */
  heapMb?: number;
  /** Where the type-stripped copy of the plugin code is kept (default: the OS temp dir). */
  cacheDir?: string;
}

export interface LaunchCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Packages plugin code may import by default (pure libraries), as in the policy's defaults. */
export const DEFAULT_PACKAGES = ["zod"] as const;
/** Built-ins plugin code may import by default (pure modules), as in the policy's defaults. */
export const DEFAULT_BUILTINS = ["assert", "buffer", "crypto", "querystring", "string_decoder", "url", "util"] as const;
/** The host's data segment limit: the JS heap plus buffers, bounded. */
const DATA_LIMIT_BYTES = 1024 * 1024 * 1024;
/** The namespaces the host runs in; --kill-child: the host dies with its unshare parent. */
const NAMESPACES = ["-rnp", "--fork", "--kill-child=SIGKILL"];

/** The environment the host gets: named values only, none of them secret. */
export const HOST_ENV: Readonly<Record<string, string>> = Object.freeze({ TZ: "UTC", NODE_ENV: "production" });

let unshareWorks: boolean | undefined;
/** Whether this machine lets an unprivileged process make a user + network namespace. */
export function canIsolateNetwork(): boolean {
  unshareWorks ??= spawnSync("unshare", [...NAMESPACES, "true"], { stdio: "ignore", timeout: 5_000 }).status === 0;
  return unshareWorks;
}

/**
 * Where plugin mirrors are cached: this user's own directory (0700). A shared path such as
 * `/tmp/ouro-plugin-host` could be made first by another user, who could then plant a mirror
 * the host would run (a mirror's name is a predictable hash), or leave one we cannot write.
 */
export function privateCacheDir(base = tmpdir()): string {
  const uid = process.getuid?.() ?? 0;
  const dir = join(base, `ouro-plugin-host-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new Error(
      `the plugin host's cache ${dir} is not a private directory of this user (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}); remove it and start again`,
    );
  return dir;
}

export function launchCommand(opts: LaunchOptions = {}): LaunchCommand {
  const root = opts.root ?? BOT_ROOT;
  const network = opts.network ?? "isolated";
  if (network === "isolated" && !canIsolateNetwork()) {
    throw new Error(
      "the plugin host cannot be isolated here: `unshare -rnp` (user, network and PID namespaces) is not available. " +
        "Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or for development only set OURO_PLUGIN_NETWORK=unisolated.",
    );
  }
  const mirror = mirrorPlugins(root, opts.cacheDir ?? privateCacheDir());
  const packages = opts.packages ?? DEFAULT_PACKAGES;
  // Packages resolve from where node_modules really is: a release's node_modules is a symlink to
  // the dependency cache, and under the permission model resolving through a link is refused.
  const modules = existsSync(join(root, "node_modules")) ? realpathSync(join(root, "node_modules")) : join(root, "node_modules");
  const packageDirs = packages.map((p) => join(modules, p)).filter((d) => existsSync(d));
  // Node reads the package.json files on the way to a package (most do not exist).
  const reads = [`${mirror}/`, ...packageDirs.map((d) => `${d}/`), join(modules, "package.json"), join(dirname(modules), "package.json")];
  const node = [
    "--permission",
    ...reads.map((r) => `--allow-fs-read=${r}`),
    "--disallow-code-generation-from-strings",
    `--max-old-space-size=${opts.heapMb ?? 128}`,
    "--stack-size=984",
    join(mirror, HOST_ENTRY),
    JSON.stringify({ modules, packages, builtins: opts.builtins ?? DEFAULT_BUILTINS }),
  ];
  const env = { ...HOST_ENV };
  const limits = [`--data=${DATA_LIMIT_BYTES}`, "--core=0"];
  return network === "isolated"
    ? { file: "prlimit", args: [...limits, "unshare", ...NAMESPACES, process.execPath, ...node], env }
    : { file: "prlimit", args: [...limits, process.execPath, ...node], env };
}
