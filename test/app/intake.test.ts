// Other ways in, and bad input: an issue labelled `ouro`, community votes as a commit status,
// the policy's own emergency-stop flag (read from the default branch as it changes), runtime
// error reports, and events or commands about things that are not Ouro's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { actor, REPO, startWorld } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld({ policy: { votes: { required: 2 } } });
});
afterAll(async () => {
  await w?.close();
});

const change = (id: string) => w.app.store.changes.byId(id)!;
const botComments = async (n: number) => ((await w.gh.driver.comments(REPO, n)) as Json[]).filter((c) => c.user.login === "ouro[bot]");

describe("an issue labelled ouro", () => {
  it("becomes a change request tracked by that same issue; the PR closes it", async () => {
    const issue = (await w.gh.driver
      .user("alice")
      .createIssue(REPO, { title: "docs: explain votes", body: "in the docs folder", labels: ["ouro"] })) as Json;
    await w.settle();
    const c = change(`gh-issue-${issue.number}`);
    expect(c).toMatchObject({ source: "issue", requesterLogin: "alice", issueNumber: issue.number, state: "checks" });
    const pr = (await w.gh.driver.pull(REPO, c.prNumber!)) as Json;
    expect(pr.body).toContain(`Closes #${issue.number}`);
    const issues = ((await w.gh.driver.issues(REPO, "all")) as Json[]).filter(
      (i) => !i.pull_request && String(i.title).includes("explain votes"),
    );
    expect(issues).toHaveLength(1); // no second tracking issue
    expect((await botComments(issue.number)).filter((x) => String(x.body).includes("ouro:progress"))).toHaveLength(1);
  });
});

describe("community votes", () => {
  it("automerge waits for the votes the policy asks for, reported as the ouro/votes status", async () => {
    const c = change("gh-issue-1");
    await w.check(c.headSha!, "success");
    await w.settle();
    expect(change(c.id)).toMatchObject({ state: "checks", reason: "community votes: 0 of 2" });
    const voteAs = (id: string, vote: "up" | "down") => w.api("POST", `/changes/${c.id}/votes`, { voter: actor(id, `v${id}`), vote });
    expect((await voteAs("1", "up")).body).toEqual({ changeId: c.id, votes: { up: 1, down: 0, needed: 2 } });
    await voteAs("1", "up"); // the same voter again counts once
    await w.settle();
    expect(change(c.id).state).toBe("checks");
    await voteAs("2", "up");
    await w.settle();
    const status = (await w.gh.driver.combinedStatus(REPO, c.headSha!)) as Json;
    expect((status.statuses as Json[]).find((s) => s.context === "ouro/votes")).toMatchObject({
      state: "success",
      description: "2 of 2 community votes",
    });
    expect(change(c.id).state).toBe("merged");
  });
});

describe("the policy's emergencyStop flag, read from the default branch", () => {
  it("holds new work as soon as main says so, and releases it when main changes back", async () => {
    const setFlag = async (on: boolean) => {
      const text = (await w.gh.driver.readFile(REPO, "policies/ouro.yml"))!;
      const doc = parse(text) as Record<string, unknown>;
      doc.emergencyStop = on;
      const file = (await w.gh.driver.user("root-owner").request("GET", `/repos/${REPO}/contents/policies/ouro.yml`)) as Json;
      await w.gh.driver.user("root-owner").request("PUT", `/repos/${REPO}/contents/policies/ouro.yml`, {
        message: `emergencyStop: ${on}`,
        content: Buffer.from(stringify(doc)).toString("base64"),
        sha: file.sha,
        branch: "main",
      });
      w.clock.now += 5_000; // past the policy cache's freshness window
    };
    await setFlag(true);
    const res = await w.api("POST", "/changes", {
      id: "discord-flag-1",
      requester: actor("70", "pat"),
      text: "docs: during the policy stop",
    });
    await w.settle();
    expect(change(String(res.body.changeId))).toMatchObject({ state: "queued", prNumber: null });
    expect((await w.api("GET", "/status")).body.emergencyStop).toMatchObject({ stopped: true, by: "policy" });
    await setFlag(false);
    await w.app.reconcile();
    await w.settle();
    expect(change("discord-flag-1").state).toBe("checks");
  });
});

