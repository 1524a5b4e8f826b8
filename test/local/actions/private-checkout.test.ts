// CI clones this repository into `mktemp -d` (0700, root's) and runs the tests as root: the
// Node the jobs use and the Actions data dir then sit under a directory nobody cannot enter.
// As root, jobs still run as nobody there — each process in a view of the files of its own
// (local/actions/view.ts) — and the view opens nothing else: not a root-only key in the data
// dir, not the checkout's other files. A job that puts its own `setpriv`, `unshare` or `mount`
// first on PATH, or sets LD_PRELOAD, does not get them run or loaded as root.
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { canBuildViews } from "../../../local/actions/view.ts";
import { cleanup, tempDir } from "../github/helpers.ts";
import { startWorld, workflow } from "./helpers.ts";
import type { World } from "./helpers.ts";

const ROOT_RUN = process.getuid?.() === 0;
let hidden: string;
let w: World;
let key: string;
let neighbour: string;
let preload: string;
let shared: string;

beforeAll(async () => {
  hidden = tempDir("ouro-actions-0700-"); // mode 0700, as `mktemp -d` makes it
  const nodeDir = join(hidden, "repo", "node_modules", "node", "bin");
  mkdirSync(nodeDir, { recursive: true });
  try {
    linkSync(process.execPath, join(nodeDir, "node"));
  } catch {
    copyFileSync(process.execPath, join(nodeDir, "node")); // another file system
  }
  // Readable to anyone but for the 0700 directory above it.
  neighbour = join(hidden, "repo", ".env");
  writeFileSync(neighbour, "SECRET=1\n", { mode: 0o644 });
  w = await startWorld({ nodeDir, dataDir: join(hidden, "repo", ".data", "actions") });
  key = join(hidden, "repo", ".data", "actions", "app.pem");
  writeFileSync(key, "-----BEGIN FAKE KEY-----\n", { mode: 0o600 });
  // Root's only, where a job can name it: the loader says "cannot open" as nobody, "file too short" as root.
  shared = mkdtempSync("/var/tmp/ouro-actions-preload-");
  chmodSync(shared, 0o755);
  preload = join(shared, "evil.so");
  writeFileSync(preload, "not a library\n", { mode: 0o600 });
});
afterAll(async () => {
  await w?.close();
  cleanup(hidden, shared);
});

it("a job runs from a checkout under a 0700 directory, as nobody, and still cannot read what is private", async () => {
  const fakes = ["setpriv", "unshare", "mount", "umount", "pivot_root"]
    .map((n) => `printf '#!/bin/sh\\necho "fake ${n} ran as $(id -u)" >> "$GITHUB_STEP_SUMMARY"\\nexit 1\\n' > "$RUNNER_TEMP/bin/${n}"`)
    .join("\n          ");
  const repo = await w.repo("private", {
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
      - name: Plant programs of its own first on PATH
        run: |
          mkdir -p "$RUNNER_TEMP/bin"
          ${fakes}
          chmod +x "$RUNNER_TEMP/bin"/*
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "LD_PRELOAD=${preload}" >> "$GITHUB_ENV"
      - name: Look
        run: |
          echo "step-uid=$(id -u) action-uid=\${{ steps.who.outputs.uid }} node=$(node -p process.version)" >> "$GITHUB_STEP_SUMMARY"
          if cat ${JSON.stringify(key)} > /dev/null 2>&1; then echo "key: read" >> "$GITHUB_STEP_SUMMARY"; else echo "key: refused" >> "$GITHUB_STEP_SUMMARY"; fi
          if cat ${JSON.stringify(neighbour)} > /dev/null 2>&1; then echo "neighbour: read" >> "$GITHUB_STEP_SUMMARY"; else echo "neighbour: refused" >> "$GITHUB_STEP_SUMMARY"; fi
          mkdir -p "$npm_config_cache/_probe" && touch "$npm_config_cache/_probe/x" && echo "npm cache: writable" >> "$GITHUB_STEP_SUMMARY"
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  const summary = run?.output.summary ?? "";
  expect(run, `${w.lines.join("\n")}\n${summary}`).toMatchObject({ conclusion: "success" });
  expect(summary).toContain(`node=${process.version}`);
  expect(summary).toContain("npm cache: writable");
  expect(summary).not.toContain("fake ");
  const { data } = await w.aliceApi.checks.get({ owner: "acme", repo: "private", check_run_id: run.id });
  const loader = (await (await fetch(String(data.details_url))).text()).split("\n").filter((l) => l.includes("from LD_PRELOAD"));
  expect(loader.length).toBeGreaterThan(0); // the job's own processes got it
  if (ROOT_RUN) expect(loader.filter((l) => !l.includes("(cannot open shared object file)"))).toEqual([]);
  if (!ROOT_RUN) {
    // Not root: jobs run as this user, who may read its own files; the warning says so.
    expect(summary).toContain("This job ran as");
    return;
  }
  if (!canBuildViews().ok) {
    console.warn(`private-checkout.test.ts: no mount namespaces here (${canBuildViews().why})`);
    return;
  }
  expect(summary).toContain("step-uid=65534 action-uid=65534");
  expect(summary).toContain("key: refused");
  expect(summary).toContain("neighbour: refused");
  expect(summary).not.toContain("This job ran as");
});
