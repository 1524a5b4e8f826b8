// The REST API through the real @octokit/rest client, every response contract-checked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "@octokit/rest";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

let gh: GitHubStandIn;
let alice: Octokit;
let bob: Octokit;
let fixture: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const owner = "acme";
const repo = "bot";

async function statusOf(p: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status: number; response?: { data: Record<string, unknown> } };
    if (!err.response) throw e;
    return { status: err.status, data: err.response.data };
  }
  throw new Error("expected the request to fail");
}

/** A branch with one commit changing `files`, made through the git data API. */
async function branchWith(o: Octokit, branch: string, files: Record<string, string>, from = "main"): Promise<string> {
  const { data: ref } = await o.git.getRef({ owner, repo, ref: `heads/${from}` });
  const { data: parent } = await o.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
  const { data: tree } = await o.git.createTree({
    owner,
    repo,
    base_tree: parent.tree.sha,
    tree: Object.entries(files).map(([path, content]) => ({ path, mode: "100644" as const, type: "blob" as const, content })),
  });
  const { data: commit } = await o.git.createCommit({ owner, repo, message: `change ${branch}`, tree: tree.sha, parents: [parent.sha] });
  await o.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  return commit.sha;
}

beforeAll(async () => {
  fixture = fixtureDir({
    "README.md": "# demo\n",
    "src/index.ts": "export const answer = 42;\n",
    "src/util.ts": "export const one = 1;\n",
  });
  receiver = await startReceiver();
  gh = await startGitHub({ deliveries: { retryDelaysMs: [] } });
  await gh.createRepo({ owner, name: repo, fromDir: fixture });
  const app = await gh.registerApp({ name: "watcher", webhookUrl: receiver.url });
  gh.installApp(app.appId, `${owner}/${repo}`);
  alice = checkedOctokit(gh, gh.driver.tokenFor("alice"));
  bob = checkedOctokit(gh, gh.driver.tokenFor("bob"));
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await receiver?.close();
  cleanup(fixture);
});

describe("repositories and contents", () => {
  it("serves the imported repository, its branch and files", async () => {
    const { data: r } = await alice.repos.get({ owner, repo });
    expect(r.full_name).toBe("acme/bot");
    expect(r.default_branch).toBe("main");
    const { data: branch } = await alice.repos.getBranch({ owner, repo, branch: "main" });
    expect(branch.commit.sha).toMatch(/^[0-9a-f]{40}$/);
    const { data: file } = await alice.repos.getContent({ owner, repo, path: "src/index.ts" });
    expect(Array.isArray(file)).toBe(false);
    expect(Buffer.from((file as { content: string }).content, "base64").toString()).toBe("export const answer = 42;\n");
    const { data: dir } = await alice.repos.getContent({ owner, repo, path: "src" });
    expect((dir as { name: string }[]).map((e) => e.name).sort()).toEqual(["index.ts", "util.ts"]);
  });

  it("creates and updates a file with contents PUT (sha required to update, 409 on a stale sha)", async () => {
    const { data: created } = await alice.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: "docs/new.md",
      message: "add doc",
      content: Buffer.from("v1\n").toString("base64"),
    });
    expect(created.content?.path).toBe("docs/new.md");
    const missing = await statusOf(
      alice.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: "docs/new.md",
        message: "again",
        content: Buffer.from("v2\n").toString("base64"),
      }),
    );
    expect(missing.status).toBe(422);
    const stale = await statusOf(
      alice.repos.createOrUpdateFileContents({ owner, repo, path: "docs/new.md", message: "stale", content: "djIK", sha: "0".repeat(40) }),
    );
    expect(stale.status).toBe(409);
    const { data: updated } = await alice.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: "docs/new.md",
      message: "v2",
      content: Buffer.from("v2\n").toString("base64"),
      sha: created.content!.sha!,
    });
    expect(updated.commit.parents?.[0].sha).toBe(created.commit.sha);
    expect(await gh.driver.readFile("acme/bot", "docs/new.md")).toBe("v2\n");
  });

  it("lists commits with pagination and a Link header", async () => {
    const page1 = await alice.repos.listCommits({ owner, repo, per_page: 1 });
    expect(page1.data).toHaveLength(1);
    expect(page1.headers.link).toContain('rel="next"');
    const all = await alice.paginate(alice.repos.listCommits, { owner, repo, per_page: 1 });
    expect(all.length).toBeGreaterThanOrEqual(3);
    const { data: one } = await alice.repos.getCommit({ owner, repo, ref: all[0].sha });
    expect(one.files?.some((f) => f.filename === "docs/new.md")).toBe(true);
  });
});

