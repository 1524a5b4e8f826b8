// Undo and restarts end to end: revert PRs on request (comment and bot API) and on a failed
// deployment; a crash while the agent works, and a restart while CI runs, resume from the store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeWriter } from "../../app/writer.ts";
import { actor, fixedWriter, REPO, startWorld, writerJobs } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld({ policy: { rateLimits: { maxOpenPrs: 10, perRequesterPerHour: 50, burst: { edits: 50, windowSeconds: 300 } } } });
});
afterAll(async () => {
  await w?.close();
});

const change = (id: string) => w.app.store.changes.byId(id)!;
let seq = 0;

/** A docs change all the way to merged (automerge after green CI); returns its id and file. */
async function merged(text: string): Promise<{ id: string; file: string }> {
  const res = await w.api("POST", "/changes", { id: `discord-9${++seq}`, requester: actor("800", "lee"), text });
  expect(res.status).toBe(201);
  await w.settle();
  const id = String(res.body.changeId);
  await w.check(change(id).headSha!, "success");
  await w.settle();
  expect(change(id).state).toBe("merged");
  return { id, file: `docs/${id.replace(/[^a-z0-9]/g, "").slice(-12)}.md` };
}

async function deployStatus(
  id: string,
  state: "success" | "failure" | "error",
  description = state === "failure" ? "health gate failed" : "ok",
) {
  await w.gh.driver
    .user("deployer")
    .request("POST", `/repos/${REPO}/deployments/${change(id).deploymentId}/statuses`, { state, description });
  await w.settle();
}

