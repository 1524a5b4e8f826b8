// This repository's REAL policy.yml, run by the Actions stand-in on PRs of a copy of HEAD:
// base checkout, `npm ci --omit=dev --ignore-scripts` from the npm registry (through a shared
// cache, so reruns are fast), the head as data, the policy-check Action from the base.
// A plugin-only self-edit passes; a self-edit touching policies/ is blocked.
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tempDir } from "../github/helpers.ts";
import { HELLO_TEST, helloPlugin, startWorld } from "./helpers.ts";
import type { Repo, World } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "../../..");
let w: World;
let copy: string;
let repo: Repo;

beforeAll(async () => {
  copy = tempDir("ouro-actions-head-");
  execSync(`git archive HEAD | tar -x -C ${JSON.stringify(copy)}`, { cwd: ROOT });
  // Only the policy workflow here: validate (the full install and suite) is measured apart.
  rmSync(join(copy, ".github/workflows/validate.yml"));
  const npmCache = join(tmpdir(), "ouro-actions-npm-cache");
  mkdirSync(npmCache, { recursive: true });
  w = await startWorld({ npmCache });
  repo = await w.repo("ouro", copy);
});
afterAll(async () => {
  await w?.close();
  rmSync(copy, { recursive: true, force: true });
});

it("passes a plugin-only self-edit and blocks one that touches policies/", { timeout: 600_000 }, async () => {
  const registry = readFileSync(join(copy, "bot/plugins/index.ts"), "utf8")
    .replace('import ping from "./ping/index.ts";', 'import hello from "./hello/index.ts";\nimport ping from "./ping/index.ts";')
    .replace("[ping]", "[hello, ping]");
  const good = await repo.pr("ouro/hello", {
    "bot/plugins/hello/index.ts": helloPlugin("Hello!"),
    "bot/plugins/hello/hello.test.ts": HELLO_TEST,
    "bot/plugins/index.ts": registry,
  });
  const policy = readFileSync(join(copy, "policies/ouro.yml"), "utf8").replace("mode: enforce", "mode: evaluate");
  const bad = await repo.pr("ouro/loosen", { "policies/ouro.yml": policy });
  await w.settle();

  const [pass] = await repo.checks(good.sha);
  expect(pass, `${w.lines.join("\n")}\n${pass?.output.summary}`).toMatchObject({
    name: "policy verdict",
    conclusion: "success",
    app: { slug: "github-actions" },
  });
  const [block] = await repo.checks(bad.sha);
  expect(block).toMatchObject({ name: "policy verdict", conclusion: "failure" });
  expect(block.output.summary).toMatch(/block/i);
  const notes = await repo.annotations(block.id);
  expect(notes.some((n) => n.path === "policies/ouro.yml" && n.annotation_level === "failure")).toBe(true);
});
