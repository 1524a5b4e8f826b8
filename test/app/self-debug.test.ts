// Self-debugging: the bot's own link client reports a runtime error as the bot does; the
// real app (Octokit against the GitHub stand-in) files its issue and, when the policy allows,
// starts a fix through the same intake as an issue labelled `ouro` — the worker then opens
// its pull request with the fixed writer. One fix per error, never while the breaker is open
// or the emergency stop is on, at most selfDebug.maxPerDay a day; every skip is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpAppLink } from "../../bot/app-link/http-client.ts";
import { loadPolicy } from "../../policy-engine/policy/load.ts";
import { actor, REPO, startWorld, TOKEN, writerJobs } from "./harness.ts";
import type { World } from "./harness.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FP = { a: "a0a0a0a0a0a0a0a1", b: "b0b0b0b0b0b0b0b2", c: "c0c0c0c0c0c0c0c3", d: "d0d0d0d0d0d0d0d4" };
const admin = actor("1", "ada", ["Ouro Admin", "Ouro Maintainer"]);

/** The error as the bot's failure log reports it (bot/plugin-host/failures.ts). */
const report = (link: HttpAppLink, fingerprint: string, count: number) =>
  link.reportError({
    fingerprint,
    plugin: "dice",
    kind: "command",
    name: `roll-${fingerprint.slice(0, 4)}`,
    message: `TypeError: cannot read properties of undefined (reading 'sides') [${fingerprint.slice(0, 4)}]`,
    stack: "TypeError: cannot read properties of undefined\n    at run (bot/plugins/dice/index.ts:12:7)",
    timeout: false,
    count,
    firstSeen: "2026-12-01T10:00:00.000Z",
  });

async function errorIssue(w: World, fingerprint: string): Promise<Json> {
  const issues = ((await w.gh.driver.issues(REPO, "all")) as Json[]).filter((i) => String(i.body).includes(`ouro:error:${fingerprint}`));
  expect(issues).toHaveLength(1);
  return issues[0];
}
const selfDebugFixes = (w: World) => w.app.store.changes.recent(100).filter((c) => c.requesterLogin === "ouro[bot]");
const selfDebugAudit = (w: World, fingerprint: string) =>
  w.app.store.audit.of(`error:${fingerprint}`).filter((a) => a.event.startsWith("self-debug."));
const botComments = async (w: World, n: number) =>
  ((await w.gh.driver.comments(REPO, n)) as Json[]).filter((c) => c.user.login === "ouro[bot]").map((c) => String(c.body));

