// The driver, in process and over HTTP: humans act through the same REST paths as real
// clients (so their actions emit webhooks and get GitHub's errors).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { checkResponse } from "./contract.ts";
import { checkAllDeliveries, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

let gh: GitHubStandIn;
let fixture: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${gh.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

/** A REST call as `login` through the HTTP driver, its response contract-checked. */
async function as(login: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await post(`/_driver/as/${login}`, { method, path, body });
  checkResponse(method, path, r.status, r.json);
  return r;
}

beforeAll(async () => {
  fixture = fixtureDir();
  receiver = await startReceiver();
  gh = await startGitHub();
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await receiver?.close();
  cleanup(fixture);
});

it("seeds a repository, an app and an installation over HTTP", async () => {
  expect((await fetch(`${gh.url}/_driver`)).status).toBe(200);
  const repo = await post("/_driver/repos", { owner: "acme", name: "ouro", fromDir: fixture });
  expect(repo).toMatchObject({ status: 201, json: { fullName: "acme/ouro" } });
  const app = await post("/_driver/apps", { name: "ouro", webhookUrl: receiver.url });
  expect(app.json.privateKey).toMatch(/BEGIN RSA PRIVATE KEY/);
  const inst = await post("/_driver/installations", { appId: app.json.appId, repo: "acme/ouro" });
  expect(inst.status).toBe(201);
  const badRepo = await post("/_driver/repos", { owner: "acme" });
  expect(badRepo.status).toBe(422);
  expect(badRepo.json.message).toMatch(/name/);
  expect((await post("/_driver/apps", { webhookUrl: "not a url" })).status).toBe(422);
  expect((await post("/_driver/as/alice", { method: "TRACE", path: "/x" })).status).toBe(422);
  expect((await post("/_driver/installations", { appId: 424242, repo: "acme/ouro" })).status).toBe(404);
  const user = await post("/_driver/users", { login: "alice" });
  expect(user.json.token).toMatch(/^ghp_/);
});

it("acts as humans: branch, PR, review request, labels, approval by a reviewer, merge", async () => {
  const main = await as("alice", "GET", "/repos/acme/ouro/git/ref/heads/main");
  const sha = (main.json.object as { sha: string }).sha;
  await as("alice", "POST", "/repos/acme/ouro/git/refs", { ref: "refs/heads/feat", sha });
  await as("alice", "PUT", "/repos/acme/ouro/contents/src/feat.ts", {
    message: "feat",
    content: Buffer.from("export {};\n").toString("base64"),
    branch: "feat",
  });
  const pr = await as("alice", "POST", "/repos/acme/ouro/pulls", { title: "feat", head: "feat", base: "main" });
  const n = pr.json.number as number;
  const bob = gh.driver.user("bob");
  expect((await as("alice", "POST", `/repos/acme/ouro/pulls/${n}/requested_reviewers`, { reviewers: ["bob"] })).status).toBe(201);
  expect((await as("alice", "POST", `/repos/acme/ouro/pulls/${n}/requested_reviewers`, { reviewers: ["nobody-here"] })).status).toBe(422);
  expect((await as("alice", "GET", `/repos/acme/ouro/pulls/${n}/requested_reviewers`)).json.users).toMatchObject([{ login: "bob" }]);
  expect((await as("alice", "POST", `/repos/acme/ouro/pulls/${n}/requested_reviewers`, { reviewers: ["alice"] })).status).toBe(422);
  await as("alice", "POST", `/repos/acme/ouro/issues/${n}/labels`, { labels: ["risk:low"] });
  await bob.approve("acme/ouro", n, "lgtm");
  expect((await gh.driver.pull("acme/ouro", n)).requested_reviewers).toEqual([]);
  const merged = await as("bob", "PUT", `/repos/acme/ouro/pulls/${n}/merge`, { merge_method: "squash" });
  expect(merged.json.merged).toBe(true);
  expect(await gh.driver.readFile("acme/ouro", "src/feat.ts")).toBe("export {};\n");
  await gh.deliveries.idle();
  const actions = receiver.received.filter((r) => r.event === "pull_request").map((r) => r.payload.action);
  expect(actions).toEqual(["opened", "review_requested", "labeled", "closed"]);
  expect(checkAllDeliveries(gh)).toBeGreaterThan(6);
});

it("reports and changes collaborator permissions", async () => {
  const get = async (login: string) => (await as("alice", "GET", `/repos/acme/ouro/collaborators/${login}/permission`)).json;
  expect(await get("acme")).toMatchObject({ permission: "admin" });
  expect(await get("bob")).toMatchObject({ permission: "write" });
  gh.driver.setPermission("acme/ouro", "bob", "read");
  expect(await get("bob")).toMatchObject({ permission: "read", role_name: "read" });
  // only admins may change permissions over REST
  expect(
    (await post("/_driver/as/bob", { method: "PUT", path: "/repos/acme/ouro/collaborators/carol", body: { permission: "admin" } })).status,
  ).toBe(403);
  expect(
    (await post("/_driver/as/acme", { method: "PUT", path: "/repos/acme/ouro/collaborators/carol", body: { permission: "triage" } }))
      .status,
  ).toBe(204);
  expect(await get("carol")).toMatchObject({ permission: "read", role_name: "triage" });
});

it("enforces permissions for humans: read may comment but not merge, label or push; none sees nothing", async () => {
  gh.driver.setPermission("acme/ouro", "dave", "read");
  const issue = await gh.driver.user("alice").createIssue("acme/ouro", { title: "perm" });
  const n = issue.number as number;
  expect((await as("dave", "POST", `/repos/acme/ouro/issues/${n}/comments`, { body: "hi" })).status).toBe(201);
  expect((await as("dave", "POST", `/repos/acme/ouro/issues/${n}/labels`, { labels: ["x"] })).status).toBe(403);
  const main = (await gh.driver.branchSha("acme/ouro", "main"))!;
  expect((await as("dave", "POST", "/repos/acme/ouro/git/refs", { ref: "refs/heads/dave", sha: main })).status).toBe(403);
  const auth = `Basic ${Buffer.from(`x-access-token:${gh.driver.tokenFor("dave")}`).toString("base64")}`;
  expect((await fetch(`${gh.url}/acme/ouro.git/info/refs?service=git-receive-pack`, { headers: { authorization: auth } })).status).toBe(
    403,
  );
  expect((await fetch(`${gh.url}/acme/ouro.git/info/refs?service=git-upload-pack`, { headers: { authorization: auth } })).status).toBe(200);
  gh.driver.setPermission("acme/ouro", "dave", "none");
  expect((await as("dave", "GET", "/repos/acme/ouro")).status).toBe(404);
  expect(await gh.driver.branchSha("acme/ouro", "dave")).toBeNull();
});

it("surfaces GitHub's errors to driver callers", async () => {
  await expect(gh.driver.user("alice").merge("acme/ouro", 999)).rejects.toMatchObject({ status: 404 });
  const bad = await post("/_driver/as/alice", { method: "POST", path: "/repos/acme/ouro/issues", body: {} });
  expect(bad.status).toBe(422);
  const res = await fetch(`${gh.url}/_driver/users`, { method: "POST", body: "{not json" });
  expect(res.status).toBe(400);
});
