// Check runs/suites (App only), commit statuses, deployments and deployment statuses,
// through Octokit with an installation token; responses and webhooks contract-checked.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

let gh: GitHubStandIn;
let bot: Octokit;
let human: Octokit;
let fixture: string;
let sha: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const repo = { owner: "acme", repo: "bot" };

beforeAll(async () => {
  fixture = fixtureDir();
  receiver = await startReceiver();
  gh = await startGitHub();
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  const app = await gh.registerApp({ name: "checker", webhookUrl: receiver.url });
  const inst = gh.installApp(app.appId, "acme/bot");
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  });
  const { data } = await (await probot.auth()).rest.apps.createInstallationAccessToken({ installation_id: inst });
  bot = checkedOctokit(gh, data.token);
  human = checkedOctokit(gh, gh.driver.tokenFor("alice"));
  sha = (await gh.driver.branchSha("acme/bot", "main"))!;
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await receiver?.close();
  cleanup(fixture);
});

async function statusOf(p: Promise<{ status: number }>): Promise<number> {
  try {
    return (await p).status;
  } catch (e) {
    const err = e as { status?: number; response?: unknown };
    if (!err.response) throw e;
    return err.status as number;
  }
}

it("creates, updates and lists check runs; the suite completes; only Apps may create them", async () => {
  const { data: run } = await bot.checks.create({ ...repo, name: "tests", head_sha: sha, status: "in_progress" });
  expect(run.status).toBe("in_progress");
  const { data: done } = await bot.checks.update({
    ...repo,
    check_run_id: run.id,
    conclusion: "failure",
    output: { title: "1 failing", summary: "x.test.ts failed" },
  });
  expect(done).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "1 failing" } });
  const { data: list } = await bot.checks.listForRef({ ...repo, ref: "main" });
  expect(list.check_runs.map((c) => c.name)).toEqual(["tests"]);
  const { data: suites } = await bot.checks.listSuitesForRef({ ...repo, ref: sha });
  expect(suites.check_suites[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  expect(await statusOf(human.checks.create({ ...repo, name: "nope", head_sha: sha }))).toBe(403);
  expect(await statusOf(bot.checks.create({ ...repo, name: "bad", head_sha: "f".repeat(40) }))).toBe(422);
  await gh.deliveries.idle();
  const actions = receiver.received
    .filter((r) => r.event === "check_run" || r.event === "check_suite")
    .map((r) => `${r.event}.${String(r.payload.action)}`);
  expect(actions).toEqual(["check_run.created", "check_run.completed", "check_suite.completed"]);
});

it("records commit statuses and combines them per context", async () => {
  await bot.repos.createCommitStatus({ ...repo, sha, state: "pending", context: "ouro/votes" });
  expect((await human.repos.getCombinedStatusForRef({ ...repo, ref: sha })).data.state).toBe("pending");
  await bot.repos.createCommitStatus({ ...repo, sha, state: "success", context: "ouro/votes", description: "3 votes" });
  await bot.repos.createCommitStatus({ ...repo, sha, state: "success", context: "ci" });
  const { data: combined } = await human.repos.getCombinedStatusForRef({ ...repo, ref: "main" });
  expect(combined).toMatchObject({ state: "success", total_count: 2, sha });
  expect((await human.repos.listCommitStatusesForRef({ ...repo, ref: sha })).data).toHaveLength(3);
  expect(await statusOf(bot.repos.createCommitStatus({ ...repo, sha, state: "bogus" as "success" }))).toBe(422);
  await gh.deliveries.idle();
  const hooks = receiver.received.filter((r) => r.event === "status");
  expect(hooks.map((r) => [r.payload.context, r.payload.state])).toEqual([
    ["ouro/votes", "pending"],
    ["ouro/votes", "success"],
    ["ci", "success"],
  ]);
  expect((hooks[0].payload.branches as { name: string }[]).map((b) => b.name)).toEqual(["main"]);
});

it("creates deployments and deployment statuses (with webhooks); failing required contexts give 409", async () => {
  const { data: dep } = await bot.repos.createDeployment({
    ...repo,
    ref: "main",
    environment: "production",
    payload: { release: "r1" },
    auto_merge: false,
  });
  const d = dep as { id: number; sha: string; payload: unknown };
  expect(d.sha).toBe(sha);
  await bot.repos.createDeploymentStatus({ ...repo, deployment_id: d.id, state: "in_progress" });
  await bot.repos.createDeploymentStatus({ ...repo, deployment_id: d.id, state: "success", environment_url: "http://127.0.0.1:1/healthz" });
  const { data: statuses } = await human.repos.listDeploymentStatuses({ ...repo, deployment_id: d.id });
  expect(statuses.map((s) => s.state)).toEqual(["success", "in_progress"]);
  expect((await human.repos.listDeployments({ ...repo, environment: "production" })).data.map((x) => x.id)).toEqual([d.id]);
  await bot.repos.createCommitStatus({ ...repo, sha, state: "failure", context: "ci" });
  expect(await statusOf(bot.repos.createDeployment({ ...repo, ref: "main", auto_merge: false }))).toBe(409);
  expect(await statusOf(bot.repos.createDeployment({ ...repo, ref: "main", auto_merge: false, required_contexts: [] }))).toBe(201);
  await gh.deliveries.idle();
  expect(
    receiver.received.filter((r) => r.event === "deployment_status").map((r) => (r.payload.deployment_status as { state: string }).state),
  ).toEqual(["in_progress", "success"]);
  expect(checkAllDeliveries(gh)).toBeGreaterThan(4);
});

