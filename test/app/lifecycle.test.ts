// The whole loop against the GitHub stand-in: a Discord request through the bot API →
// tracking issue → PR as the App → checks → automerge or review → deployment → deployed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sign } from "@octokit/webhooks-methods";
import { readSse } from "../../bot/app-link/sse.ts";
import { appStatusSchema, changeSummarySchema, progressEventSchema } from "../../contract/app-link.ts";
import type { ProgressEvent } from "../../contract/app-link.ts";
import { actor, REPO, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.close();
});

const labels = (x: Json) => (x.labels as { name: string }[]).map((l) => l.name).sort();
const openPulls = async () => (await w.gh.driver.pulls(REPO, "open")) as Json[];

async function submit(id: string, text: string, who = actor("111", "alice")) {
  const res = await w.api("POST", "/changes", { id, requester: who, text });
  expect(res.status).toBe(201);
  await w.settle();
  return res.body as { changeId: string; trackingIssueUrl?: string };
}

async function deploy(changeId: string, state: "success" | "failure") {
  const c = w.app.store.changes.byId(changeId)!;
  expect(c.deploymentId).toBeTruthy();
  await w.gh.driver.user("deployer").request("POST", `/repos/${REPO}/deployments/${c.deploymentId}/statuses`, {
    state,
    description: state === "success" ? "healthy" : "health gate failed",
  });
  await w.settle();
}

