// Reviews as GitHub scopes them: per-user repository roles (read through the collaborator
// permission route, which an App reads with `metadata: read`), and dismissals (push access or
// an App with `pull_requests: write`; only approvals and change requests; a
// `pull_request_review.dismissed` webhook). Responses and webhooks are contract-checked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

let gh: GitHubStandIn;
let fixture: string;
let rx: Awaited<ReturnType<typeof startReceiver>>;
let gate: Octokit; // pull_requests: write, metadata: read
let blind: Octokit; // pull_requests: read, no metadata
let pr: number;
const repo = { owner: "acme", repo: "bot" };

async function tokenOf(app: RegisteredApp, inst: number): Promise<Octokit> {
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  });
  const { data } = await (await probot.auth()).rest.apps.createInstallationAccessToken({ installation_id: inst });
  return checkedOctokit(gh, data.token);
}
const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status?: number; response?: { data?: unknown } }) => e.status ?? 0,
  );
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { status?: number; message?: string; response?: { data?: unknown } }) => ({
      status: e.status,
      data: e.response?.data,
      message: e.message,
    }),
  );

beforeAll(async () => {
  fixture = fixtureDir();
  rx = await startReceiver();
  gh = await startGitHub({ deliveries: { retryDelaysMs: [] } });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  const a = await gh.registerApp({ name: "gate", webhookUrl: rx.url, permissions: { pull_requests: "write", metadata: "read" } });
  const b = await gh.registerApp({ name: "blind", permissions: { pull_requests: "read" } });
  gate = await tokenOf(a, gh.installApp(a.appId, "acme/bot"));
  blind = await tokenOf(b, gh.installApp(b.appId, "acme/bot"));
  for (const [login, role] of [
    ["rita", "read"],
    ["tess", "triage"],
    ["wes", "write"],
    ["max", "maintain"],
  ] as const)
    gh.driver.setPermission("acme/bot", login, role);
  const alice = checkedOctokit(gh, gh.driver.tokenFor("alice"));
  const { data: main } = await alice.git.getRef({ ...repo, ref: "heads/main" });
  await alice.git.createRef({ ...repo, ref: "refs/heads/feat", sha: main.object.sha });
  await alice.repos.createOrUpdateFileContents({
    ...repo,
    path: "src/feat.ts",
    message: "feat",
    content: Buffer.from("export {};\n").toString("base64"),
    branch: "feat",
  });
  pr = (await alice.pulls.create({ ...repo, title: "feat", head: "feat", base: "main" })).data.number;
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await rx?.close();
  cleanup(fixture);
});

describe("collaborator permission", () => {
  it("an App with metadata: read sees each user's role; maintain and triage only in role_name", async () => {
    const role = async (username: string) => (await gate.repos.getCollaboratorPermissionLevel({ ...repo, username })).data;
    expect(await role("rita")).toMatchObject({ permission: "read", role_name: "read" });
    expect(await role("tess")).toMatchObject({ permission: "read", role_name: "triage" });
    expect(await role("wes")).toMatchObject({ permission: "write", role_name: "write" });
    expect(await role("max")).toMatchObject({ permission: "write", role_name: "maintain" });
    expect(await role("acme")).toMatchObject({ permission: "admin", role_name: "admin" });
    expect(await statusOf(gate.repos.getCollaboratorPermissionLevel({ ...repo, username: "no-such-user-here" }))).toBe(404);
  });
  it("an App without metadata permission is refused (403)", async () => {
    expect(await statusOf(blind.repos.getCollaboratorPermissionLevel({ ...repo, username: "wes" }))).toBe(403);
  });
});