it("serves the App endpoints only with an App JWT", async () => {
  const res = await fetch(`${gh.apiUrl}/app`, { headers: { authorization: `token ${gh.driver.tokenFor("alice")}` } });
  expect(res.status).toBe(401);
  const forged = "eyJhbGciOiJSUzI1NiJ9." + Buffer.from(JSON.stringify({ iss: 1, iat: 0, exp: 1 })).toString("base64url") + ".c2ln";
  const bad = await fetch(`${gh.apiUrl}/app`, { headers: { authorization: `Bearer ${forged}` } });
  expect(bad.status).toBe(401);
  expect(((await bad.json()) as { message: string }).message).toMatch(/JSON web token|Integration not found/);
});

it("serves GitHub App endpoints to a signed App JWT, contract-checked", async () => {
  const { createSign } = await import("node:crypto");
  const app = gh.findApp("checker")!;
  const key = (await import("node:fs")).readFileSync(app.privateKeyFile, "utf8");
  const now = Math.floor(Date.now() / 1000);
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: String(app.appId), iat: now - 30, exp: now + 540 })}`;
  const jwt = `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url")}`;
  const asApp = checkedOctokit(gh, jwt);
  expect((await asApp.apps.getAuthenticated()).data).toMatchObject({ id: app.appId, slug: "checker" });
  const { data: installations } = await asApp.apps.listInstallations();
  expect(installations).toHaveLength(1);
  const { data: forRepo } = await asApp.apps.getRepoInstallation(repo);
  expect(forRepo.id).toBe(installations[0].id);
  expect((await asApp.apps.getInstallation({ installation_id: forRepo.id })).data.app_id).toBe(app.appId);
  const { data: token } = await asApp.apps.createInstallationAccessToken({ installation_id: forRepo.id });
  const { data: repos } = await checkedOctokit(gh, token.token).apps.listReposAccessibleToInstallation();
  expect(repos.repositories.map((r) => r.full_name)).toEqual(["acme/bot"]);
  // the JWT is for /app endpoints only, and an installation token is not an App credential
  expect(await statusOf(asApp.repos.get(repo))).toBe(401);
  expect(await statusOf(checkedOctokit(gh, token.token).apps.getAuthenticated())).toBe(401);
  // an expired JWT is refused
  const old = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: app.appId, iat: now - 1200, exp: now - 700 })}`;
  const expired = `${old}.${createSign("RSA-SHA256").update(old).sign(key).toString("base64url")}`;
  expect(await statusOf(checkedOctokit(gh, expired).apps.getAuthenticated())).toBe(401);
  // a JWT valid for more than 10 minutes is refused, as is one signed by another key
  const long = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: app.appId, iat: now, exp: now + 3600 })}`;
  expect(
    await statusOf(
      checkedOctokit(gh, `${long}.${createSign("RSA-SHA256").update(long).sign(key).toString("base64url")}`).apps.getAuthenticated(),
    ),
  ).toBe(401);
  const { generateKeyPairSync } = await import("node:crypto");
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  expect(
    await statusOf(
      checkedOctokit(
        gh,
        `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(other).toString("base64url")}`,
      ).apps.getAuthenticated(),
    ),
  ).toBe(401);
  await gh.deliveries.idle();
  // installing the app sent installation.created (contract-checked with the rest)
  expect(receiver.received.some((r) => r.event === "installation" && r.payload.action === "created")).toBe(true);
  checkAllDeliveries(gh);
});

it("lists only the newest run of each name by default (filter=latest), every run with filter=all", async () => {
  const { data: old } = await bot.checks.create({ ...repo, name: "rerun-me", head_sha: sha, status: "completed", conclusion: "cancelled" });
  const { data: rerun } = await bot.checks.create({ ...repo, name: "rerun-me", head_sha: sha, status: "in_progress" });
  const latest = (await bot.checks.listForRef({ ...repo, ref: sha, check_name: "rerun-me" })).data;
  expect(latest.check_runs.map((r) => r.id)).toEqual([rerun.id]);
  const all = (await bot.checks.listForRef({ ...repo, ref: sha, check_name: "rerun-me", filter: "all" })).data;
  expect(all.check_runs.map((r) => r.id)).toEqual([rerun.id, old.id]);
  const bad = { ...repo, ref: sha, filter: "newest" as "latest" }; // not a filter GitHub knows
  expect(await statusOf(bot.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", bad))).toBe(422);
});
