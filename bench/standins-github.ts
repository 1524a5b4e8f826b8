// GitHub stand-in benchmark: merging a PR on a 3,000-file repository (target < 300 ms) so the
// stand-in is never what a later benchmark measures. Run standalone: `npx node bench/standins-github.ts`.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { startGitHub } from "../local/github/index.ts";
import { figure, percentile, report } from "./report.ts";
import type { Figure } from "./report.ts";

const FILES = 3000;
const PRS = 7;

export async function benchGitHub(): Promise<Record<string, Figure>> {
  const dir = mkdtempSync(join(tmpdir(), "ouro-bench-gh-"));
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, "src", `m${i % 50}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.ts`), `// file ${i}\nexport const v${i} = ${i};\n`.repeat(8));
  }
  const gh = await startGitHub({ logLevel: "error" });
  try {
    let t = performance.now();
    await gh.createRepo({ owner: "bench", name: "big", fromDir: dir });
    const importMs = performance.now() - t;
    const o = new Octokit({
      baseUrl: gh.apiUrl,
      auth: gh.driver.tokenFor("author"),
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const merger = new Octokit({
      baseUrl: gh.apiUrl,
      auth: gh.driver.tokenFor("reviewer"),
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const repo = { owner: "bench", repo: "big" };
    // PRs touching disjoint files, all opened first: after the first merge the base has moved,
    // so every later merge runs a fresh three-way merge (no cached mergeability).
    const mergeRound = async (round: number): Promise<number[]> => {
      const numbers: number[] = [];
      for (let p = 0; p < PRS; p++) {
        const { data: ref } = await o.git.getRef({ ...repo, ref: "heads/main" });
        const { data: parent } = await o.git.getCommit({ ...repo, commit_sha: ref.object.sha });
        const { data: tree } = await o.git.createTree({
          ...repo,
          base_tree: parent.tree.sha,
          tree: [0, 1, 2].map((k) => ({
            path: `src/m${p}/f${p + 50 * k}.ts`,
            mode: "100644" as const,
            type: "blob" as const,
            content: `// changed by PR ${round}.${p}\n`,
          })),
        });
        const { data: commit } = await o.git.createCommit({ ...repo, message: `PR ${round}.${p}`, tree: tree.sha, parents: [parent.sha] });
        await o.git.createRef({ ...repo, ref: `refs/heads/pr-${round}-${p}`, sha: commit.sha });
        numbers.push((await o.pulls.create({ ...repo, title: `PR ${round}.${p}`, head: `pr-${round}-${p}`, base: "main" })).data.number);
      }
      const merges: number[] = [];
      for (const n of numbers) {
        const t0 = performance.now();
        const { data } = await merger.pulls.merge({ ...repo, pull_number: n });
        merges.push(performance.now() - t0);
        if (!data.merged) throw new Error(`PR ${n} did not merge`);
      }
      return merges.slice(1);
    };
    const cold = await mergeRound(1);
    // Again with an App installed whose receiver gets every webhook (push + pull_request payloads are built).
    const received = { n: 0 };
    const sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        received.n++;
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    const app = await gh.registerApp({ name: "bench", webhookUrl: `http://127.0.0.1:${(sink.address() as { port: number }).port}/` });
    gh.installApp(app.appId, "bench/big");
    const withHooks = await mergeRound(2);
    await gh.deliveries.idle();
    await new Promise<void>((r) => sink.close(() => r()));
    const clone = mkdtempSync(join(tmpdir(), "ouro-bench-clone-"));
    t = performance.now();
    await promisify(execFile)("git", ["clone", "-q", gh.cloneUrl("bench", "big", gh.driver.tokenFor("author")), join(clone, "c")]);
    const cloneMs = performance.now() - t;
    rmSync(clone, { recursive: true, force: true });
    return {
      github_merge_3000: figure(percentile(cold, 50), "ms", { target: 300 }),
      github_merge_3000_max: figure(Math.max(...cold), "ms"),
      github_merge_3000_webhooks: figure(percentile(withHooks, 50), "ms", { target: 300 }),
      github_import_3000: figure(importMs, "ms"),
      github_clone_3000: figure(cloneMs, "ms"),
    };
  } finally {
    await gh.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) report("standins-github", await benchGitHub());
