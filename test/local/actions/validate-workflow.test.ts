// This repository's REAL validate.yml on a plugin-only PR of a copy of HEAD, run twice: the
// first run misses the node_modules cache, runs `npm ci` and saves the entry; the second (a new
// push to the PR, same lockfile) restores it and skips `npm ci`. Prints both job times.
import { execSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tempDir } from "../github/helpers.ts";
import { HELLO_TEST, helloPlugin, startWorld } from "./helpers.ts";
import type { Repo, World } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "../../..");
let w: World;
let copy: string;
let repo: Repo;
let dataDir: string;

beforeAll(async () => {
  copy = tempDir("ouro-actions-head-");
  execSync(`git archive HEAD | tar -x -C ${JSON.stringify(copy)}`, { cwd: ROOT });
  rmSync(join(copy, ".github/workflows/policy.yml")); // only validate here
  // Outside /tmp, so that jobs (as nobody, when root) get a /tmp of their own, as on a fresh
  // runner: the host's /tmp may hold directories other users' tests left (bot/plugin-host's).
  const npmCache = "/var/tmp/ouro-actions-npm-cache";
  mkdirSync(npmCache, { recursive: true });
  dataDir = mkdtempSync("/var/tmp/ouro-actions-validate-");
  w = await startWorld({ npmCache, dataDir });
  repo = await w.repo("ouro", copy);
});
afterAll(async () => {
  await w?.close();
  rmSync(copy, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

it("a second run of the same lockfile restores node_modules and skips npm ci", { timeout: 900_000 }, async () => {
  const registry = readFileSync(join(copy, "bot/plugins/index.ts"), "utf8")
    .replace('import ping from "./ping/index.ts";', 'import hello from "./hello/index.ts";\nimport ping from "./ping/index.ts";')
    .replace("[ping]", "[hello, ping]");
  const run = async (sha: string) => {
    await w.settle();
    const [check] = await repo.checks(sha);
    const { data } = await w.aliceApi.checks.get({ owner: "acme", repo: "ouro", check_run_id: check.id });
    const log = await (await fetch(String(data.details_url))).text();
    const seconds = (Date.parse(String(data.completed_at)) - Date.parse(String(data.started_at))) / 1000;
    expect(check, `${w.lines.join("\n")}\n${check.output.summary}\n${log.slice(-3000)}`).toMatchObject({
      name: "typecheck and tests",
      conclusion: "success",
    });
    return { log, seconds };
  };
  const pr = await repo.pr("ouro/hello", {
    "bot/plugins/hello/index.ts": helloPlugin("Hello!"),
    "bot/plugins/hello/hello.test.ts": HELLO_TEST,
    "bot/plugins/index.ts": registry,
  });
  const first = await run(pr.sha);
  if (process.getuid?.() === 0) {
    expect(first.log).toContain("as nobody (uid 65534)");
    // A /tmp of its own only when nothing the job needs (here: Node, in this checkout) is under the host's /tmp.
    if (!process.execPath.startsWith("/tmp/")) expect(first.log).toContain("as nobody (uid 65534), with a /tmp of its own");
  }
  expect(first.log).toContain("Cache not found for input keys: node-modules-Linux-X64-node-v24.");
  expect(first.log).toMatch(/■ Install: success/);
  expect(first.log).toContain("Cache saved with key: node-modules-Linux-X64-node-v24.");

  const again = await repo.push("ouro/hello", { "bot/plugins/hello/index.ts": helloPlugin("Hello again!") });
  const second = await run(again);
  expect(second.log).toContain("Cache restored from key: node-modules-Linux-X64-node-v24.");
  expect(second.log).toContain("skipped: Install");
  expect(second.log).toContain("Cache hit occurred on the primary key");
  console.log(
    `validate on a plugin-only PR: first run (cache miss, npm ci, save) ${first.seconds.toFixed(1)} s; second run (cache hit) ${second.seconds.toFixed(1)} s`,
  );
  for (const [name, r] of [
    ["first", first],
    ["second", second],
  ] as const)
    console.log(
      `${name}:\n${r.log
        .split("\n")
        .filter((l) => /^■ /.test(l))
        .join("\n")}`,
    );
});
