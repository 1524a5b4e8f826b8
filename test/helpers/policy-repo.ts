// A real git repository shaped like Ouro for CLI and Action tests: the base holds a copy
// of the real policies/ folder, the ping plugin and a stand-in engine file; each case
// branches off main and commits its change.
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo, type TestRepo } from "./git.ts";

export const ROOT = join(import.meta.dirname, "../..");
export const CLI = join(ROOT, "policy-engine/cli.ts");
export const ACTION_MAIN = join(ROOT, "actions/policy-check/src/main.ts");

export const BENIGN_PLUGIN = `import { definePlugin, type CommandCall } from "../../plugin-api/index.ts";

/** Rolls an n-sided die. "Don't use eval" is just a string here. */
export function roll(sides: number, random: () => number = Math.random): number {
  return 1 + Math.floor(random() * sides);
}

export const evaluate = (expr: string): number => expr.length;

export async function rollCommand(call: CommandCall): Promise<void> {
  const sides = Number(call.options.sides ?? 6);
  await call.reply(\`🎲 \${roll(sides)}\`);
}

export default definePlugin({
  name: "dice",
  description: "Rolls a die",
  commands: [{ name: "roll", description: "Roll a die", options: [{ name: "sides", description: "Sides", type: "integer", min: 2 }], run: rollCommand }],
});
`;

export const BENIGN_TEST = `import { describe, it, expect } from "vitest";
import { roll } from "./index.ts";

describe("dice", () => {
  it("rolls within range", () => {
    expect(roll(6, () => 0.999)).toBe(6);
  });
});
`;

export interface OuroRepo extends TestRepo {
  /** Branches off main, writes the files, commits; returns the branch name. */
  branch(name: string, files: Record<string, string | null>, also?: (repo: TestRepo) => void): string;
}

export function makeOuroRepo(): OuroRepo {
  const repo = makeRepo("ouro-policy-");
  cpSync(join(ROOT, "policies"), join(repo.dir, "policies"), { recursive: true });
  const engine = join(ROOT, "policy-engine/engine.ts");
  repo.write({
    "README.md": "# test repo\n",
    "policy-engine/engine.ts": existsSync(engine) ? readFileSync(engine, "utf8") : "export {};\n",
    "bot/plugins/ping/index.ts": 'export const name = "ping";\n',
    "bot/plugins/ping/index.test.ts": 'import { it } from "vitest";\nit("works", () => {});\n',
  });
  repo.commit("base");
  return {
    ...repo,
    branch(name, files, also) {
      repo.git("checkout", "-q", "-b", name, "main");
      repo.write(files);
      also?.(repo);
      repo.commit(name);
      repo.git("checkout", "-q", "main");
      return name;
    },
  };
}
