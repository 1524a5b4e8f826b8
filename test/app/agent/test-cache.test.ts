// The sandboxed plugin test runs (checks.ts runTests) with their compile cache (test-cache.ts):
// the first run starts a warm-up; later runs get the cache, read-only, and a plugin test
// that tries to write into it, replace an entry or remove one is refused and changes nothing.
// A failing plugin test still fails. All in the real sandbox, on a real worktree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTests } from "../../../app/agent/checks.ts";
import { canIsolateNetwork } from "../../../app/agent/sandbox.ts";
import { testCacheSettled, testCompileCache } from "../../../app/agent/test-cache.ts";
import { createWorktree, type Worktree } from "../../../app/agent/worktree.ts";
import { makeAgentRepo, type AgentRepo } from "./fixture.ts";

const limits = { timeoutMs: 120_000, memoryMb: 1024 };
let repo: AgentRepo;
let wt: Worktree;
const warnings: string[] = [];
const warn = (m: string) => void warnings.push(m);

/** Writes bot/plugins/probe/probe.test.ts and runs the plugin tests that change calls for. */
function runProbe(body: string) {
  mkdirSync(join(wt.dir, "bot/plugins/probe"), { recursive: true });
  writeFileSync(join(wt.dir, "bot/plugins/probe/probe.test.ts"), body);
  return runTests(wt.dir, ["bot/plugins/probe/probe.test.ts"], limits, warn);
}

/** path → sha256 of every file in the cache. */
function contents(dir: string): Record<string, string> {
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[]).filter((e) => e.isFile());
  return Object.fromEntries(
    files.map((e) => [
      join(e.parentPath, e.name),
      createHash("sha256")
        .update(readFileSync(join(e.parentPath, e.name)))
        .digest("hex"),
    ]),
  );
}

const PROBE = `import { expect, it } from "vitest";
import { getCompileCacheDir } from "node:module";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

it("has the compile cache, and cannot change it", () => {
  const cache = process.env.NODE_COMPILE_CACHE;
  expect(cache).toBeTruthy();
  expect(getCompileCacheDir()).toMatch(new RegExp("^" + cache));
  const sub = join(cache, readdirSync(cache)[0]);
  const entry = join(sub, readdirSync(sub)[0]);
  expect(() => writeFileSync(join(cache, "planted"), "x")).toThrow(/EROFS|EACCES|EPERM|read-only/i);
  expect(() => writeFileSync(join(sub, "planted"), "x")).toThrow(/EROFS|EACCES|EPERM|read-only/i);
  expect(() => writeFileSync(entry, "poisoned")).toThrow(/EROFS|EACCES|EPERM|read-only/i);
  expect(() => rmSync(entry)).toThrow(/EROFS|EACCES|EPERM|read-only/i);
});
`;

beforeAll(() => {
  repo = makeAgentRepo();
  wt = createWorktree(repo.dir, "main");
});
afterAll(() => {
  wt?.remove();
  repo?.cleanup();
});

describe.skipIf(!canIsolateNetwork())("plugin test runs and their compile cache", () => {
  it("runs cold first, then warm with the cache read-only to the tests", async () => {
    const cold = await runProbe(`import { it, expect } from "vitest";\nit("adds", () => expect(1 + 1).toBe(2));\n`);
    expect(cold.ok, cold.summary).toBe(true);
    await testCacheSettled();
    expect(warnings).toEqual([]);
    const cache = testCompileCache();
    expect(cache).toBeDefined();
    const before = contents(cache!);
    expect(Object.keys(before).length).toBeGreaterThan(10);

    const warm = await runProbe(PROBE);
    expect(warm.ok, warm.summary).toBe(true);
    expect(contents(cache!)).toEqual(before);
  });

  it("still fails a failing plugin test, naming its file", async () => {
    const r = await runProbe(`import { it, expect } from "vitest";\nit("is wrong", () => expect(1 + 1).toBe(3));\n`);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.file)).toContain("bot/plugins/probe/probe.test.ts");
    expect(r.summary).toContain("tests failed");
  });
});
