// Bad input never crashes the stand-in and never changes state: hostile refs, paths and
// bodies get 4xx answers in GitHub's error shape, and the repository's refs stay as they were.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { cleanup, fixtureDir } from "./helpers.ts";

let gh: GitHubStandIn;
let fixture: string;

beforeAll(async () => {
  fixture = fixtureDir();
  gh = await startGitHub({ logLevel: "silent" });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  await gh.createRepo({ owner: "acme", name: "empty" });
});

afterAll(async () => {
  await gh?.close();
  cleanup(fixture);
});

const HOSTILE = [
  "--upload-pack=touch x",
  "..",
  "a..b",
  "main:README.md",
  "main^{tree}",
  "HEAD~1",
  "@{-1}",
  "0".repeat(40),
  "x".repeat(300),
  "%2e%2e/x",
];

it("answers hostile refs, paths and bodies with 4xx and changes nothing", async () => {
  const token = gh.driver.tokenFor("alice");
  const before = [await gh.driver.branchSha("acme/bot", "main"), await gh.driver.branchSha("acme/empty", "main")];
  const calls: [string, string, unknown?][] = [];
  for (const b of HOSTILE) {
    const e = encodeURIComponent(b);
    for (const r of ["bot", "empty"]) {
      calls.push(
        ["GET", `/repos/acme/${r}/contents/README.md?ref=${e}`],
        ["GET", `/repos/acme/${r}/commits/${e}`],
        ["GET", `/repos/acme/${r}/branches/${e}`],
        ["GET", `/repos/acme/${r}/git/trees/${e}?recursive=1`],
        ["GET", `/repos/acme/${r}/compare/${e}...main`],
        ["POST", `/repos/acme/${r}/git/refs`, { ref: `refs/heads/${b}`, sha: "0".repeat(40) }],
        ["PATCH", `/repos/acme/${r}/git/refs/heads/${e}`, { sha: b }],
        ["POST", `/repos/acme/${r}/pulls`, { title: "t", head: b, base: "main" }],
        ["POST", `/repos/acme/${r}/git/trees`, { tree: [{ path: b, mode: "100644", type: "blob", content: "x" }], base_tree: b }],
        ["PUT", `/repos/acme/${r}/contents/${e}`, { message: "m", content: "eA==", branch: b }],
        ["POST", `/repos/acme/${r}/deployments`, { ref: b }],
      );
    }
  }
  calls.push(
    ["POST", "/repos/acme/bot/issues", { title: 5, labels: "x" }],
    ["POST", "/repos/acme/bot/git/trees", { tree: [null, 5] }],
    ["POST", "/repos/acme/bot/git/commits", { message: 5 }],
    ["PUT", "/repos/acme/bot/pulls/1/merge", { merge_method: "octopus" }],
    ["POST", "/repos/acme/bot/check-runs", { name: "x", head_sha: "nope" }],
  );
  const statuses = new Set<number>();
  for (const [method, path, body] of calls) {
    const res = await fetch(`${gh.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { message?: string; documentation_url?: string };
    statuses.add(res.status);
    if (res.status >= 400)
      expect({ path, ok: typeof json.message === "string" && typeof json.documentation_url === "string" }).toEqual({ path, ok: true });
    expect({ method, path, status: res.status < 500 }).toEqual({ method, path, status: true });
  }
  expect([...statuses].every((s) => s >= 400 || s === 200)).toBe(true);
  expect([await gh.driver.branchSha("acme/bot", "main"), await gh.driver.branchSha("acme/empty", "main")]).toEqual(before);
  expect((await gh.driver.issues("acme/bot")).length).toBe(0);
});