describe("a Discord request, end to end", () => {
  let changeId: string;
  let pr: Json;
  const events: ProgressEvent[] = [];
  let stream: AbortController;

  it("the bot's progress stream is open (SSE, bearer auth)", async () => {
    stream = new AbortController();
    const res = await fetch(`${w.app.botLinkUrl}/bot/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: stream.signal });
    expect(res.status).toBe(200);
    void (async () => {
      try {
        for await (const m of readSse(res.body!)) if (m.event === "progress") events.push(progressEventSchema.parse(JSON.parse(m.data)));
      } catch {
        // aborted at the end
      }
    })();
  });

  it("creates a tracking issue and one PR as the App with labels, Closes #N and a sticky comment", async () => {
    const r = await submit("discord-1001", "docs: describe the dice command");
    changeId = r.changeId;
    expect(changeId).toBe("discord-1001");
    expect(r.trackingIssueUrl).toMatch(/\/acme\/bot\/issues\/\d+$/);
    const pulls = await openPulls();
    expect(pulls).toHaveLength(1);
    pr = pulls[0];
    expect(pr.user.login).toBe("ouro[bot]");
    expect(pr.head.ref).toBe(`ouro/${changeId}`);
    const c = w.app.store.changes.byId(changeId)!;
    expect(pr.body).toContain(`Closes #${c.issueNumber}`);
    expect(labels(pr)).toEqual(["ouro", "risk:safe"]);
    const comments = (await w.gh.driver.comments(REPO, pr.number)) as Json[];
    const sticky = comments.filter((x) => x.body.includes(`<!-- ouro:progress:${changeId} -->`));
    expect(sticky).toHaveLength(1);
    expect(sticky[0].user.login).toBe("ouro[bot]");
    expect(c.state).toBe("checks"); // waiting for CI
    const issue = (await w.gh.driver.issue(REPO, c.issueNumber!)) as Json;
    expect(issue.user.login).toBe("ouro[bot]");
    expect(labels(issue)).toEqual(["ouro"]);
  });

  it("resubmitting the same request id returns the same change and makes nothing new", async () => {
    const res = await w.api("POST", "/changes", {
      id: "discord-1001",
      requester: actor("111", "alice"),
      text: "docs: describe the dice command",
    });
    expect(res.status).toBe(201);
    expect(res.body.changeId).toBe(changeId);
    await w.settle();
    expect(await openPulls()).toHaveLength(1);
  });

  it("checks pass → safe risk automerges → a production deployment", async () => {
    await w.check(pr.head.sha, "success");
    await w.settle();
    const merged = (await w.gh.driver.pull(REPO, pr.number)) as Json;
    expect(merged.merged).toBe(true);
    const c = w.app.store.changes.byId(changeId)!;
    expect(c.state).toBe("merged");
    const deployments = (await w.gh.driver.deployments(REPO)) as Json[];
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({ environment: "production", sha: merged.merge_commit_sha, id: c.deploymentId });
  });

  it("the deploy hook reports success → deployed; the sticky comment is edited in place, never duplicated", async () => {
    await deploy(changeId, "success");
    const c = w.app.store.changes.byId(changeId)!;
    expect(c.state).toBe("deployed");
    for (const n of [c.issueNumber!, c.prNumber!]) {
      const sticky = ((await w.gh.driver.comments(REPO, n)) as Json[]).filter((x) => x.body.includes(`<!-- ouro:progress:${changeId} -->`));
      expect(sticky).toHaveLength(1);
      expect(sticky[0].body).toContain("✅ Deployed");
    }
  });

  it("the audit log links request → issue → PR → checks → merge → deployment (also over the bot API)", async () => {
    const res = await w.api("GET", `/changes/${changeId}/audit`);
    expect(res.status).toBe(200);
    const events = (res.body.audit as { event: string }[]).map((a) => a.event);
    for (const e of [
      "request",
      "tracking-issue",
      "state.working",
      "agent.done",
      "pr.opened",
      "state.pr",
      "merged.auto",
      "merged",
      "deployment.created",
      "deployment.status",
      "state.deployed",
    ])
      expect(events).toContain(e);
  });

  it("progress reached the bot's stream in order", async () => {
    stream.abort();
    const mine = events.filter((e) => e.changeId === changeId).map((e) => e.state);
    expect(mine[0]).toBe("queued");
    expect(mine).toContain("working");
    expect(mine).toContain("pr");
    expect(mine.at(-1)).toBe("deployed");
    expect(events.find((e) => e.state === "deployed")?.prUrl).toBe(pr.html_url);
  });

  it("/changes and /status answer in the protocol's shapes", async () => {
    const list = await w.api("GET", "/changes?limit=5");
    expect(list.status).toBe(200);
    const changes = (list.body.changes as unknown[]).map((x) => changeSummarySchema.parse(x));
    expect(changes.find((x) => x.changeId === changeId)).toMatchObject({ state: "deployed", risk: "safe", prUrl: pr.html_url });
    const st = await w.api("GET", "/status");
    const status = appStatusSchema.parse(st.body);
    expect(status.health).toBe("ok");
    expect(status.version.commit).toBe(w.app.store.changes.byId(changeId)!.mergeSha);
    expect(status.circuitBreaker.state).toBe("closed");
  });

  it("the bot API refuses a wrong token and malformed bodies, and stores nothing", async () => {
    expect((await w.api("GET", "/status", undefined, "wrong-token-0000000000")).status).toBe(401);
    const bad = await w.api("POST", "/changes", { id: "x", text: "" });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/requester/);
    expect(w.app.store.changes.byRequest("x")).toBeNull();
  });
});

