// Which tests validate.yml runs. A change whose files are all under bot/plugins/ (every
// self-edit, by policy, and the push that merges or reverts one) runs the tests that judge a
// plugin — its own tests beside it, the plugin host, the registry and the boundaries around
// plugins — instead of the whole suite (~18 min). Anything else runs the full `npm test`.
//
//   node .github/scripts/select-tests.ts            # writes scope=plugins|full (and why) to $GITHUB_OUTPUT
//   node .github/scripts/select-tests.ts --run      # runs the plugin set with vitest (no shell in between)
//
// Reads BASE_SHA and HEAD_SHA: a pull_request's base and head, or a push's `before` and `after`.
// Without both, a new branch (`before` all zeros) or commits git cannot diff: full. The push to
// main was already judged commit by commit, so its plugin-only merges need no full suite either.
// This runs in the untrusted validate job, from the PR head: it saves time, it is not a gate. The
// policy verdict (from the base) is what stops a PR touching anything outside bot/plugins/.
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";

/** Tests that judge a plugin change, besides the plugins' own tests (bot/plugins/**\/*.test.ts). */
export const PLUGIN_TESTS = [
  "bot/plugins",
  "test/bot/plugins.test.ts",
  "test/bot/plugin-host",
  "test/bot/core/no-plugin-code.test.ts",
  "test/bot/commands/register-commands.test.ts",
  "test/contract/settings.test.ts",
  "test/layout/boundaries.test.ts",
];

export type Selection = { scope: "plugins"; reason: string; tests: string[] } | { scope: "full"; reason: string };

/** The decision from the list of changed paths (null: unknown — no base, a new branch, git could not tell). */
export function selectTests(changed: string[] | null): Selection {
  if (changed === null) return { scope: "full", reason: "the changed files are unknown (no base commit to compare with)" };
  if (changed.length === 0) return { scope: "full", reason: "no changed files found" };
  const outside = changed.filter((p) => !p.startsWith("bot/plugins/"));
  if (outside.length > 0) return { scope: "full", reason: `${outside.length} changed file(s) outside bot/plugins/, e.g. ${outside[0]}` };
  return { scope: "plugins", reason: `all ${changed.length} changed file(s) are under bot/plugins/`, tests: PLUGIN_TESTS };
}

/** Paths changed between the merge base of base and head, and head (what the PR changes). */
export function changedFiles(base: string, head: string, cwd = "."): string[] {
  const out = execFileSync("git", ["diff", "--name-only", "--no-renames", "-z", `${base}...${head}`], { cwd, encoding: "utf8" });
  return out.split("\0").filter(Boolean);
}

/** changedFiles, or null when git cannot compare the two (e.g. a force-push's old tip is gone). */
function changedOrNull(base: string, head: string): string[] | null {
  try {
    return changedFiles(base, head);
  } catch {
    return null;
  }
}

function main(): void {
  const base = process.env.BASE_SHA ?? "";
  const head = process.env.HEAD_SHA ?? "";
  const selection = selectTests(base && head && !/^0+$/.test(base) ? changedOrNull(base, head) : null);
  if (process.argv.includes("--run")) {
    if (selection.scope !== "plugins") throw new Error(`--run is for a plugin-only change; this one is "full": ${selection.reason}`);
    const r = spawnSync("npx", ["vitest", "run", ...selection.tests], { stdio: "inherit" });
    process.exitCode = r.status ?? 1;
    return;
  }
  console.log(`tests: ${selection.scope} (${selection.reason})`);
  const out = process.env.GITHUB_OUTPUT;
  if (out) appendFileSync(out, `scope=${selection.scope}\n`);
}

if (import.meta.main) main();
