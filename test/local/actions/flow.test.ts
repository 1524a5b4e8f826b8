// Jobs and runs: needs/outputs/if with status functions, concurrency cancelling the older
// run, push branch filters, pull_request types, timeouts and setup-node's version check.
import { once } from "node:events";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cleanup } from "../github/helpers.ts";
import { startWorld, workflow } from "./helpers.ts";
import type { World } from "./helpers.ts";

let w: World;
let gates: string;
beforeAll(async () => {
  w = await startWorld();
  // Outside /tmp: a job's /tmp is its own (local/actions/view.ts) when the tests run as root.
  gates = mkdtempSync("/var/tmp/ouro-actions-gates-");
  chmodSync(gates, 0o777); // jobs run as nobody when the tests run as root
});
afterAll(async () => {
  await w?.close();
  cleanup(gates);
});

it("needs, job outputs and if: success()/failure()/always() decide which jobs run", async () => {
  const repo = await w.repo("needs", {
    ".github/workflows/ci.yml": `on: pull_request
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      v: \${{ steps.s.outputs.v }}
    steps:
      - id: s
        run: echo "v=42" >> "$GITHUB_OUTPUT"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.a.outputs.v }}" = 42
      - run: exit 3
      - if: always()
        run: echo "cleanup ran" >> "$GITHUB_STEP_SUMMARY"
      - if: \${{ failure() && steps.s.outcome != 'success' }}
        run: echo "failure ran" >> "$GITHUB_STEP_SUMMARY"
  c:
    needs: b
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo "b failed"
  d:
    needs: b
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  e:
    needs: [a, b]
    if: always() && needs.a.result == 'success'
    runs-on: ubuntu-24.04
    defaults:
      run:
        working-directory: sub
    steps:
      - run: mkdir -p sub
        working-directory: .
      - run: test "$(basename "$PWD")" = sub
`,
  });
  const { sha } = await repo.pr("feature", { "x.txt": "x\n" });
  await w.settle();
  const byName = Object.fromEntries((await repo.checks(sha)).map((r) => [r.name, r]));
  expect(byName.a.conclusion).toBe("success");
  expect(byName.b.conclusion).toBe("failure");
  expect(byName.b.output.summary).toContain("cleanup ran");
  expect(byName.b.output.summary).toContain("failure ran");
  expect(byName.b.output.summary).toContain("exit code 3");
  expect(byName.c.conclusion).toBe("success");
  expect(byName.d.conclusion).toBe("skipped");
  expect(byName.e.conclusion).toBe("success");
});

it("concurrency with cancel-in-progress: a newer run of the group cancels the older; its check concludes cancelled", async () => {
  const repo = await w.repo("conc", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - run: until [ -f "${gates}/go-$GITHUB_SHA" ]; do sleep 0.05; done\n`,
      "concurrency:\n  group: ci-${{ github.event.pull_request.number }}\n  cancel-in-progress: true\n",
    ),
  });
  const started = once(w.actions.events, "job-started");
  const first = await repo.pr("feature", { "x.txt": "1\n" });
  const [ev] = (await started) as [{ headSha: string }];
  expect(ev.headSha).toBe(first.sha);
  const second = await repo.push("feature", { "x.txt": "2\n" });
  writeFileSync(join(gates, `go-${second}`), "");
  await w.settle();
  const [old] = await repo.checks(first.sha);
  const [current] = await repo.checks(second);
  expect(old).toMatchObject({ status: "completed", conclusion: "cancelled" });
  expect(current).toMatchObject({ status: "completed", conclusion: "success" });
});

it("push runs only workflows whose branches filter matches; pull_request types filter", async () => {
  const repo = await w.repo("push", {
    ".github/workflows/main.yml": workflow("\n  push:\n    branches: [main]", "      - run: echo main\n"),
    ".github/workflows/labeled.yml": workflow("\n  pull_request:\n    types: [labeled]", "      - run: echo labeled\n").replace(
      "name: check",
      "name: on label",
    ),
  });
  const { number, sha } = await repo.pr("feature", { "x.txt": "x\n" });
  await w.settle();
  expect(await repo.checks(sha)).toEqual([]);
  await w.alice.addLabels("acme/push", number, ["go"]);
  await w.settle();
  expect((await repo.checks(sha)).map((r) => [r.name, r.conclusion])).toEqual([["on label", "success"]]);
  await w.alice.merge("acme/push", number);
  await w.settle();
  const tip = (await w.gh.driver.branchSha("acme/push", "main"))!;
  expect((await repo.checks(tip)).map((r) => [r.name, r.conclusion])).toEqual([["check", "success"]]);
});

it("timeout-minutes stops a job; setup-node refuses a Node it does not have, in plain words", async () => {
  const repo = await w.repo("limits", {
    ".github/workflows/slow.yml": workflow("pull_request", "      - run: sleep 60\n").replace(
      "runs-on: ubuntu-latest",
      "runs-on: ubuntu-latest\n    timeout-minutes: 0.02",
    ),
    ".github/workflows/node.yml": workflow(
      "pull_request",
      "      - uses: actions/setup-node@v5\n        with:\n          node-version: 18\n",
    ).replace("name: check", "name: node"),
  });
  const { sha } = await repo.pr("feature", { "x.txt": "x\n" });
  await w.settle();
  const byName = Object.fromEntries((await repo.checks(sha)).map((r) => [r.name, r]));
  expect(byName.check.conclusion).toBe("failure");
  expect(byName.check.output.summary).toContain("exceeded its timeout");
  expect(byName.node.conclusion).toBe("failure");
  expect(byName.node.output.summary).toMatch(/node-version 18 is not available: the Actions stand-in has only Node 24\./);
});

it("annotations go out in batches of at most 50; ::group:: lines are not annotations", async () => {
  const repo = await w.repo("many", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - run: |
          echo "::group::notes"
          for i in $(seq 1 120); do echo "::notice file=n.ts,line=$i::note $i"; done
          echo "::endgroup::"
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "x.txt": "x\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run).toMatchObject({ conclusion: "success", output: { annotations_count: 120 } });
  const notes = await w.aliceApi.paginate(w.aliceApi.checks.listAnnotations, { owner: "acme", repo: "many", check_run_id: run.id });
  expect(notes.map((n) => n.message)).toEqual(Array.from({ length: 120 }, (_, i) => `note ${i + 1}`));
});

it("a forged webhook is refused", async () => {
  const res = await fetch(w.actions.webhookUrl, {
    method: "POST",
    headers: { "x-github-event": "push", "x-hub-signature-256": "sha256=" + "0".repeat(64), "content-type": "application/json" },
    body: "{}",
  });
  expect(res.status).toBe(401);
});
