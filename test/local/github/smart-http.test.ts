// git over smart HTTP with a real git client: clone, push (→ push/create webhooks,
// PR synchronize), and merges visible in a fresh clone.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Probot } from "probot";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, git, startReceiver, tempDir, writeFiles } from "./helpers.ts";

let gh: GitHubStandIn;
let fixture: string;
let work: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let installationToken: string;

beforeAll(async () => {
  fixture = fixtureDir();
  work = tempDir();
  receiver = await startReceiver();
  gh = await startGitHub();
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  await gh.createRepo({ owner: "acme", name: "other" });
  const app = await gh.registerApp({ name: "pusher", webhookUrl: receiver.url });
  const inst = gh.installApp(app.appId, "acme/bot");
  // an installation token, obtained the way an App does it (JWT → access_tokens), through Probot's auth
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  });
  const appOctokit = await probot.auth();
  installationToken = (await appOctokit.rest.apps.createInstallationAccessToken({ installation_id: inst })).data.token;
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await receiver?.close();
  cleanup(fixture, work);
});

it("clones with an installation token and pushes a branch (push + create webhooks)", async () => {
  const dir = `${work}/clone`;
  await git(work, "clone", "-q", gh.cloneUrl("acme", "bot", installationToken), dir);
  expect(await git(dir, "show", "HEAD:src/index.ts")).toBe("export const answer = 42;");
  await git(dir, "checkout", "-q", "-b", "feature");
  writeFiles(dir, { "src/feature.ts": "export const f = 1;\n" });
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "feature");
  await git(dir, "push", "-q", "origin", "feature");
  const sha = await git(dir, "rev-parse", "HEAD");
  expect(await gh.driver.branchSha("acme/bot", "feature")).toBe(sha);
  await gh.deliveries.idle();
  const push = receiver.received.find((r) => r.event === "push" && r.payload.ref === "refs/heads/feature");
  expect(push?.payload).toMatchObject({ after: sha, created: true, deleted: false });
  expect((push?.payload.head_commit as { added: string[] }).added).toEqual(["src/feature.ts"]);
  expect(receiver.received.some((r) => r.event === "create" && r.payload.ref === "feature")).toBe(true);
});

it("a push to a PR's head branch synchronizes the PR; merging over REST is visible in a fresh clone", async () => {
  const dir = `${work}/clone`;
  const o = checkedOctokit(gh, installationToken);
  const { data: pr } = await o.pulls.create({ owner: "acme", repo: "bot", title: "Feature", head: "feature", base: "main" });
  writeFiles(dir, { "src/feature.ts": "export const f = 2;\n" });
  await git(dir, "commit", "-q", "-am", "feature v2");
  await git(dir, "push", "-q", "origin", "feature");
  const head = await git(dir, "rev-parse", "HEAD");
  await gh.deliveries.idle();
  const sync = receiver.received.find((r) => r.event === "pull_request" && r.payload.action === "synchronize");
  expect(sync?.payload).toMatchObject({ after: head, number: pr.number });
  const { data: got } = await o.pulls.get({ owner: "acme", repo: "bot", pull_number: pr.number });
  expect(got.head.sha).toBe(head);
  const { data: merged } = await gh.driver
    .user("bob")
    .merge("acme/bot", pr.number, { sha: head })
    .then((d) => ({ data: d }));
  const fresh = `${work}/fresh`;
  await git(work, "clone", "-q", gh.cloneUrl("acme", "bot", gh.driver.tokenFor("bob")), fresh);
  expect(await git(fresh, "rev-parse", "HEAD")).toBe(merged.sha);
  expect((await git(fresh, "log", "-1", "--format=%P")).split(" ")).toHaveLength(2);
  expect(await git(fresh, "show", "HEAD:src/feature.ts")).toBe("export const f = 2;");
  await gh.deliveries.idle();
  const closed = receiver.received.find((r) => r.event === "pull_request" && r.payload.action === "closed");
  expect((closed?.payload.pull_request as { merged: boolean }).merged).toBe(true);
});

it("deleting an open PR's head branch by push closes the PR (not merged)", async () => {
  const dir = `${work}/clone`;
  await git(dir, "checkout", "-q", "-b", "doomed");
  writeFiles(dir, { "doomed.txt": "x\n" });
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "doomed");
  await git(dir, "push", "-q", "origin", "doomed");
  const o = checkedOctokit(gh, installationToken);
  const { data: pr } = await o.pulls.create({ owner: "acme", repo: "bot", title: "Doomed", head: "doomed", base: "main" });
  await git(dir, "push", "-q", "origin", "--delete", "doomed");
  const { data: after } = await o.pulls.get({ owner: "acme", repo: "bot", pull_number: pr.number });
  expect(after).toMatchObject({ state: "closed", merged: false });
  await git(dir, "checkout", "-q", "feature");
});