describe("revert pull requests", () => {
  it("`/ouro revert` on a merged PR opens ouro/revert-N: a mechanical git revert, labelled rollback", async () => {
    const { id, file } = await merged("docs: something to revert");
    await deployStatus(id, "success");
    expect(await w.gh.driver.readFile(REPO, file)).not.toBeNull();
    const pr = change(id).prNumber!;
    await w.gh.driver.user("carol").comment(REPO, pr, "/ouro revert");
    await w.settle();
    const revert = change(`revert-${pr}`);
    expect(revert).toMatchObject({ kind: "revert", revertOf: id, branch: `ouro/revert-${pr}` });
    const rpr = (await w.gh.driver.pull(REPO, revert.prNumber!)) as Json;
    expect(rpr).toMatchObject({ state: "open", user: { login: "ouro[bot]" }, head: { ref: `ouro/revert-${pr}` } });
    expect((rpr.labels as { name: string }[]).map((l) => l.name)).toContain("rollback");
    expect(rpr.body).toContain(`Reverts #${pr}`);
    expect(await w.gh.driver.readFile(REPO, file, `ouro/revert-${pr}`)).toBeNull(); // the change is undone on the branch
    expect(change(id).state).toBe("rolled-back");
    const reply = ((await w.gh.driver.comments(REPO, pr)) as Json[]).find((c) => String(c.body).startsWith("@carol ↩️"));
    expect(reply?.body).toContain(rpr.html_url);
  });

  it("asking again (comment or the bot's /rollback) gives the same revert PR, never a second", async () => {
    const id = w.app.store.changes.recent(20).find((c) => c.kind === "change" && c.state === "rolled-back")!.id;
    const res = await w.api("POST", `/changes/${id}/rollback`, { by: actor("1", "maint", ["Ouro Maintainer"]) });
    expect(res.status).toBe(200);
    expect(res.body.revertPrUrl).toBe(change(`revert-${change(id).prNumber}`).prUrl);
    const denied = await w.api("POST", `/changes/${id}/rollback`, { by: actor("2", "anyone", ["@everyone"]) });
    expect(denied.status).toBe(403);
    await w.settle();
    const reverts = ((await w.gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => String(p.head.ref).startsWith("ouro/revert-"));
    expect(reverts).toHaveLength(1);
  });

  it("a manual rollback also asks the deploy hook for the previous release at once (task ouro:rollback)", async () => {
    const id = w.app.store.changes.recent(20).find((c) => c.kind === "change" && c.state === "rolled-back")!.id;
    const rollbacks = ((await w.gh.driver.deployments(REPO)) as Json[]).filter((d) => d.task === "ouro:rollback");
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toMatchObject({ environment: "production", payload: { changeId: id } });
    await w.gh.driver.user("deployer").request("POST", `/repos/${REPO}/deployments/${rollbacks[0].id}/statuses`, {
      state: "success",
      description: "previous release live",
    });
    await w.settle();
    expect(w.app.store.audit.of(id).find((a) => a.event === "rollback.deployment.status")?.detail).toMatchObject({ state: "success" });
    expect(change(id).state).toBe("rolled-back"); // the rollback's own deployment does not touch the change
  });

  it("the revert PR merges like any change (checks green, risk safe) and deploys", async () => {
    const rev = w.app.store.changes.recent(20).find((c) => c.kind === "revert")!;
    await w.check(rev.headSha!, "success");
    await w.settle();
    expect(change(rev.id).state).toBe("merged");
    await deployStatus(rev.id, "success");
    expect(change(rev.id).state).toBe("deployed");
  });

  it("a failed deployment opens a revert PR by itself and counts as a breaker failure; the dashboard lists it", async () => {
    const { id, file } = await merged("docs: this one breaks production");
    await deployStatus(id, "failure");
    const pr = change(id).prNumber!;
    const revert = change(`revert-${pr}`);
    expect(revert.prUrl).toBeTruthy();
    expect(revert.text).toBe("deployment failed: health gate failed");
    expect(await w.gh.driver.readFile(REPO, file, `ouro/revert-${pr}`)).toBeNull();
    expect(change(id).state).toBe("rolled-back");
    expect(w.app.store.values.breaker().failures).toBe(1);
    const audit = w.app.store.audit.of(id).map((a) => a.event);
    expect(audit).toEqual(expect.arrayContaining(["deployment.status", "breaker.failure", "rollback.requested", "rollback"]));
    const dash = String(
      ((await w.gh.driver.issues(REPO, "all")) as Json[]).find((i) => String(i.body).includes("<!-- ouro:dashboard -->"))?.body,
    );
    expect(dash).toContain(`\`${id}\`: deployment failed: health gate failed → ${revert.prUrl}`);
    // redelivering the failure changes nothing
    for (const d of w.gh.deliveries.list({ event: "deployment_status" })) w.gh.deliveries.redeliver(d.id);
    await w.settle();
    expect(((await w.gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === `ouro/revert-${pr}`)).toHaveLength(1);
    expect(w.app.store.values.breaker().failures).toBe(1);
  });

  it("a deployment the hook could not run (error) stays merged with the reason: no revert, no breaker count", async () => {
    const { id } = await merged("docs: deployed while another deploy was running");
    const failuresBefore = w.app.store.values.breaker().failures;
    await deployStatus(id, "error", "another deploy is running");
    const c = change(id);
    expect(c.state).toBe("merged");
    expect(c.reason).toContain("another deploy is running");
    expect(w.app.store.changes.byId(`revert-${c.prNumber}`)).toBeFalsy();
    expect(w.app.store.values.breaker().failures).toBe(failuresBefore);
    expect(w.app.store.audit.of(id).map((a) => a.event)).toContain("deployment.status");
    await deployStatus(id, "success"); // redeployed by hand: it goes live as usual
    expect(change(id).state).toBe("deployed");
  });

  it("a deployment the hook superseded goes live with the newer one", async () => {
    const a = await merged("docs: first of two quick merges");
    const b = await merged("docs: second of two quick merges");
    const deployer = w.gh.driver.user("deployer");
    await deployer.request("POST", `/repos/${REPO}/deployments/${change(a.id).deploymentId}/statuses`, {
      state: "inactive",
      description: "superseded",
    });
    await w.settle();
    expect(change(a.id).state).toBe("merged");
    await deployStatus(b.id, "success");
    expect(change(b.id).state).toBe("deployed");
    expect(change(a.id)).toMatchObject({ state: "deployed" });
    expect(change(a.id).reason).toMatch(/superseded/);
  });

  it("what happened to earlier changes reaches the agent's next run as feedback", () => {
    const feedback = writerJobs.at(-1)!.feedback;
    expect(feedback).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "rolled-back",
          request: "docs: this one breaks production",
          text: "deployment failed: health gate failed",
        }),
      ]),
    );
    expect(feedback.some((f) => f.kind === "rolled-back" && f.request === "docs: something to revert")).toBe(true);
  });

  it("an unmerged change cannot be reverted: a clear answer, nothing made", async () => {
    const res = await w.api("POST", "/changes", { id: "discord-open-1", requester: actor("801", "max"), text: "docs: still open" });
    await w.settle();
    const r = await w.api("POST", `/changes/${String(res.body.changeId)}/rollback`, { by: actor("1", "maint", ["Ouro Maintainer"]) });
    expect(r.status).toBe(409);
    expect(String(r.body.error)).toMatch(/is not merged/);
  });
});