describe("dismissing a review", () => {
  it("an App with pull_requests: write dismisses an approval; the review reads DISMISSED and a dismissed webhook follows", async () => {
    const approval = (await gh.driver.user("wes").approve("acme/bot", pr, "lgtm")) as { id: number };
    const { data } = await gate.pulls.dismissReview({
      ...repo,
      pull_number: pr,
      review_id: approval.id,
      message: "a new commit was pushed",
      event: "DISMISS",
    });
    expect(data).toMatchObject({ id: approval.id, state: "DISMISSED", user: { login: "wes" } });
    const { data: reviews } = await gate.pulls.listReviews({ ...repo, pull_number: pr });
    expect(reviews.find((r) => r.id === approval.id)?.state).toBe("DISMISSED");
    await gh.deliveries.idle();
    const dismissed = rx.received.filter((r) => r.event === "pull_request_review" && r.payload.action === "dismissed");
    expect(dismissed).toHaveLength(1);
    expect(dismissed[0].payload).toMatchObject({ review: { id: approval.id, state: "dismissed" }, sender: { login: "gate[bot]" } });
  });
  it("a change request can be dismissed by a user with push access, not by a read-only or triage user", async () => {
    const rc = (await gh.driver.user("rita").requestChanges("acme/bot", pr, "please rename")) as { id: number };
    for (const login of ["rita", "tess"]) {
      const u = checkedOctokit(gh, gh.driver.tokenFor(login));
      expect(await statusOf(u.pulls.dismissReview({ ...repo, pull_number: pr, review_id: rc.id, message: "no" }))).toBe(403);
    }
    expect(await statusOf(blind.pulls.dismissReview({ ...repo, pull_number: pr, review_id: rc.id, message: "no" }))).toBe(403);
    const max = checkedOctokit(gh, gh.driver.tokenFor("max"));
    expect((await max.pulls.dismissReview({ ...repo, pull_number: pr, review_id: rc.id, message: "addressed" })).data.state).toBe(
      "DISMISSED",
    );
  });
  it("refuses what GitHub refuses: a dismissed or commented review (422), no message (422), an unknown review (404)", async () => {
    const comment = (await gh.driver.user("wes").review("acme/bot", pr, "COMMENT", "a thought")) as { id: number };
    const approval = (await gh.driver.user("max").approve("acme/bot", pr)) as { id: number };
    await gate.pulls.dismissReview({ ...repo, pull_number: pr, review_id: approval.id, message: "stale" });
    expect(await errorOf(gate.pulls.dismissReview({ ...repo, pull_number: pr, review_id: approval.id, message: "again" }))).toMatchObject({
      status: 422,
      data: { message: "Validation Failed", errors: ["Can not dismiss a dismissed pull request review"] },
    });
    expect(await errorOf(gate.pulls.dismissReview({ ...repo, pull_number: pr, review_id: comment.id, message: "x" }))).toMatchObject({
      status: 422,
      data: { errors: ["Can not dismiss a commented pull request review"] },
    });
    expect(
      await errorOf(
        gate.request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals", {
          ...repo,
          pull_number: pr,
          review_id: approval.id,
        } as never),
      ),
    ).toMatchObject({ status: 422, data: { message: expect.stringMatching(/"message" wasn't supplied/) } });
    expect(
      await statusOf(
        gate.request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals", {
          ...repo,
          pull_number: pr,
          review_id: approval.id,
          message: "x",
          event: "APPROVE",
        } as never),
      ),
    ).toBe(422);
    expect(await statusOf(gate.pulls.dismissReview({ ...repo, pull_number: pr, review_id: 987654, message: "x" }))).toBe(404);
  });
  it("every webhook sent matches the published schemas", async () => {
    await gh.deliveries.idle();
    expect(checkAllDeliveries(gh)).toBeGreaterThan(3);
  });
});

describe("a review's line comments", () => {
  it("are stored with the review and listed by listCommentsForReview; a malformed one is a 422 that stores nothing", async () => {
    const wes = checkedOctokit(gh, gh.driver.tokenFor("wes"));
    const { data: review } = await wes.pulls.createReview({
      ...repo,
      pull_number: pr,
      event: "REQUEST_CHANGES",
      body: "two things",
      comments: [
        { path: "src/feat.ts", line: 1, body: "export something real" },
        { path: "src/feat.ts", position: 1, body: "and add a test" },
      ],
    });
    const { data: comments } = await gate.pulls.listCommentsForReview({ ...repo, pull_number: pr, review_id: review.id });
    expect(comments.map((c) => [c.path, c.line, c.body, c.pull_request_review_id, c.user?.login])).toEqual([
      ["src/feat.ts", 1, "export something real", review.id, "wes"],
      ["src/feat.ts", 1, "and add a test", review.id, "wes"],
    ]);
    const before = (await gate.pulls.listReviews({ ...repo, pull_number: pr })).data.length;
    const comment = (c: { path: string; body: string; line?: number }) =>
      errorOf(wes.pulls.createReview({ ...repo, pull_number: pr, event: "COMMENT", body: "x", comments: [c] }));
    expect(await comment({ path: "src/feat.ts", line: 1, body: "" })).toMatchObject({
      status: 422,
      data: { errors: ["Comment 1: path and body are required"] },
    });
    expect(await comment({ path: "src/feat.ts", body: "where?" })).toMatchObject({
      status: 422,
      data: { errors: ["Comment 1: Line could not be resolved"] },
    });
    expect((await gate.pulls.listReviews({ ...repo, pull_number: pr })).data.length).toBe(before);
    expect(await statusOf(gate.pulls.listCommentsForReview({ ...repo, pull_number: pr, review_id: 987654 }))).toBe(404);
  });
});