it("deleting a branch by push sends push(deleted) and delete", async () => {
  const dir = `${work}/clone`;
  await git(dir, "push", "-q", "origin", "--delete", "feature");
  expect(await gh.driver.branchSha("acme/bot", "feature")).toBeNull();
  await gh.deliveries.idle();
  expect(receiver.received.some((r) => r.event === "push" && r.payload.deleted === true)).toBe(true);
  expect(receiver.received.some((r) => r.event === "delete" && r.payload.ref === "feature")).toBe(true);
  expect(checkAllDeliveries(gh)).toBeGreaterThan(5);
});

it("refuses git without a token (401), with a bad token (401), and outside the installation (404)", async () => {
  const plain = await fetch(`${gh.url}/acme/bot.git/info/refs?service=git-upload-pack`);
  expect(plain.status).toBe(401);
  expect(plain.headers.get("www-authenticate")).toMatch(/Basic/);
  const bad = await fetch(`${gh.url}/acme/bot.git/info/refs?service=git-upload-pack`, {
    headers: { authorization: `Basic ${Buffer.from("x-access-token:nope").toString("base64")}` },
  });
  expect(bad.status).toBe(401);
  const other = await fetch(`${gh.url}/acme/other.git/info/refs?service=git-upload-pack`, {
    headers: { authorization: `Basic ${Buffer.from(`x-access-token:${installationToken}`).toString("base64")}` },
  });
  expect(other.status).toBe(404);
  await expect(git(work, "clone", "-q", gh.cloneUrl("acme", "bot", "ghp_wrong"), `${work}/nope`)).rejects.toThrow();
});

it("refuses workflow changes from an App without the workflows permission (push, REST), but not from humans", async () => {
  const dir = `${work}/wf`;
  await git(work, "clone", "-q", gh.cloneUrl("acme", "bot", installationToken), dir);
  const before = await gh.driver.branchSha("acme/bot", "main");
  writeFiles(dir, { ".github/workflows/ci.yml": "on: push\n" });
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "touch workflows");
  await expect(git(dir, "push", "-q", "origin", "HEAD:refs/heads/wf")).rejects.toThrow(
    /refusing to allow a GitHub App to create or update workflow `.github\/workflows\/ci.yml` without `workflows` permission/,
  );
  expect(await gh.driver.branchSha("acme/bot", "wf")).toBeNull();
  const o = checkedOctokit(gh, installationToken);
  const put = o.repos.createOrUpdateFileContents({
    owner: "acme",
    repo: "bot",
    path: ".github/workflows/x.yml",
    message: "x",
    content: "eDogMQo=",
  });
  await expect(put).rejects.toMatchObject({ status: 403 });
  const { data: tree } = await o.git.createTree({
    owner: "acme",
    repo: "bot",
    base_tree: before!,
    tree: [{ path: ".github/workflows/y.yml", mode: "100644", type: "blob", content: "y: 1\n" }],
  });
  const { data: commit } = await o.git.createCommit({ owner: "acme", repo: "bot", message: "y", tree: tree.sha, parents: [before!] });
  await expect(o.git.createRef({ owner: "acme", repo: "bot", ref: "refs/heads/wf2", sha: commit.sha })).rejects.toMatchObject({
    status: 403,
  });
  await expect(o.git.updateRef({ owner: "acme", repo: "bot", ref: "heads/main", sha: commit.sha })).rejects.toMatchObject({ status: 403 });
  expect(await gh.driver.branchSha("acme/bot", "main")).toBe(before);
  // a human may
  await git(dir, "push", "-q", gh.cloneUrl("acme", "bot", gh.driver.tokenFor("alice")), "HEAD:refs/heads/wf");
  expect(await gh.driver.branchSha("acme/bot", "wf")).toBe(await git(dir, "rev-parse", "HEAD"));
});

it("limits an App to the permissions it was registered with", async () => {
  const ro = await gh.registerApp({ name: "read-only", permissions: { contents: "read", checks: "read", metadata: "read" } });
  const inst = gh.installApp(ro.appId, "acme/bot");
  const probot = new Probot({ appId: ro.appId, privateKey: ro.privateKey, secret: ro.webhookSecret, baseUrl: gh.apiUrl, logLevel: "warn" });
  const { data: tok } = await (await probot.auth()).rest.apps.createInstallationAccessToken({ installation_id: inst });
  const o = checkedOctokit(gh, tok.token);
  const main = (await gh.driver.branchSha("acme/bot", "main"))!;
  expect((await o.repos.get({ owner: "acme", repo: "bot" })).data.full_name).toBe("acme/bot");
  await expect(o.git.createRef({ owner: "acme", repo: "bot", ref: "refs/heads/ro", sha: main })).rejects.toMatchObject({
    status: 403,
    response: { data: { message: "Resource not accessible by integration" } },
  });
  await expect(o.checks.create({ owner: "acme", repo: "bot", name: "x", head_sha: main })).rejects.toMatchObject({ status: 403 });
  await expect(o.issues.create({ owner: "acme", repo: "bot", title: "x" })).rejects.toMatchObject({ status: 403 });
  const dir = `${work}/ro`;
  await git(work, "clone", "-q", gh.cloneUrl("acme", "bot", tok.token), dir);
  await expect(git(dir, "push", "-q", "origin", "HEAD:refs/heads/ro")).rejects.toThrow(/403|denied/);
});