describe("bad input and things that are not Ouro's", () => {
  it("a human's own PR merging or closing is ignored", async () => {
    const bob = w.gh.driver.user("bob");
    const main = (await w.gh.driver.branchSha(REPO, "main"))!;
    await bob.request("POST", `/repos/${REPO}/git/refs`, { ref: "refs/heads/feature", sha: main });
    await bob.request("PUT", `/repos/${REPO}/contents/notes.txt`, {
      message: "notes",
      content: Buffer.from("hi\n").toString("base64"),
      branch: "feature",
    });
    const pr = (await bob.createPull(REPO, { title: "Human change", head: "feature", base: "main" })) as Json;
    const deployments = ((await w.gh.driver.deployments(REPO)) as Json[]).length;
    await bob.merge(REPO, pr.number);
    await w.settle();
    expect(((await w.gh.driver.deployments(REPO)) as Json[]).length).toBe(deployments);
    expect(await botComments(pr.number)).toEqual([]);
    expect(w.gh.deliveries.list().filter((d) => d.status !== "OK")).toEqual([]);
  });

  it("commands about non-Ouro things get a clear reply; plain comments are ignored", async () => {
    const issue = (await w.gh.driver.user("carol").createIssue(REPO, { title: "question" })) as Json;
    await w.gh.driver.user("carol").comment(REPO, issue.number, "just a normal comment mentioning /ouro revert mid-line");
    await w.gh.driver.user("carol").comment(REPO, issue.number, "/ouro revert");
    await w.gh.driver.user("carol").comment(REPO, issue.number, "/ouro retry");
    await w.gh.driver.user("carol").comment(REPO, issue.number, "/ouro");
    await w.settle();
    const replies = (await botComments(issue.number)).map((c) => String(c.body));
    expect(replies).toHaveLength(3);
    expect(replies[0]).toMatch(/not an Ouro change, so there is nothing for Ouro to revert/);
    expect(replies[1]).toMatch(/nothing to retry/);
    expect(replies[2]).toContain("`/ouro revert`");
  });

  it("runtime errors from the bot become one issue per fingerprint, kept current", async () => {
    const report = {
      fingerprint: "abcdef0123456789",
      plugin: "dice",
      kind: "command",
      name: "roll",
      message: "TypeError: x is undefined",
      timeout: false,
      count: 1,
      firstSeen: new Date().toISOString(),
    };
    expect((await w.api("POST", "/errors", report)).status).toBe(202);
    expect((await w.api("POST", "/errors", { ...report, count: 7 })).status).toBe(202);
    expect((await w.api("POST", "/errors", { ...report, fingerprint: "not-hex" })).status).toBe(400);
    const issues = ((await w.gh.driver.issues(REPO, "all")) as Json[]).filter((i) =>
      String(i.body).includes("ouro:error:abcdef0123456789"),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0].body).toContain("seen 7 time(s)");
    expect((issues[0].labels as Json[]).map((l) => l.name)).toEqual(["ouro-error"]);
    // a maintainer asks for a fix: the error issue becomes a change request it tracks
    await w.gh.driver.user("carol").addLabels(REPO, issues[0].number, ["ouro"]);
    await w.settle();
    expect(change(`gh-issue-${issues[0].number}`)).toMatchObject({
      source: "issue",
      issueNumber: issues[0].number,
      requesterLogin: "carol",
    });
    expect(change(`gh-issue-${issues[0].number}`).prNumber).toBeTruthy();
  });

  it("unknown routes and bad bodies on the bot API are clear errors", async () => {
    expect((await w.api("GET", "/nope")).status).toBe(404);
    expect((await w.api("POST", "/changes/none/votes", { voter: actor("1", "a"), vote: "up" })).status).toBe(404);
    const bad = await w.api("POST", "/changes/gh-issue-1/votes", { voter: actor("1", "a"), vote: "sideways" });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/vote/);
    const wrongMethod = await w.api("DELETE", "/changes");
    expect(wrongMethod.status).toBe(405);
  });

  it("a request the change-request schema refuses is a 400 with the reason; nothing is stored or opened", async () => {
    const issuesBefore = ((await w.gh.driver.issues(REPO)) as Json[]).length;
    // Zero-width characters only: the wire accepts the text, the change request strips them and finds it blank.
    const res = await w.api("POST", "/changes", { id: "discord-blank-1", requester: actor("7", "mallory"), text: "\u200b\u200b" });
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(/not valid.*blank/);
    expect(w.app.store.changes.byRequest("discord-blank-1")).toBeNull();
    expect(((await w.gh.driver.issues(REPO)) as Json[]).length).toBe(issuesBefore);
  });
});