describe("restarts", () => {
  it("a crash while the agent works: after restart the change is redone and gets exactly one PR", async () => {
    let entered!: () => void;
    const started = new Promise<void>((r) => (entered = r));
    const hanging: ChangeWriter = () => {
      entered();
      return new Promise(() => {}); // the process "dies" before the agent returns
    };
    await w.restart({ writer: hanging });
    const res = await w.api("POST", "/changes", { id: "discord-crash-1", requester: actor("900", "ned"), text: "docs: survive a crash" });
    expect(res.status).toBe(201);
    await started;
    expect(change("discord-crash-1").state).toBe("working");
    await w.restart({ abandon: true, writer: fixedWriter });
    await w.settle();
    const c = change("discord-crash-1");
    expect(c.state).toBe("checks");
    const prs = ((await w.gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === "ouro/discord-crash-1");
    expect(prs).toHaveLength(1);
    expect(w.app.store.audit.of(c.id).map((a) => a.event)).toContain("resume");
  });

  it("CI finishes while the app is down: on restart it merges and deploys from the store", async () => {
    const c = change("discord-crash-1");
    await w.app.close();
    await w.ci.rest.checks.create({
      owner: "acme",
      repo: "bot",
      name: "ci/test",
      head_sha: c.headSha!,
      status: "completed",
      conclusion: "success",
    });
    await w.restart();
    await w.settle();
    expect(change(c.id).state).toBe("merged");
    const deployments = ((await w.gh.driver.deployments(REPO)) as Json[]).filter(
      (d) => (d.payload as { changeId?: string }).changeId === c.id,
    );
    expect(deployments).toHaveLength(1);
  });
});

describe("deployment statuses missed while the app is down", () => {
  /** The deploy hook reports while no app listens; the delivery fails and is not retried. */
  async function statusWhileDown(id: string, state: "success" | "failure", description: string) {
    const deployment = change(id).deploymentId;
    await w.app.close();
    await w.gh.driver.user("deployer").request("POST", `/repos/${REPO}/deployments/${deployment}/statuses`, { state, description });
    await w.gh.deliveries.idle().catch(() => undefined);
    await w.restart();
    await w.settle();
  }

  it("a success reported while the app is down: after restart the change is deployed, once", async () => {
    const { id } = await merged("docs: deployed while the app was down");
    await statusWhileDown(id, "success", "live");
    expect(change(id).state).toBe("deployed");
    expect(w.app.store.values.lastDeploy()?.changeId).toBe(id);
    await w.app.reconcile();
    await w.settle();
    const statuses = w.app.store.audit.of(id).filter((a) => a.event === "deployment.status");
    expect(statuses).toHaveLength(1);
  });

  it("a failure reported while the app is down: after restart the revert PR opens and the breaker counts it, once", async () => {
    const { id } = await merged("docs: failed while the app was down");
    await statusWhileDown(id, "failure", "health gate failed");
    const pr = change(id).prNumber!;
    expect(change(id).state).toBe("rolled-back");
    expect(change(`revert-${pr}`).prNumber).toBeTruthy();
    const counted = () => w.app.store.audit.of(id).filter((a) => a.event === "breaker.failure").length;
    expect(counted()).toBe(1);
    await w.app.reconcile();
    await w.settle();
    expect(counted()).toBe(1);
    const reverts = ((await w.gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === `ouro/revert-${pr}`);
    expect(reverts).toHaveLength(1);
  });
});

describe("retry and follow-ups", () => {
  it("a failed change is retried with `/ouro retry`; a follow-up on its PR updates the same PR", async () => {
    const res = await w.api("POST", "/changes", { id: "discord-retry-1", requester: actor("950", "oz"), text: "docs: broken at first" });
    await w.settle();
    const id = String(res.body.changeId);
    expect(change(id)).toMatchObject({ state: "failed" });
    expect(change(id).reason).toMatch(/the fixed writer was asked to fail/);
    // the request text still says "broken": make the retry succeed with a writer that ignores it
    await w.restart({ writer: (job) => fixedWriter({ ...job, request: { ...job.request, text: "docs: fixed on retry" } }) });
    const issue = change(id).issueNumber!;
    await w.gh.driver.user("carol").comment(REPO, issue, "/ouro retry");
    await w.settle();
    const c = change(id);
    expect(c.state).toBe("checks");
    await w.gh.driver.user("carol").comment(REPO, c.prNumber!, "/ouro also mention the weekend");
    await w.settle();
    const after = change(id);
    expect(after.prNumber).toBe(c.prNumber);
    expect(after.headSha).not.toBe(c.headSha);
    expect(after.followUps).toEqual([{ kind: "review-comment", text: "also mention the weekend", via: "comment" }]);
    const prs = ((await w.gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === `ouro/${id}`);
    expect(prs).toHaveLength(1);
    expect(prs[0].head.sha).toBe(after.headSha);
  });
});
