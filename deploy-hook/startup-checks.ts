// Start-up checks on a prepared release, before any process starts: the entry point and
// its runtime are there, so a broken tree fails here with a clear reason, not as a crash.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DeployError } from "./types.ts";

export function startupChecks(dir: string): void {
  for (const f of ["package.json", "bot/main.ts", "policies/ouro.yml"]) {
    if (!existsSync(join(dir, f))) throw new DeployError("checks", `start-up check: ${f} is missing from the release`);
  }
  let pkg: { type?: string; dependencies?: Record<string, string> };
  try {
    pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  } catch (err) {
    throw new DeployError("checks", `start-up check: package.json does not parse: ${(err as Error).message}`);
  }
  if (pkg.type !== "module") throw new DeployError("checks", 'start-up check: package.json must say "type": "module"');
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (!existsSync(join(dir, "node_modules", dep, "package.json")))
      throw new DeployError("checks", `start-up check: dependency ${dep} is not installed`);
  }
}
