// The safety switches end to end: emergency stop (comment and bot API), polite refusals,
// the circuit breaker's transitions, rate limits — all read from the default branch's policy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appStatusSchema } from "../../contract/app-link.ts";
import { onComment } from "../../app/lifecycle/commands.ts";
import { actor, REPO, startWorld } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld({
    policy: {
      circuitBreaker: { failureThreshold: 2, halfOpenAfterSeconds: 60, successThreshold: 1 },
      github: { minPermission: "admin", allowedCommenters: ["carol"] },
      rateLimits: { perRequesterPerHour: 2 },
    },
  });
});
afterAll(async () => {
  await w?.close();
});

let seq = 0;
async function request(text: string, who = actor("500", "erin")) {
  const res = await w.api("POST", "/changes", { id: `discord-${++seq}00`, requester: who, text });
  await w.settle();
  return res;
}
const change = (id: string) => w.app.store.changes.byId(id)!;
const dashboard = async () =>
  String(((await w.gh.driver.issues(REPO, "all")) as Json[]).find((i) => String(i.body).includes("<!-- ouro:dashboard -->"))?.body);
const botReplies = async (n: number) =>
  ((await w.gh.driver.comments(REPO, n)) as Json[]).filter(
    (c) => c.user.login === "ouro[bot]" && !String(c.body).includes("ouro:progress"),
  );

describe("emergency stop", () => {
  let first: string;
  let issue: number;

  it("`/ouro stop` from an allowed user holds automerge and new PRs; the dashboard says so", async () => {
    first = String((await request("docs: before the stop", actor("501", "fay"))).body.changeId);
    expect(change(first).state).toBe("checks");
    issue = (await w.gh.driver.user("carol").createIssue(REPO, { title: "ops" })).number as number;
    await w.gh.driver.user("carol").comment(REPO, issue, "/ouro stop deploys look wrong");
    await w.settle();
    expect(w.app.store.values.stop()).toMatchObject({ stopped: true, by: "carol", reason: "deploys look wrong" });
    await w.check(change(first).headSha!, "success");
    await w.settle();
    expect(change(first)).toMatchObject({ state: "checks", reason: "emergency stop: no automerge" });
    const held = String((await request("docs: during the stop", actor("502", "gus"))).body.changeId);
    expect(change(held)).toMatchObject({ state: "queued", prNumber: null });
    expect(change(held).reason).toMatch(/emergency stop/);
    expect(await dashboard()).toContain("🛑 **stopped** by carol");
    const st = appStatusSchema.parse((await w.api("GET", "/status")).body);
    expect(st).toMatchObject({ health: "degraded", emergencyStop: { stopped: true, by: "carol" } });
  });

  it("a user the policy does not allow gets a polite refusal and nothing changes", async () => {
    await w.gh.driver.user("mallory").comment(REPO, issue, "/ouro resume");
    await w.settle();
    expect(w.app.store.values.stop().stopped).toBe(true);
    const replies = await botReplies(issue);
    expect(replies.at(-1)?.body).toMatch(/^@mallory sorry — Ouro only takes commands from users with admin access/);
  });

  it("the bot's /stop and /resume need the policy's stop role", async () => {
    const denied = await w.api("POST", "/resume", { by: actor("9", "someone", ["@everyone"]) });
    expect(denied.status).toBe(403);
    expect(w.app.store.values.stop().stopped).toBe(true);
  });

  it("`/ouro resume` lets the held PR merge and the queued request start", async () => {
    await w.gh.driver.user("carol").comment(REPO, issue, "/ouro resume");
    await w.settle();
    expect(w.app.store.values.stop().stopped).toBe(false);
    expect(change(first).state).toBe("merged");
    const queued = w.app.store.changes.recent(20).find((c) => c.text === "docs: during the stop")!;
    expect(queued.state).toBe("checks");
    expect(queued.prNumber).toBeTruthy();
  });

  it("a command answered before a crash is not answered again when its webhook comes back", async () => {
    const gh = await w.app.context.client();
    const marker = "<!-- ouro:reply:9000002 -->";
    const first = await gh.commentOnce(issue, marker, "@carol 🛑 emergency stop");
    const again = await gh.commentOnce(issue, marker, "@carol 🛑 emergency stop");
    expect(again).toBe(first);
    expect((await botReplies(issue)).filter((c) => String(c.body).includes(marker))).toHaveLength(1);
  });

  it("a stop written before the resume but delivered after it (a redelivery) does not overrule it", async () => {
    const resumedAt = w.app.store.values.stop().changedAt!;
    const late = { id: 9_000_001, at: new Date(Date.parse(resumedAt) - 60_000).toISOString() };
    await onComment(
      w.app.context,
      { issueNumber: issue, issueBody: null, commentId: late.id, login: "carol", body: "/ouro stop from a minute ago", createdAt: late.at },
      w.app.context.log,
    );
    expect(w.app.store.values.stop()).toMatchObject({ stopped: false, changedAt: resumedAt });
    expect((await botReplies(issue)).at(-1)?.body).toMatch(/was not applied: a later stop or resume .* already holds/);
  });
});

