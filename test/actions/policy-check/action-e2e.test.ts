// End to end, as on GitHub: a PR is opened on the GitHub stand-in (local/github), which
// sends a real pull_request webhook payload; the head is cloned over git smart HTTP with
// full history (like actions/checkout with fetch-depth: 0); the Action then runs as a
// runner starts it, with that payload in GITHUB_EVENT_PATH.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { startGitHub, type GitHubStandIn } from "../../../local/github/index.ts";
import { checkWebhook } from "../../local/github/contract.ts";
import { GIT_ENV } from "../../helpers/git.ts";
import { ACTION_MAIN, BENIGN_PLUGIN, BENIGN_TEST, ROOT } from "../../helpers/policy-repo.ts";

const run = promisify(execFile);
// The stand-in serves from this process: git and the Action must not block the event loop.
const gitAsync = (cwd: string, ...args: string[]) =>
  run("git", args, { cwd, env: { ...process.env, ...GIT_ENV, GIT_TERMINAL_PROMPT: "0" } });

let gh: GitHubStandIn;
let hooks: Server;
let work: string;
const received: { event: string; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ouro-action-e2e-"));
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ event: String(req.headers["x-github-event"]), payload: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  const fixture = join(work, "fixture");
  cpSync(join(ROOT, "policies"), join(fixture, "policies"), { recursive: true });
  writeFileSync(join(work, "fixture/README.md"), "# ouro\n");
  gh = await startGitHub({ logLevel: "silent", deliveries: { retryDelaysMs: [] } });
  await gh.createRepo({ owner: "ouro-bot", name: "ouro", fromDir: fixture });
  const app = await gh.registerApp({ name: "ouro", webhookUrl: `http://127.0.0.1:${(hooks.address() as { port: number }).port}/hook` });
  gh.installApp(app.appId, "ouro-bot/ouro");
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await new Promise<void>((r) => (hooks ? hooks.close(() => r()) : r()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens a PR from `branch` with `files` through the REST API; returns its pull_request.opened payload. */
async function openPr(branch: string, files: Record<string, string>): Promise<Record<string, unknown>> {
  const o = new Octokit({ baseUrl: gh.apiUrl, auth: gh.driver.tokenFor("alice"), log: { debug() {}, info() {}, warn() {}, error() {} } });
  const [owner, repo] = ["ouro-bot", "ouro"];
  const { data: ref } = await o.git.getRef({ owner, repo, ref: "heads/main" });
  const { data: parent } = await o.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
  const { data: tree } = await o.git.createTree({
    owner,
    repo,
    base_tree: parent.tree.sha,
    tree: Object.entries(files).map(([path, content]) => ({ path, mode: "100644" as const, type: "blob" as const, content })),
  });
  const { data: commit } = await o.git.createCommit({ owner, repo, message: branch, tree: tree.sha, parents: [parent.sha] });
  await o.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  const { data: pr } = await o.pulls.create({ owner, repo, head: branch, base: "main", title: branch });
  await gh.deliveries.idle();
  const hook = received.find(
    (r) => r.event === "pull_request" && r.payload.action === "opened" && (r.payload.number as number) === pr.number,
  );
  if (!hook) throw new Error(`no pull_request.opened delivery for #${pr.number}`);
  return hook.payload;
}

function runAction(
  dir: string,
  payload: Record<string, unknown>,
): Promise<{ status: number | null; stdout: string; outputs: string; summary: string }> {
  writeFileSync(join(dir, "event.json"), JSON.stringify(payload));
  writeFileSync(join(dir, "output"), "");
  writeFileSync(join(dir, "summary"), "");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)) env[k] = v;
  Object.assign(env, {
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: "pull_request_target",
    GITHUB_EVENT_PATH: join(dir, "event.json"),
    GITHUB_OUTPUT: join(dir, "output"),
    GITHUB_STEP_SUMMARY: join(dir, "summary"),
    GITHUB_WORKSPACE: dir,
    "INPUT_REPO-PATH": "head",
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ACTION_MAIN], { cwd: dir, env });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({ status, stdout, outputs: readFileSync(join(dir, "output"), "utf8"), summary: readFileSync(join(dir, "summary"), "utf8") }),
    );
  });
}

/** What policy.yml does for the head: a full-history checkout of the PR head sha into head/. */
async function checkoutHead(dir: string, headSha: string): Promise<void> {
  await gitAsync(dir, "clone", "-q", "--no-checkout", gh.cloneUrl("ouro-bot", "ouro", gh.driver.tokenFor("alice")), "head");
  await gitAsync(join(dir, "head"), "checkout", "-q", "--detach", headSha);
}

describe("policy-check Action on a real pull_request payload", () => {
  it("blocks a hostile self-edit PR opened on the GitHub stand-in", async () => {
    const payload = await openPr("ouro/hostile", {
      "bot/plugins/dice/index.ts": BENIGN_PLUGIN + "\nexport const run = (code: string) => eval(code);\n",
      "bot/plugins/dice/index.test.ts": BENIGN_TEST,
    });
    checkWebhook("pull_request", payload); // the payload is GitHub's documented shape
    const pr = payload.pull_request as { head: { sha: string; ref: string }; base: { sha: string } };
    expect(pr.head.ref).toBe("ouro/hostile");

    const dir = mkdtempSync(join(work, "run-"));
    await checkoutHead(dir, pr.head.sha);
    const r = await runAction(dir, payload);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^::error title=api\/eval,file=bot\/plugins\/dice\/index\.ts,line=\d+/m);
    expect(r.outputs).toMatch(/^decision<<(ghadelimiter_[^\n]+)\nblock\n\1$/m);
    expect(r.summary).toMatch(/Policy check: BLOCK/);
  });

  it("passes a benign plugin PR", async () => {
    const payload = await openPr("ouro/dice", {
      "bot/plugins/dice/index.ts": BENIGN_PLUGIN,
      "bot/plugins/dice/index.test.ts": BENIGN_TEST,
    });
    const pr = payload.pull_request as { head: { sha: string } };
    const dir = mkdtempSync(join(work, "run-"));
    await checkoutHead(dir, pr.head.sha);
    const r = await runAction(dir, payload);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/^::error/m);
    expect(r.outputs).toMatch(/^decision<<(ghadelimiter_[^\n]+)\n(pass|needs-approval)\n\1$/m);
  });
});
