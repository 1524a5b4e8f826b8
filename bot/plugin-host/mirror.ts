// The plugin code as the host reads it: a copy of bot/plugins, bot/plugin-api and the host's
// entry with the TypeScript types stripped by the core (node:module's stripTypeScriptTypes, in
// strip mode: same lines and columns). The host then runs plain JavaScript and never loads
// Node's TypeScript stripper — a third of its memory and of its start-up time. One copy per
// content hash under the cache directory, written once, then only read.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { dirname, join, relative } from "node:path";

/** What the host needs of a checkout, relative to its root. */
export const MIRRORED = ["bot/plugins", "bot/plugin-api", "bot/plugin-host/sandboxed"] as const;
const MAX_FILE_BYTES = 1024 * 1024;
/** Mirrors unused for this long are removed (releases side by side each use one). */
const KEEP_MS = 24 * 60 * 60 * 1000;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path);
    return e.isFile() ? [path] : []; // symlinks and the rest are not plugin code
  });
}

/** The file as the host gets it: .ts with types stripped, .json and .mjs as they are, nothing else. */
function translate(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`${rel} is larger than ${MAX_FILE_BYTES} bytes`);
  const text = readFileSync(path, "utf8");
  if (path.endsWith(".ts")) {
    try {
      return stripTypeScriptTypes(text, { mode: "strip", sourceUrl: rel });
    } catch (err) {
      throw new Error(
        `${rel}: ${(err as Error).message} (plugin code may use only TypeScript that erases: no enum, namespace or parameter properties)`,
        { cause: err },
      );
    }
  }
  return path.endsWith(".json") || path.endsWith(".mjs") ? text : undefined;
}

/** Writes (or finds) the mirror of `root` under `cacheDir` and returns its directory. */
export function mirrorPlugins(root: string, cacheDir: string): string {
  const sources = MIRRORED.flatMap((d) => files(join(root, d))).sort();
  const out = new Map<string, string>();
  const hash = createHash("sha256").update(root);
  for (const path of sources) {
    const js = translate(root, path);
    if (js === undefined) continue;
    const rel = relative(root, path);
    out.set(rel, js);
    hash.update(`\0${rel}\0${js}`);
  }
  const dir = join(cacheDir, hash.digest("hex").slice(0, 24));
  if (existsSync(join(dir, ".complete"))) {
    const now = new Date();
    utimesSync(dir, now, now); // in use: keep it
    return dir;
  }
  // Written beside, then renamed: a host never reads half a mirror.
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [rel, js] of out) {
    mkdirSync(dirname(join(tmp, rel)), { recursive: true });
    writeFileSync(join(tmp, rel), js, { mode: 0o444 });
  }
  // No symlinks in here: under Node's permission model a link inside a readable tree would
  // reach past it. Allowed packages resolve from the checkout instead (sandboxed/boot.mjs).
  writeFileSync(join(tmp, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(tmp, ".complete"), "");
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another process made the same mirror first: theirs is as good.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, ".complete"))) throw err;
  }
  prune(cacheDir, dir);
  return dir;
}

/** Removes mirrors nobody started a host from for a day. */
function prune(cacheDir: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    if (!/^[0-9a-f]{24}$/.test(name) || path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}
