// Jobs run PR code, so they must not run as the stand-in's user: as root, every process a job
// starts (run: steps, git for the checkout, local JavaScript actions) runs as nobody in a job
// directory nobody owns, and cannot read a key only this user can. Not root: the log and the
// check run say the job ran as this user.
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { canBuildViews } from "../../../local/actions/view.ts";
import { tempDir } from "../github/helpers.ts";
import { startWorld, workflow } from "./helpers.ts";
import type { World } from "./helpers.ts";

const ROOT_RUN = process.getuid?.() === 0;
let w: World;
let keyFile: string;
beforeAll(async () => {
  w = await startWorld();
  // Only the file's own mode protects it: its directory is open to everyone.
  chmodSync(w.gh.dataDir, 0o755);
  keyFile = join(w.gh.dataDir, "fake-app.pem");
  writeFileSync(keyFile, "-----BEGIN FAKE KEY-----\n", { mode: 0o600 });
});
afterAll(async () => {
  await w?.close();
});

it("a job's steps, its checkout and its local action run as nobody and cannot read a 0600 key", async () => {
  const repo = await w.repo("users", {
    "who/action.yml": "name: who\nruns:\n  using: node24\n  main: main.mjs\n",
    "who/main.mjs": `import { appendFileSync } from "node:fs";
appendFileSync(process.env.GITHUB_OUTPUT, "uid=" + process.getuid() + "\\n");
`,
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - uses: actions/checkout@v5
        with:
          persist-credentials: false
      - uses: actions/setup-node@v5
        with:
          node-version: 24
      - id: who
        uses: ./who
      - name: Look
        run: |
          echo "step-uid=$(id -u) action-uid=\${{ steps.who.outputs.uid }} checkout-owner=$(stat -c %u .git/HEAD) home-owner=$(stat -c %u "$HOME") tmp-owner=$(stat -c %u "$TMPDIR")" >> "$GITHUB_STEP_SUMMARY"
          if cat ${JSON.stringify(keyFile)} > /dev/null 2>&1; then echo "key: read" >> "$GITHUB_STEP_SUMMARY"; else echo "key: refused" >> "$GITHUB_STEP_SUMMARY"; fi
          mkdir -p "$npm_config_cache/_probe" && touch "$npm_config_cache/_probe/x" && echo "npm cache: writable" >> "$GITHUB_STEP_SUMMARY"
          node -e 'console.log("node runs")'
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run, run?.output.summary ?? "").toMatchObject({ conclusion: "success" });
  const summary = run.output.summary ?? "";
  expect(summary).toContain("npm cache: writable");
  if (!ROOT_RUN) {
    // Not root: nothing can be dropped, and nobody may believe otherwise.
    console.warn("user.test.ts: not root, so jobs cannot run as nobody; checking the warning instead");
    expect(w.lines.some((l) => /⚠ jobs run as .* this process's user/.test(l))).toBe(true);
    expect(summary).toContain("This job ran as");
    return;
  }
  expect(summary).toContain("step-uid=65534 action-uid=65534 checkout-owner=65534 home-owner=65534 tmp-owner=65534");
  expect(summary).toContain("key: refused");
  expect(summary).not.toContain("This job ran as");
  expect(w.lines.some((l) => l.includes("⚠ jobs run as"))).toBe(false);
});

// Where mount namespaces work, a private data dir is fine (private-checkout.test.ts); elsewhere:
it.skipIf(!ROOT_RUN || canBuildViews().ok)(
  "as root, a data dir nobody cannot reach fails the job clearly instead of running it as root",
  async () => {
    const hidden = tempDir("ouro-actions-private-"); // 0700: nobody cannot enter it
    const other = await startWorld({ dataDir: join(hidden, "actions") });
    try {
      const repo = await other.repo("private", { ".github/workflows/ci.yml": workflow("pull_request", "      - run: id -u\n") });
      const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
      await other.settle();
      const [run] = await repo.checks(sha);
      expect(run.conclusion).toBe("failure");
      expect(run.output.summary).toMatch(
        /ci\.yml, job "check": jobs run as nobody, who cannot reach .*ouro-actions-private-.*\/actions\/work/,
      );
      expect(run.output.summary).toContain("they were not run as root instead");
    } finally {
      await other.close();
      rmSync(hidden, { recursive: true, force: true });
    }
  },
);