describe("git data", () => {
  it("writes real blobs, trees (with base_tree), commits and refs", async () => {
    const { data: blob } = await alice.git.createBlob({ owner, repo, content: "hello\n", encoding: "utf-8" });
    expect(blob.sha).toBe("ce013625030ba8dba906f756967f9e9ca394464a"); // git hash-object of "hello\n"
    const { data: got } = await alice.git.getBlob({ owner, repo, file_sha: blob.sha });
    expect(Buffer.from(got.content, "base64").toString()).toBe("hello\n");
    const { data: head } = await alice.git.getRef({ owner, repo, ref: "heads/main" });
    const { data: parent } = await alice.git.getCommit({ owner, repo, commit_sha: head.object.sha });
    const { data: tree } = await alice.git.createTree({
      owner,
      repo,
      base_tree: parent.tree.sha,
      tree: [
        { path: "hello.txt", mode: "100644", type: "blob", sha: blob.sha },
        { path: "src/util.ts", mode: "100644", type: "blob", sha: null },
      ],
    });
    const { data: full } = await alice.git.getTree({ owner, repo, tree_sha: tree.sha, recursive: "1" });
    const paths = full.tree.map((e) => e.path);
    expect(paths).toContain("hello.txt");
    expect(paths).toContain("src/index.ts");
    expect(paths).not.toContain("src/util.ts");
    const { data: commit } = await alice.git.createCommit({ owner, repo, message: "hello", tree: tree.sha, parents: [parent.sha] });
    await alice.git.createRef({ owner, repo, ref: "refs/heads/hello", sha: commit.sha });
    const dup = await statusOf(alice.git.createRef({ owner, repo, ref: "refs/heads/hello", sha: commit.sha }));
    expect(dup.status).toBe(422);
    expect(dup.data.message).toBe("Reference already exists");
    // not a fast-forward without force; forced works
    const notFf = await statusOf(alice.git.updateRef({ owner, repo, ref: "heads/hello", sha: parent.parents[0]?.sha ?? parent.sha }));
    expect(notFf.status).toBe(422);
    const { data: matching } = await alice.git.listMatchingRefs({ owner, repo, ref: "heads/hel" });
    expect(matching.map((r) => r.ref)).toEqual(["refs/heads/hello"]);
    await alice.git.deleteRef({ owner, repo, ref: "heads/hello" });
    expect((await statusOf(alice.git.getRef({ owner, repo, ref: "heads/hello" }))).status).toBe(404);
  });

  it("writes several inline contents in one tree, each to its own real blob", async () => {
    const { data: tree } = await alice.git.createTree({
      owner,
      repo,
      tree: [
        { path: "a/one.txt", mode: "100644", type: "blob", content: "one\n" },
        { path: "a/b/two.txt", mode: "100644", type: "blob", content: "two\n" },
        { path: "run.sh", mode: "100755", type: "blob", content: "#!/bin/sh\n" },
      ],
    });
    const { data: full } = await alice.git.getTree({ owner, repo, tree_sha: tree.sha, recursive: "true" });
    const blobs = full.tree.filter((e) => e.type === "blob").map((e) => [e.path, e.mode, e.sha]);
    expect(blobs).toEqual([
      ["a/b/two.txt", "100644", "f719efd430d52bcfc8566a43b2eb655688d38871"],
      ["a/one.txt", "100644", "5626abf0f72e58d7a153368ba57db4c673c0e171"],
      ["run.sh", "100755", "1a2485251c33a70432394c93fb89330ef214bfc9"],
    ]);
  });

  it("refuses bad input with 422 and changes nothing", async () => {
    const before = await gh.driver.branchSha("acme/bot", "main");
    const badTree = await statusOf(alice.git.createCommit({ owner, repo, message: "x", tree: "f".repeat(40), parents: [] }));
    expect(badTree.status).toBe(422);
    const badRef = await statusOf(alice.git.createRef({ owner, repo, ref: "main", sha: before! }));
    expect(badRef.status).toBe(422);
    const badPath = await statusOf(
      alice.git.createTree({ owner, repo, tree: [{ path: "../escape", mode: "100644", type: "blob", content: "x" }] }),
    );
    expect(badPath.status).toBe(422);
    const missingBlob = await statusOf(
      alice.git.createTree({ owner, repo, tree: [{ path: "x", mode: "100644", type: "blob", sha: "e".repeat(40) }] }),
    );
    expect(missingBlob.status).toBe(422);
    const { data: t } = await alice.git.createTree({ owner, repo, tree: [{ path: "x", mode: "100644", type: "blob", content: "x" }] });
    const wrongType = await statusOf(
      alice.git.createTree({ owner, repo, tree: [{ path: "y", mode: "100644", type: "blob", sha: t.sha }] }),
    );
    expect(wrongType.status).toBe(422);
    const badParent = await statusOf(alice.git.createCommit({ owner, repo, message: "x", tree: t.sha, parents: [t.sha] }));
    expect(badParent.status).toBe(422);
    expect(await gh.driver.branchSha("acme/bot", "main")).toBe(before);
  });
});

