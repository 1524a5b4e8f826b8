// The .env file the set-up writes: merged into what is there (comments and other variables
// kept), written whole and atomically with mode 0600, and never changing an existing value
// unless asked to (--force), in which case it says which ones it replaced.
import { accessSync, chmodSync, constants, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseEnv } from "node:util";
import { SetupError } from "./manifest.ts";

export type EnvValues = Record<string, string>;

export function readEnvFile(path: string): EnvValues {
  if (!existsSync(path)) return {};
  try {
    return parseEnv(readFileSync(path, "utf8")) as EnvValues;
  } catch (e) {
    throw new SetupError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Throws unless the file (or, for a new file, its folder) can be written. Writes nothing. */
export function assertWritable(path: string): void {
  const target = resolve(path);
  try {
    if (existsSync(target)) {
      if (!statSync(target).isFile()) throw new Error("it is not a file");
      accessSync(target, constants.W_OK);
    }
    const dir = dirname(target);
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOENT" ? "its folder does not exist" : err.code === "ENOTDIR" ? "a part of its path is not a folder" : err.message;
    throw new SetupError(`cannot write ${path} (${why}); nothing was written. Pass --env-path with a writable path.`);
  }
}

/** Keys whose existing values differ from `next` (existing empty values do not count). */
export function conflicts(existing: EnvValues, next: EnvValues): string[] {
  return Object.keys(next).filter((k) => existing[k] !== undefined && existing[k] !== "" && existing[k] !== next[k]);
}

function quote(value: string): string {
  if (/^[A-Za-z0-9_.:/@+,=-]*$/.test(value)) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/**
 * Sets `values` in the file (replacing a key's line where it is, appending new keys after a
 * comment) and returns the keys whose earlier values were replaced. `comments` go at the end.
 */
export function writeEnvFile(path: string, values: EnvValues, opts: { force: boolean; header: string; comments?: string[] }): string[] {
  assertWritable(path);
  const before = existsSync(path) ? readFileSync(path, "utf8") : "";
  const existing = before ? (parseEnv(before) as EnvValues) : {};
  const replaced = conflicts(existing, values);
  if (replaced.length > 0 && !opts.force)
    throw new SetupError(
      `${path} already sets ${replaced.join(", ")} to other values; nothing was written. Move the file aside or pass --force to replace them.`,
    );
  const done = new Set<string>();
  const lines = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out = lines.map((line) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (!m || !(m[1] in values) || done.has(m[1])) return line;
    done.add(m[1]);
    return `${m[1]}=${quote(values[m[1]])}`;
  });
  const added = Object.keys(values).filter((k) => !done.has(k));
  if (added.length > 0) out.push(...(out.length > 0 ? [""] : []), `# ${opts.header}`, ...added.map((k) => `${k}=${quote(values[k])}`));
  const extra = (opts.comments ?? []).filter((c) => !lines.includes(c));
  out.push(...extra);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, out.join("\n") + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return replaced;
}
