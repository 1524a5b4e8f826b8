// What a child Node process loads, observed for real: a module hook (written once per
// observer) appends every URL the process resolves — import() and require() alike — to a
// log, so a test can assert which modules a run did and did not load.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./policy-repo.ts";

const HOOK = `import { registerHooks } from "node:module";
import { appendFileSync } from "node:fs";
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    appendFileSync(process.env.LOAD_LOG, resolved.url + "\\n");
    return resolved;
  },
});
`;

export interface LoadObserver {
  /** Runs `node <args>` (cwd: the checkout) with the hook; its result and every module it resolved. */
  run(name: string, args: string[]): { status: number | null; stdout: string; stderr: string; loaded: string[] };
  cleanup(): void;
}

export function observeLoads(): LoadObserver {
  const scratch = mkdtempSync(join(tmpdir(), "ouro-loads-"));
  const hook = join(scratch, "record-loads.mjs");
  writeFileSync(hook, HOOK);
  return {
    run(name, args) {
      const log = join(scratch, `${name}.log`);
      writeFileSync(log, "");
      const r = spawnSync(process.execPath, ["--import", hook, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, LOAD_LOG: log },
      });
      const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
    },
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}