describe("pull requests", () => {
  it("opens, lists with head/state filters, computes mergeable, and merges with a real merge commit", async () => {
    const headSha = await branchWith(alice, "feature-a", { "src/a.ts": "export const a = 1;\n" });
    const { data: pr } = await alice.pulls.create({ owner, repo, title: "Add a", head: "feature-a", base: "main", body: "adds a" });
    expect(pr.head.sha).toBe(headSha);
    expect(pr.mergeable).toBe(true);
    expect(pr.mergeable_state).toBe("clean");
    expect([pr.commits, pr.additions, pr.deletions, pr.changed_files]).toEqual([1, 1, 0, 1]);
    const dup = await statusOf(alice.pulls.create({ owner, repo, title: "again", head: "feature-a", base: "main" }));
    expect(dup.status).toBe(422);
    const { data: listed } = await alice.pulls.list({ owner, repo, head: "acme:feature-a", state: "open" });
    expect(listed.map((p) => p.number)).toEqual([pr.number]);
    expect((await alice.pulls.list({ owner, repo, head: "acme:nope" })).data).toEqual([]);
    const { data: files } = await alice.pulls.listFiles({ owner, repo, pull_number: pr.number });
    expect(files.map((f) => [f.filename, f.status])).toEqual([["src/a.ts", "added"]]);
    const stale = await statusOf(bob.pulls.merge({ owner, repo, pull_number: pr.number, sha: "0".repeat(40) }));
    expect(stale.status).toBe(409);
    const baseBefore = await gh.driver.branchSha("acme/bot", "main");
    const { data: merged } = await bob.pulls.merge({ owner, repo, pull_number: pr.number });
    expect(merged.merged).toBe(true);
    const { data: mc } = await alice.git.getCommit({ owner, repo, commit_sha: merged.sha });
    expect(mc.parents.map((p) => p.sha)).toEqual([baseBefore, headSha]);
    const { data: after } = await alice.pulls.get({ owner, repo, pull_number: pr.number });
    expect(after.merged).toBe(true);
    expect(after.state).toBe("closed");
    expect(after.merge_commit_sha).toBe(merged.sha);
    expect(after.merged_by?.login).toBe("bob");
    const again = await statusOf(bob.pulls.merge({ owner, repo, pull_number: pr.number }));
    expect(again.status).toBe(405);
    await expect(alice.pulls.checkIfMerged({ owner, repo, pull_number: pr.number })).resolves.toMatchObject({ status: 204 });
  });

  it("reports a conflicting PR as not mergeable and refuses to merge it (405)", async () => {
    await branchWith(alice, "conflict-1", { "README.md": "# one\n" });
    await branchWith(alice, "conflict-2", { "README.md": "# two\n" });
    const { data: p1 } = await alice.pulls.create({ owner, repo, title: "one", head: "conflict-1", base: "main" });
    const { data: p2 } = await alice.pulls.create({ owner, repo, title: "two", head: "conflict-2", base: "main" });
    await bob.pulls.merge({ owner, repo, pull_number: p1.number, merge_method: "squash" });
    const { data: now } = await alice.pulls.get({ owner, repo, pull_number: p2.number });
    expect(now.mergeable).toBe(false);
    expect(now.mergeable_state).toBe("dirty");
    const refused = await statusOf(bob.pulls.merge({ owner, repo, pull_number: p2.number }));
    expect(refused.status).toBe(405);
    const { data: closed } = await alice.pulls.update({ owner, repo, pull_number: p2.number, state: "closed" });
    expect(closed.state).toBe("closed");
    expect((await statusOf(bob.pulls.merge({ owner, repo, pull_number: p2.number }))).status).toBe(405);
  });

  it("edits, closes and reopens a PR (edited/closed/reopened webhooks)", async () => {
    await branchWith(alice, "feature-e", { "src/e.ts": "export const e = 1;\n" });
    const { data: pr } = await alice.pulls.create({ owner, repo, title: "e", head: "feature-e", base: "main" });
    await alice.pulls.update({ owner, repo, pull_number: pr.number, title: "e (renamed)", body: "why" });
    await alice.pulls.update({ owner, repo, pull_number: pr.number, state: "closed" });
    const { data: reopened } = await alice.pulls.update({ owner, repo, pull_number: pr.number, state: "open" });
    expect(reopened).toMatchObject({ state: "open", title: "e (renamed)", body: "why", mergeable: true });
    await gh.deliveries.idle();
    const actions = receiver.received
      .filter((r) => r.event === "pull_request" && (r.payload.number as number) === pr.number)
      .map((r) => r.payload.action);
    expect(actions).toEqual(["opened", "edited", "closed", "reopened"]);
  });

  it("refuses a review of one's own PR (422) and records others' reviews", async () => {
    await branchWith(alice, "feature-r", { "src/r.ts": "export const r = 1;\n" });
    const { data: pr } = await alice.pulls.create({ owner, repo, title: "r", head: "feature-r", base: "main" });
    const own = await statusOf(alice.pulls.createReview({ owner, repo, pull_number: pr.number, event: "APPROVE" }));
    expect(own.status).toBe(422);
    await bob.pulls.createReview({ owner, repo, pull_number: pr.number, event: "REQUEST_CHANGES", body: "please rename" });
    await gh.driver.user("carol").approve("acme/bot", pr.number, "lgtm");
    const { data: reviews } = await alice.pulls.listReviews({ owner, repo, pull_number: pr.number });
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([
      ["bob", "CHANGES_REQUESTED"],
      ["carol", "APPROVED"],
    ]);
  });
});