describe("the review path", () => {
  it("a change the policy does not automerge asks the CODEOWNERS for review; a human merge deploys it", async () => {
    const { changeId } = await submit("discord-1002", "untested plugin", actor("222", "bob"));
    const c0 = w.app.store.changes.byId(changeId)!;
    await w.status(c0.headSha!, "pending");
    await w.settle();
    expect(w.app.store.changes.byId(changeId)!).toMatchObject({ state: "checks", reason: "waiting for checks" });
    await w.status(c0.headSha!, "success"); // the status webhook alone moves it on: no reconcile pass
    await w.settle();
    const c = w.app.store.changes.byId(changeId)!;
    expect(c.state).toBe("review");
    expect(c.risk).not.toBe("safe");
    const reviewers = w.app.store.audit.of(changeId).find((a) => a.event.startsWith("reviewers."));
    expect(reviewers?.detail).toMatchObject({ users: ["alice", "plugin-owner"] });
    await w.gh.driver.user("carol").approve(REPO, c.prNumber!);
    await w.settle();
    expect(((await w.gh.driver.pull(REPO, c.prNumber!)) as Json).merged).toBe(false); // humans merge this one
    await w.gh.driver.user("carol").merge(REPO, c.prNumber!);
    await w.settle();
    expect(w.app.store.changes.byId(changeId)!.state).toBe("merged");
    await deploy(changeId, "success");
    expect(w.app.store.changes.byId(changeId)!.state).toBe("deployed");
  });

  it("an /ouro comment request: the requester's own approval never counts; another user's does", async () => {
    const alice = w.gh.driver.user("alice");
    const issue = (await alice.createIssue(REPO, { title: "ideas" })) as Json;
    await alice.comment(REPO, issue.number, "/ouro add a plugin that greets");
    await w.settle();
    const c0 = [...w.app.store.changes.recent(10)].find((x) => x.source === "comment")!;
    expect(c0).toMatchObject({ requesterLogin: "alice", risk: "low" });
    const replies = ((await w.gh.driver.comments(REPO, issue.number)) as Json[]).filter((x) => x.user.login === "ouro[bot]");
    expect(replies).toHaveLength(1);
    expect(replies[0].body).toContain(c0.id);
    await w.check(c0.headSha!, "success");
    await alice.approve(REPO, c0.prNumber!);
    await w.settle();
    let c = w.app.store.changes.byId(c0.id)!;
    expect(c.state).toBe("review");
    expect(c.reason).toMatch(/0 of 1 required approvals/);
    expect(((await w.gh.driver.pull(REPO, c.prNumber!)) as Json).merged).toBe(false);
    await w.gh.driver.user("dave").approve(REPO, c0.prNumber!);
    await w.settle();
    c = w.app.store.changes.byId(c0.id)!;
    expect(((await w.gh.driver.pull(REPO, c.prNumber!)) as Json).merged).toBe(true);
    expect(c.state).toBe("merged");
    const reviews = (await w.gh.driver.reviews(REPO, c.prNumber!)) as Json[];
    expect(reviews.some((r) => r.user.login === "ouro[bot]")).toBe(false); // the App never approves
  });
});

