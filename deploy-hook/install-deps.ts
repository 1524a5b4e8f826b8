// Dependencies for a release, reusing a cache keyed by the lockfile's hash: a release whose
// lockfile is unchanged gets a symlink to the cached node_modules (instant); a new
// lockfile gets one `npm ci --prefer-offline` into the cache, then the symlink.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeployError } from "./types.ts";

export function lockHash(dir: string): string | null {
  const lock = join(dir, "package-lock.json");
  if (!existsSync(lock)) return null;
  return createHash("sha256").update(readFileSync(lock)).digest("hex").slice(0, 16);
}

export interface DepsOptions {
  dataDir: string;
  /** Existing checkouts whose node_modules may be reused when their lockfile hash matches (e.g. the hook's own). */
  seeds?: string[];
  /** npm executable (default "npm" on PATH). */
  npm?: string;
  timeoutMs?: number;
}

/** Links `<release>/node_modules` to the cached install for its lockfile; installs once per new lockfile. */
export async function installDeps(releaseDir: string, o: DepsOptions): Promise<{ hash: string; cached: boolean }> {
  const hash = lockHash(releaseDir);
  if (!hash) throw new DeployError("install", "the release has no package-lock.json: refusing an unpinned install");
  const cacheRoot = join(o.dataDir, "deps");
  const entry = join(cacheRoot, hash);
  const link = join(releaseDir, "node_modules");
  rmSync(link, { recursive: true, force: true });
  if (existsSync(join(entry, ".complete"))) {
    symlinkSync(join(entry, "node_modules"), link, "dir");
    return { hash, cached: true };
  }
  mkdirSync(cacheRoot, { recursive: true });
  const seed = (o.seeds ?? []).find((s) => lockHash(s) === hash && existsSync(join(s, "node_modules")));
  if (seed) {
    const tmp = `${entry}.seed-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    symlinkSync(join(seed, "node_modules"), join(tmp, "node_modules"), "dir");
    writeFileSync(join(tmp, ".complete"), `seeded from ${seed}\n`);
    renameSync(tmp, entry);
    symlinkSync(join(entry, "node_modules"), link, "dir");
    return { hash, cached: true };
  }
  const tmp = `${entry}.install-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of ["package.json", "package-lock.json", ".npmrc"])
    if (existsSync(join(releaseDir, f))) copyFileSync(join(releaseDir, f), join(tmp, f));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        o.npm ?? "npm",
        ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
        { cwd: tmp, timeout: o.timeoutMs ?? 600_000, maxBuffer: 32 * 1024 * 1024 },
        (err, _stdout, stderr) => (err ? reject(new Error(tail(stderr) || err.message)) : resolve()),
      );
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new DeployError("install", `npm ci failed: ${(err as Error).message}`);
  }
  writeFileSync(join(tmp, ".complete"), new Date().toISOString());
  rmSync(entry, { recursive: true, force: true });
  renameSync(tmp, entry);
  symlinkSync(join(entry, "node_modules"), link, "dir");
  return { hash, cached: false };
}

const tail = (s: string) => s.trim().split("\n").slice(-5).join(" | ").slice(0, 400);