describe("issues, comments and labels", () => {
  it("creates, comments, labels and closes an issue", async () => {
    const { data: issue } = await alice.issues.create({ owner, repo, title: "Feature: dice", body: "roll dice", labels: ["feature"] });
    expect(issue.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual(["feature"]);
    const { data: c } = await bob.issues.createComment({ owner, repo, issue_number: issue.number, body: "+1" });
    await bob.issues.updateComment({ owner, repo, comment_id: c.id, body: "+1 (edited)" });
    const { data: comments } = await alice.issues.listComments({ owner, repo, issue_number: issue.number });
    expect(comments.map((x) => x.body)).toEqual(["+1 (edited)"]);
    await alice.issues.addLabels({ owner, repo, issue_number: issue.number, labels: ["risk:low"] });
    await alice.issues.removeLabel({ owner, repo, issue_number: issue.number, name: "feature" });
    const { data: labels } = await alice.issues.listLabelsOnIssue({ owner, repo, issue_number: issue.number });
    expect(labels.map((l) => l.name)).toEqual(["risk:low"]);
    const { data: closed } = await alice.issues.update({ owner, repo, issue_number: issue.number, state: "closed" });
    expect(closed.state).toBe("closed");
    const { data: open } = await alice.issues.listForRepo({ owner, repo, state: "open" });
    expect(open.some((i) => i.number === issue.number)).toBe(false);
    await bob.issues.deleteComment({ owner, repo, comment_id: c.id });
    expect((await alice.issues.listComments({ owner, repo, issue_number: issue.number })).data).toEqual([]);
  });

  it("gives GitHub's error shapes: 404, 422 with errors", async () => {
    const nf = await statusOf(alice.issues.get({ owner, repo, issue_number: 9999 }));
    expect(nf).toMatchObject({ status: 404, data: { message: "Not Found" } });
    expect(typeof nf.data.documentation_url).toBe("string");
    const missing = await statusOf(alice.request("POST /repos/{owner}/{repo}/issues", { owner, repo, body: "no title" } as never));
    expect(missing.status).toBe(422);
    expect(Array.isArray(missing.data.errors)).toBe(true);
    const noRepo = await statusOf(alice.repos.get({ owner, repo: "nope" }));
    expect(noRepo.status).toBe(404);
  });
});

describe("authentication", () => {
  it("answers 401 Bad credentials for a bad token and 401 without one", async () => {
    const bad = await statusOf(checkedOctokit(gh, "ghp_notavalidtoken").repos.get({ owner, repo }));
    expect(bad).toMatchObject({ status: 401, data: { message: "Bad credentials" } });
    const res = await fetch(`${gh.apiUrl}/repos/${owner}/${repo}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "Requires authentication" });
  });

  it("reserves GraphQL with a clear 501", async () => {
    const res = await fetch(`${gh.url}/api/graphql`, { method: "POST", body: "{}" });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { message: string }).message).toMatch(/GraphQL/);
  });

  it("answers bad JSON with 400 Problems parsing JSON", async () => {
    const res = await fetch(`${gh.apiUrl}/repos/${owner}/${repo}/issues`, {
      method: "POST",
      headers: { authorization: `token ${gh.driver.tokenFor("alice")}` },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: "Problems parsing JSON" });
  });
});

describe("webhooks from REST changes", () => {
  it("sent payloads that match the published webhook schemas", async () => {
    await gh.deliveries.idle();
    const events = new Set(receiver.received.map((r) => `${r.event}.${String(r.payload.action ?? "")}`));
    for (const e of [
      "push.",
      "create.",
      "pull_request.opened",
      "pull_request.closed",
      "issues.opened",
      "issues.labeled",
      "issue_comment.created",
      "pull_request_review.submitted",
    ])
      expect(events).toContain(e);
    expect(checkAllDeliveries(gh)).toBeGreaterThan(10);
  });
});