describe("reliability", () => {
  it("a redelivered webhook (same x-github-delivery) makes no second deployment or reply", async () => {
    const deploymentsBefore = ((await w.gh.driver.deployments(REPO)) as Json[]).length;
    const closed = w.gh.deliveries.list({ event: "pull_request", action: "closed" });
    expect(closed.length).toBeGreaterThan(0);
    for (const d of closed) w.gh.deliveries.redeliver(d.id);
    const comments = w.gh.deliveries.list({ event: "issue_comment", action: "created" });
    expect(comments.length).toBeGreaterThan(0); // includes alice's `/ouro add a plugin that greets`
    for (const d of comments) w.gh.deliveries.redeliver(d.id);
    const commentCount = async () => ((await w.gh.driver.issues(REPO, "all")) as Json[]).reduce((n, i) => n + (i.comments as number), 0);
    const before = await commentCount();
    const changes = w.app.store.changes.recent(100).length;
    await w.settle();
    expect(w.app.store.changes.recent(100).length).toBe(changes);
    expect(((await w.gh.driver.deployments(REPO)) as Json[]).length).toBe(deploymentsBefore);
    expect(await commentCount()).toBe(before);
    expect(w.gh.deliveries.list().filter((d) => d.status !== "OK")).toEqual([]);
  });

  it("the same comment delivered again under a new delivery id is not acted on twice", async () => {
    const original = w.gh.deliveries
      .list({ event: "issue_comment", action: "created" })
      .find((d) => JSON.stringify(w.gh.deliveries.get(d.id)?.request.payload).includes("/ouro add a plugin that greets"))!;
    const body = JSON.stringify(w.gh.deliveries.get(original.id)!.request.payload);
    const changes = w.app.store.changes.recent(100).length;
    const issue = (JSON.parse(body) as Json).issue.number as number;
    const replies = ((await w.gh.driver.comments(REPO, issue)) as Json[]).length;
    const res = await fetch(`${w.app.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": "a-new-guid-for-an-old-event",
        "x-hub-signature-256": await sign(w.reg.webhookSecret, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    await w.settle();
    expect(w.app.store.changes.recent(100).length).toBe(changes);
    expect(((await w.gh.driver.comments(REPO, issue)) as Json[]).length).toBe(replies);
  });

  it("a forged signature gets 401 and changes nothing", async () => {
    const issuesBefore = ((await w.gh.driver.issues(REPO, "all")) as Json[]).length;
    const changesBefore = w.app.store.changes.recent(100).length;
    const payload = JSON.stringify({
      action: "created",
      repository: { full_name: REPO },
      issue: { number: 1, body: "" },
      comment: { id: 999, body: "/ouro stop", user: { login: "mallory" }, author_association: "OWNER" },
      sender: { login: "mallory", type: "User" },
    });
    for (const sig of ["sha256=" + "0".repeat(64), undefined]) {
      const res = await fetch(`${w.app.url}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issue_comment",
          "x-github-delivery": `forged-${sig ? 1 : 2}`,
          ...(sig ? { "x-hub-signature-256": sig } : {}),
        },
        body: payload,
      });
      expect(res.status).toBe(401);
    }
    await w.settle();
    expect(w.app.store.values.stop().stopped).toBe(false);
    expect(w.app.store.changes.recent(100).length).toBe(changesBefore);
    expect(((await w.gh.driver.issues(REPO, "all")) as Json[]).length).toBe(issuesBefore);
  });
});

describe("signed but unexpected deliveries", () => {
  it("an event about another repository is acknowledged and ignored; signed garbage is a 400", async () => {
    const post = async (event: string, body: string, id: string) =>
      fetch(`${w.app.url}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": id,
          "x-hub-signature-256": await sign(w.reg.webhookSecret, body),
        },
        body,
      });
    const changes = w.app.store.changes.recent(100).length;
    const other = JSON.stringify({
      action: "created",
      repository: { full_name: "evil/repo" },
      issue: { number: 1, body: "" },
      comment: { id: 5, body: "/ouro stop", user: { login: "carol" }, author_association: "OWNER" },
      sender: { login: "carol", type: "User" },
      installation: { id: 1 },
    });
    expect((await post("issue_comment", other, "other-repo-1")).status).toBe(200);
    expect((await post("issue_comment", "{not json", "garbage-1")).status).toBe(400);
    await w.settle();
    expect(w.app.store.values.stop().stopped).toBe(false);
    expect(w.app.store.changes.recent(100).length).toBe(changes);
  });
});

describe("the dashboard issue", () => {
  it("lists switches, pending requests, open PRs with risk and checks, deployments; one issue, edited in place", async () => {
    await submit("discord-1003", "docs: pending work for the dashboard");
    const issues = ((await w.gh.driver.issues(REPO, "all")) as Json[]).filter((i) =>
      String(i.body ?? "").includes("<!-- ouro:dashboard -->"),
    );
    expect(issues).toHaveLength(1);
    const body = String(issues[0].body);
    expect(issues[0].title).toBe("Ouro Dashboard");
    expect(body).toContain("Emergency stop: ✅ running");
    expect(body).toContain("Circuit breaker: ✅ closed");
    const c = w.app.store.changes.byId("discord-1003")!;
    expect(body).toContain(
      `| [#${c.prNumber}](${c.prUrl}) docs: pending work for the dashboard | \`discord-1003\` | safe | pending | checks |`,
    );
    const sha = w.app.store.changes.byId("discord-1001")!.mergeSha!.slice(0, 7);
    expect(body).toContain(`\`${sha}\` success — \`discord-1001\``);
  });
});