describe("circuit breaker", () => {
  it("consecutive CI failures open it: no new PRs while open; status and dashboard show it", async () => {
    const a = String((await request("docs: will fail one", actor("601", "hal"))).body.changeId);
    const b = String((await request("docs: will fail two", actor("602", "ivy"))).body.changeId);
    await w.check(change(a).headSha!, "failure");
    await w.settle();
    expect(change(a).state).toBe("failed");
    expect(w.app.store.values.breaker()).toMatchObject({ state: "closed", failures: 1 });
    await w.check(change(b).headSha!, "failure");
    await w.settle();
    expect(w.app.store.values.breaker()).toMatchObject({ state: "open", failures: 2 });
    const held = String((await request("docs: while open", actor("603", "jo"))).body.changeId);
    expect(change(held)).toMatchObject({ state: "queued", prNumber: null, reason: "circuit breaker open: no new pull requests for now" });
    expect(appStatusSchema.parse((await w.api("GET", "/status")).body).circuitBreaker).toEqual({ state: "open", failures: 2 });
    expect(await dashboard()).toContain("Circuit breaker: 🔴 open (2 failures");
  });

  it("after the cool-off it is half-open: one change at a time; a deployed success closes it", async () => {
    const open = w.app.store.changes.recent(50).find((c) => c.text === "docs: during the stop")!;
    expect(open.state).toBe("checks"); // an open PR from before: probation waits for it
    w.clock.now += 61_000;
    await w.app.reconcile();
    await w.settle();
    expect(w.app.store.changes.recent(50).find((c) => c.text === "docs: while open")).toMatchObject({
      state: "queued",
      reason: "circuit breaker half-open: one change at a time",
    });
    await w.check(open.headSha!, "success"); // it merges (half-open allows automerge), the slot frees
    await w.settle();
    expect(change(open.id).state).toBe("merged");
    const held = w.app.store.changes.recent(50).find((c) => c.text === "docs: while open")!;
    expect(held.state).toBe("checks");
    expect(appStatusSchema.parse((await w.api("GET", "/status")).body).circuitBreaker.state).toBe("half-open");
    await w.check(held.headSha!, "success");
    await w.settle();
    expect(change(held.id).state).toBe("merged");
    await w.gh.driver
      .user("deployer")
      .request("POST", `/repos/${REPO}/deployments/${change(held.id).deploymentId}/statuses`, { state: "success" });
    await w.settle();
    expect(change(held.id).state).toBe("deployed");
    expect(w.app.store.values.breaker()).toMatchObject({ state: "closed", failures: 0 });
    const events = w.app.store.audit.of(held.id).map((a) => a.event);
    expect(events).toContain("breaker.closed");
  });

  it("a human may still merge a PR whose checks failed: merge is approval, it deploys", async () => {
    const failed = w.app.store.changes.recent(50).find((c) => c.text === "docs: will fail one")!;
    expect(failed.state).toBe("failed");
    await w.gh.driver.user("carol").merge(REPO, failed.prNumber!);
    await w.settle();
    expect(change(failed.id).state).toBe("merged");
    expect(change(failed.id).deploymentId).toBeTruthy();
  });
});

describe("rate limits", () => {
  it("a requester over the hourly limit is refused with the reason; nothing is stored", async () => {
    const who = actor("700", "kim");
    expect((await request("docs: one", who)).status).toBe(201);
    expect((await request("docs: two", who)).status).toBe(201);
    const issuesBefore = ((await w.gh.driver.issues(REPO, "all")) as Json[]).length;
    const third = await request("docs: three", who);
    expect(third.status).toBe(429);
    expect(String(third.body.error)).toMatch(/discord:700 already made 2 requests in the last hour \(the limit is 2\)/);
    expect(((await w.gh.driver.issues(REPO, "all")) as Json[]).length).toBe(issuesBefore);
    expect(w.app.store.changes.recent(100).some((c) => c.text === "docs: three")).toBe(false);
  });
});
