// `npm run bench -- [part …]`: runs each part in its own cold Node process
// (so start-up cost is measured as a user would pay it). No part = all parts.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";

const ALL = ["policy", "typecheck", "standins", "agent", "bot", "deploy", "recovery", "local", "console", "scale"] as const;
const here = dirname(fileURLToPath(import.meta.url));

const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = requested.filter((p) => !(ALL as readonly string[]).includes(p));
if (unknown.length > 0) {
  console.error(`bench: unknown part(s) ${unknown.join(", ")}; known parts: ${ALL.join(", ")}`);
  process.exit(2);
}
const parts = requested.length > 0 ? requested : [...ALL];

let failed = 0;
for (const part of parts) {
  const file = join(here, `${part}.ts`);
  if (!existsSync(file)) {
    console.log(`bench: part "${part}" is not implemented yet (no bench/${part}.ts)`);
    continue;
  }
  console.log(`== bench ${part}`);
  const r = spawnSync(process.execPath, [file], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`bench: part "${part}" exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