describe("self-debug opens a fix", () => {
  let w: World;
  let link: HttpAppLink;

  beforeAll(async () => {
    w = await startWorld({
      policy: {
        selfDebug: { enabled: true, maxPerDay: 2 },
        circuitBreaker: { failureThreshold: 1, halfOpenAfterSeconds: 3600, successThreshold: 1 },
      },
    });
    link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN });
  });
  afterAll(async () => {
    await link?.close();
    await w?.close();
  });

  it("a new runtime error: its issue, and a fix started through intake whose pull request closes the issue", async () => {
    const jobsBefore = writerJobs.length;
    await report(link, FP.a, 1);
    await w.settle();
    const issue = await errorIssue(w, FP.a);
    expect((issue.labels as Json[]).map((l) => l.name)).toEqual(["ouro-error"]);
    const fix = w.app.store.changes.byRequest(`gh-issue-${issue.number}`)!;
    expect(fix).toMatchObject({ kind: "change", source: "issue", issueNumber: issue.number, requesterLogin: "ouro[bot]", state: "checks" });
    expect(fix.text).toMatch(/^Fix the runtime error in command `roll-a0a0` of plugin `dice` \(#\d+\)\./);
    expect(fix.text).toContain("TypeError: cannot read properties of undefined (reading 'sides') [a0a0]");
    expect(fix.text).toContain("at run (bot/plugins/dice/index.ts:12:7)");
    // the writer got the request, the PR is open and closes the error issue
    expect(writerJobs.slice(jobsBefore).map((j) => j.request.id)).toEqual([fix.id]);
    const pr = (await w.gh.driver.pull(REPO, fix.prNumber!)) as Json;
    expect(pr.state).toBe("open");
    expect(pr.body).toContain(`Closes #${issue.number}`);
    expect(selfDebugAudit(w, FP.a)).toEqual([
      expect.objectContaining({ event: "self-debug.started", detail: { issue: issue.number, changeId: fix.id } }),
    ]);
    expect(w.app.store.audit.of(fix.id).map((a) => a.event)).toContain("request");
  });

  it("the same error again while its fix is open starts no second fix; the skip is audited", async () => {
    const issue = await errorIssue(w, FP.a);
    await report(link, FP.a, 10);
    await w.settle();
    expect((await errorIssue(w, FP.a)).body).toContain("seen 10 time(s)");
    expect(selfDebugFixes(w)).toHaveLength(1);
    expect(selfDebugAudit(w, FP.a).at(-1)).toMatchObject({
      event: "self-debug.skipped",
      detail: { issue: issue.number, reason: `a fix for this error is already open: change \`gh-issue-${issue.number}\` (checks)` },
    });
  });

  it("while the circuit breaker is open: the issue but no fix, the reason audited and said on the issue", async () => {
    const fixA = selfDebugFixes(w)[0];
    await w.gh.driver.user("carol").closePull(REPO, fixA.prNumber!);
    await w.settle();
    expect(w.app.store.changes.byId(fixA.id)!.state).toBe("failed");
    expect(w.app.store.values.breaker().state).toBe("open");

    await report(link, FP.b, 1);
    await w.settle();
    const issue = await errorIssue(w, FP.b);
    expect(w.app.store.changes.byRequest(`gh-issue-${issue.number}`)).toBeNull();
    expect(selfDebugFixes(w)).toHaveLength(1);
    const reason = `the circuit breaker is open (#${fixA.prNumber} closed without merging): no new changes for now`;
    expect(selfDebugAudit(w, FP.b)).toEqual([
      expect.objectContaining({ event: "self-debug.skipped", detail: { issue: issue.number, reason } }),
    ]);
    const said = (await botComments(w, issue.number)).filter((b) => b.includes("Self-debugging did not start a fix"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(reason);

    // The error whose fix failed: Ouro does not try again by itself.
    await report(link, FP.a, 100);
    await w.settle();
    expect(selfDebugAudit(w, FP.a).at(-1)!.detail.reason).toBe(
      `a fix for this error was already made once: change \`${fixA.id}\` (failed); Ouro does not try again by itself`,
    );
    expect(selfDebugFixes(w)).toHaveLength(1);
  });

  it("during the emergency stop: the issue but no fix, the reason audited", async () => {
    w.clock.now += 3_600_000; // the breaker's cool-off has passed: half-open, work may start
    expect(await link.stop(admin)).toEqual({ stopped: true });
    await report(link, FP.c, 1);
    await w.settle();
    const issue = await errorIssue(w, FP.c);
    expect(w.app.store.changes.byRequest(`gh-issue-${issue.number}`)).toBeNull();
    expect(selfDebugAudit(w, FP.c).at(-1)).toMatchObject({
      event: "self-debug.skipped",
      detail: { issue: issue.number, reason: "the emergency stop is on: no new changes until it is lifted" },
    });
    expect(await link.resume(admin)).toEqual({ stopped: false });
    await w.settle();
    expect(selfDebugFixes(w)).toHaveLength(1);
  });

  it("a skipped error is taken up when reported again; selfDebug.maxPerDay holds over a rolling day", async () => {
    // B was skipped while the breaker was open; reported again, its fix starts (2 of 2 today).
    await report(link, FP.b, 10);
    await w.settle();
    const issueB = await errorIssue(w, FP.b);
    expect(w.app.store.changes.byRequest(`gh-issue-${issueB.number}`)).toMatchObject({ source: "issue", requesterLogin: "ouro[bot]" });
    expect(selfDebugAudit(w, FP.b).at(-1)!.event).toBe("self-debug.started");
    expect(selfDebugFixes(w)).toHaveLength(2);

    // C again: the limit is reached (A and B were started within 24 hours).
    await report(link, FP.c, 10);
    await w.settle();
    const issueC = await errorIssue(w, FP.c);
    expect(w.app.store.changes.byRequest(`gh-issue-${issueC.number}`)).toBeNull();
    expect(selfDebugAudit(w, FP.c).at(-1)!.detail.reason).toBe(
      "self-debugging already started 2 fix(es) in the last 24 hours (the limit is selfDebug.maxPerDay: 2)",
    );
    expect(selfDebugFixes(w)).toHaveLength(2);

    // A day after A, one slot is free again.
    w.clock.now += 23 * 3_600_000;
    await report(link, FP.c, 100);
    await w.settle();
    expect(w.app.store.changes.byRequest(`gh-issue-${issueC.number}`)).toMatchObject({ requesterLogin: "ouro[bot]" });
    expect(selfDebugFixes(w)).toHaveLength(3);
    // ... and only one: D, new within that same day, waits.
    await report(link, FP.d, 1);
    await w.settle();
    const issueD = await errorIssue(w, FP.d);
    expect(w.app.store.changes.byRequest(`gh-issue-${issueD.number}`)).toBeNull();
    expect(selfDebugAudit(w, FP.d).at(-1)!.detail.reason).toMatch(/already started 2 fix\(es\) in the last 24 hours/);
  });
});

describe("self-debug opens a fix: only when the policy says so", () => {
  let w: World;
  let link: HttpAppLink;

  beforeAll(async () => {
    w = await startWorld();
    link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN });
  });
  afterAll(async () => {
    await link?.close();
    await w?.close();
  });

  it("policy off (the default): the issue only; the skip is audited, nothing is said on the issue", async () => {
    await report(link, FP.a, 1);
    await w.settle();
    const issue = await errorIssue(w, FP.a);
    expect(w.app.store.changes.byRequest(`gh-issue-${issue.number}`)).toBeNull();
    expect(w.app.store.changes.recent(10)).toEqual([]);
    expect(selfDebugAudit(w, FP.a)).toEqual([
      expect.objectContaining({
        event: "self-debug.skipped",
        detail: { issue: issue.number, reason: "self-debugging is off in the policy (selfDebug.enabled is false)" },
      }),
    ]);
    expect(await botComments(w, issue.number)).toEqual([]);
  });

  it("a selfDebug section that is not valid is a load error naming each wrong key", () => {
    const r = loadPolicy([
      { path: "policies/ouro.yml", text: "version: 1\nselfDebug:\n  enabled: yes please\n  maxPerDay: -1\n  often: true\n" },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.errors.map((e) => `${e.line}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^3: .*selfDebug\.enabled.*boolean/),
        expect.stringMatching(/^4: .*selfDebug\.maxPerDay.*>=0/),
        expect.stringMatching(/^5: unknown key "often" in selfDebug/),
      ]),
    );
  });
});
