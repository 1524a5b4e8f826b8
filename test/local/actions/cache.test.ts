// actions/cache on the Actions stand-in: a miss saves at the end of a successful job, the next
// run hits (cache-hit "true"), a PR reads its base branch's entries, restore-keys fall back by
// prefix, a failed job saves nothing, and a job changing restored files does not change the entry.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CacheStore, cacheVersion } from "../../../local/actions/cache.ts";
import { cleanup, tempDir } from "../github/helpers.ts";
import { startWorld } from "./helpers.ts";
import type { Repo, World } from "./helpers.ts";

const CACHE_SHA = "0400d5f644dc74513175e3cd8d07132dd4860809"; // v4.2.4
const CI = `name: t
on:
  push:
    branches: [main]
  pull_request:
jobs:
  check:
    name: check
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
        with:
          persist-credentials: false
      - id: c
        uses: actions/cache@${CACHE_SHA} # v4.2.4
        with:
          path: |
            deps
            ~/.tool
          key: deps-\${{ hashFiles('lock.txt') }}
          restore-keys: |
            deps-
      - name: Install
        if: steps.c.outputs.cache-hit != 'true'
        run: mkdir -p deps ~/.tool && cat lock.txt >> deps/file && echo tool > ~/.tool/x
      - name: Use
        run: |
          echo "hit=[\${{ steps.c.outputs.cache-hit }}] deps=[$(tr '\\n' ' ' < deps/file)] tool=[$(cat ~/.tool/x)]" >> "$GITHUB_STEP_SUMMARY"
      - name: Change what was restored
        if: steps.c.outputs.cache-hit == 'true'
        run: echo poisoned > deps/file && echo poisoned > ~/.tool/x
      - run: test ! -f fail.txt
`;
const key = (lock: string) => `deps-${createHash("sha256").update(createHash("sha256").update(lock).digest()).digest("hex")}`;

let w: World;
let dataDir: string;
let repo: Repo;
beforeAll(async () => {
  dataDir = tempDir("ouro-actions-cache-");
  w = await startWorld({ dataDir });
  repo = await w.repo("cached", { ".github/workflows/ci.yml": CI, "lock.txt": "v1\n" });
});
afterAll(async () => {
  await w?.close();
  cleanup(dataDir);
});

const summaryOf = async (sha: string) => {
  const [run] = await repo.checks(sha);
  return { conclusion: run?.conclusion, summary: run?.output.summary ?? "" };
};

it(
  "main misses and saves; a PR hits its base's entry, falls back by prefix, never poisons it; a failed job saves nothing",
  { timeout: 120_000 },
  async () => {
    const main = await repo.push("main", { "a.txt": "1\n" });
    await w.settle();
    expect(await summaryOf(main)).toMatchObject({
      conclusion: "success",
      summary: expect.stringContaining("hit=[false] deps=[v1 ] tool=[tool]"),
    });
    const store = new CacheStore(join(dataDir, "caches"));
    const version = cacheVersion(["deps", "~/.tool"]);
    expect(store.find("acme/cached", ["refs/heads/main"], key("v1\n"), [], version)?.entry).toMatchObject({ key: key("v1\n") });

    // Same lockfile: an exact hit from the base branch; the install is skipped; the job then changes the files.
    const a = await repo.pr("same-lock", { "a.txt": "2\n" });
    await w.settle();
    expect(await summaryOf(a.sha)).toMatchObject({
      conclusion: "success",
      summary: expect.stringContaining("hit=[true] deps=[v1 ] tool=[tool]"),
    });
    expect(store.find("acme/cached", [`refs/pull/${a.number}/merge`], key("v1\n"), [], version)).toBeNull(); // a hit saves nothing

    // A new lockfile: restore-keys find main's entry by prefix — unchanged by the job above — and the PR saves its own.
    const b = await repo.pr("new-lock", { "lock.txt": "v2\n" });
    await w.settle();
    expect(await summaryOf(b.sha)).toMatchObject({
      conclusion: "success",
      summary: expect.stringContaining("hit=[false] deps=[v1 v2 ] tool=[tool]"),
    });
    expect(store.find("acme/cached", [`refs/pull/${b.number}/merge`], key("v2\n"), [], version)?.entry).toMatchObject({
      key: key("v2\n"),
      scope: `refs/pull/${b.number}/merge`,
    });
    // …which main cannot see (a PR cannot poison its base), while the PR's next run hits it.
    expect(store.find("acme/cached", ["refs/heads/main"], key("v2\n"), [], version)).toBeNull();
    const b2 = await repo.push("new-lock", { "b.txt": "again\n" });
    await w.settle();
    expect(await summaryOf(b2)).toMatchObject({ summary: expect.stringContaining("hit=[true] deps=[v1 v2 ] tool=[tool]") });

    // A failed job saves nothing.
    const c = await repo.pr("failing", { "lock.txt": "v3\n", "fail.txt": "x\n" });
    await w.settle();
    expect(await summaryOf(c.sha)).toMatchObject({ conclusion: "failure", summary: expect.stringContaining("hit=[false] deps=[v1 v3 ]") });
    const found = store.find("acme/cached", [`refs/pull/${c.number}/merge`, "refs/heads/main"], key("v3\n"), [], version);
    expect(found?.entry.key).not.toBe(key("v3\n"));
  },
);

it("bad cache input fails the job naming the file and the step", async () => {
  const bad = await w.repo("cache-bad", {
    ".github/workflows/ci.yml": `name: t
on: pull_request
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - name: Restore deps
        uses: actions/cache@v4
        with:
          path: deps
`,
  });
  const { sha } = await bad.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await bad.checks(sha);
  expect(run.conclusion).toBe("failure");
  expect(run.output.summary).toContain(
    '.github/workflows/ci.yml, job "check", step 1 "Restore deps": actions/cache needs the input "key" (Input required and not supplied: key)',
  );
});

it("an unknown hashFiles pattern form fails the step that uses it, in plain words", async () => {
  const bad = await w.repo("hash-bad", {
    ".github/workflows/ci.yml": `name: t
on: pull_request
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - name: Key
        run: echo "\${{ hashFiles('{a,b}.lock') }}"
`,
  });
  const { sha } = await bad.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await bad.checks(sha);
  expect(run.conclusion).toBe("failure");
  expect(run.output.summary).toMatch(/ci\.yml, job "check", step 1 "Key": .*hashFiles\('\{a,b\}\.lock'\): brace expansion/);
});
