// `npm start` for real: node app/main.ts as a child process, configured only by environment,
// against the GitHub stand-in holding this project's bot/ and policies/, with the real agent
// (recipes; no model): a Discord request goes all the way to a deployment.
import { execSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Probot } from "probot";
import type { ProbotOctokit } from "probot";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub } from "../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../local/github/index.ts";
import { HANDLED_EVENTS } from "../../app/probot-app.ts";
import { actor, ENCRYPTION_KEY, REPO, TOKEN } from "./harness.ts";

const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
let gh: GitHubStandIn;
let reg: RegisteredApp;
let ci: ProbotOctokit;
let child: ChildProcess | undefined;
let dir: string;
let url = "";
let linkUrl = "";
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ouro-app-main-"));
  const fixture = join(dir, "fixture");
  mkdirSync(fixture);
  const paths = execSync("git ls-tree --name-only HEAD -- bot policies tsconfig.json vitest.config.ts package.json .github/CODEOWNERS", {
    cwd: PROJECT,
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  execSync(`git archive HEAD ${paths.join(" ")} | tar -x -C ${JSON.stringify(fixture)}`, { cwd: PROJECT });
  gh = await startGitHub({ logLevel: "silent" });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  reg = await gh.registerApp({ name: "ouro", events: [...HANDLED_EVENTS] });
  gh.installApp(reg.appId, REPO);
  const ciReg = await gh.registerApp({ name: "ci" });
  ci = await new Probot({
    appId: ciReg.appId,
    privateKey: ciReg.privateKey,
    secret: "x".repeat(10),
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  }).auth(gh.installApp(ciReg.appId, REPO));
  child = spawn(process.execPath, ["app/main.ts"], {
    cwd: PROJECT,
    env: {
      PATH: process.env.PATH,
      APP_ID: String(reg.appId),
      PRIVATE_KEY_PATH: reg.privateKeyFile,
      WEBHOOK_SECRET: reg.webhookSecret,
      GHE_HOST: new URL(gh.url).host,
      GHE_PROTOCOL: "http",
      OURO_REPO: REPO,
      OURO_APP_TOKEN: TOKEN,
      OURO_ENCRYPTION_KEY: ENCRYPTION_KEY,
      OURO_DATA_DIR: join(dir, "data"),
      PORT: "0",
      OURO_BOT_LINK_PORT: "0", // the bot link: its own loopback listener
      OURO_WRITE_SPACING_MS: "0", // local stand-in: no need to space writes
      LOG_LEVEL: (process.env.OURO_TEST_LOG ?? "info") as "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  [url, linkUrl] = await new Promise<[string, string]>((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Ouro app listening on (http:\/\/[\d.:]+) .*bot link on (http:\/\/[\d.:]+)\/bot\/v1/.exec(out);
      if (m) resolve([m[1], m[2]]);
    };
    child!.stdout!.on("data", onData);
    child!.stderr!.on("data", onData);
    if (process.env.OURO_TEST_LOG) child!.stdout!.on("data", (b: Buffer) => process.stderr.write(b));
    child!.once("exit", (code) => reject(new Error(`app exited with ${code}: ${out}`)));
  });
  gh.setWebhook(reg.appId, `${url}/api/github/webhooks`);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await gh?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${linkUrl}/bot/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Json };
};
/** Polls until `fn` returns a value (the app runs in another process: no idle() to await). */
async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const stateOf = async (id: string) => ((await api("GET", "/changes")).body.changes as Json[]).find((c) => c.changeId === id);

it("serves /healthz; a /feature add-command request goes through the real agent to a PR, review, merge and deployment", async () => {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(new URL(linkUrl).hostname).toBe("127.0.0.1"); // loopback by default
  expect(new URL(linkUrl).port).not.toBe(new URL(url).port);
  expect((await fetch(`${url}/bot/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  const res = await api("POST", "/changes", {
    id: "discord-4242",
    requester: actor("4242", "quinn"),
    text: "add a /dice command",
    recipe: { kind: "add-command", name: "dice", description: "Roll a die", reply: "You rolled a 4" },
  });
  expect(res.status).toBe(201);
  const pr = await until("the labelled pull request", async () =>
    ((await gh.driver.pulls(REPO, "open")) as Json[]).find((p) => (p.labels as Json[]).length === 2),
  );
  expect(pr).toMatchObject({ user: { login: "ouro[bot]" }, head: { ref: "ouro/discord-4242" } });
  expect((pr.labels as Json[]).map((l) => l.name).sort()).toEqual(["ouro", "risk:low"]);
  const files = (await gh.driver.request(gh.driver.tokenFor("ouro-driver"), "GET", `/repos/${REPO}/pulls/${pr.number}/files`)) as Json[];
  expect(files.map((f) => f.filename)).toEqual(expect.arrayContaining(["bot/plugins/dice/index.ts", "bot/plugins/index.ts"]));
  // CI reports as a commit status; policy (low risk) wants one approval that is not the requester's
  await ci.rest.repos.createCommitStatus({ owner: "acme", repo: "bot", sha: pr.head.sha, state: "success", context: "ci/build" });
  await until("review", async () => (await stateOf("discord-4242"))?.state === "review");
  gh.driver.setPermission(REPO, "dave", "maintain"); // the requester linked no GitHub login: a maintainer's approval counts
  await gh.driver.user("dave").approve(REPO, pr.number);
  await until("merge", async () => (await stateOf("discord-4242"))?.state === "merged");
  const dep = await until("the deployment", async () => ((await gh.driver.deployments(REPO)) as Json[])[0]);
  expect(dep).toMatchObject({ environment: "production", payload: { changeId: "discord-4242" } });
  await gh.driver.user("deployer").request("POST", `/repos/${REPO}/deployments/${dep.id}/statuses`, { state: "success" });
  await until("deployed", async () => (await stateOf("discord-4242"))?.state === "deployed");
  const status = await api("GET", "/status");
  expect(status.body).toMatchObject({ health: "ok", version: { commit: dep.sha } });
}, 180_000); // the real app process, agent and sandboxed checks: 50 s beside two CPU hogs

it("a request the agent cannot write (no recipe, no model) fails cleanly with the agent's reason", async () => {
  const res = await api("POST", "/changes", { id: "discord-43", requester: actor("43", "rui"), text: "make the bot friendlier" });
  expect(res.status).toBe(201);
  await until("failed", async () => (await stateOf("discord-43"))?.state === "failed");
  const issue = Number(String(res.body.trackingIssueUrl).split("/").pop());
  const text = await until("the failure on the tracking issue", async () => {
    const all = ((await gh.driver.comments(REPO, issue)) as Json[]).map((c) => String(c.body)).join("\n");
    return all.includes("❌ Failed") && all;
  });
  expect(text).toMatch(/no recipe and no model is configured/);
  expect(((await gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === "ouro/discord-43")).toEqual([]);
});
