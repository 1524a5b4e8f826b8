// Intake is atomic from the requester's view: a request from the bot is told "accepted" with
// its tracking issue, or nothing comes of it. The app dies after storing a change and making
// its issue but before answering: the bot's client retries with the same request id and gets
// the same change and issue (one issue, one PR that closes it); a request the bot gave up on
// is cancelled after the answer window — its issue told why and closed, never a PR — and its
// id is refused with that reason afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpAppLink } from "../../bot/app-link/http-client.ts";
import { ANSWER_WINDOW_MS, CANCELLED_REASON } from "../../app/lifecycle/answers.ts";
import { actor, REPO, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld();
  // The bot link keeps its address over a restart, as a deployed app's does.
  w.config.botLink.port = w.app.botLinkPort;
});
afterAll(async () => {
  await w?.close();
});

const change = (id: string) => w.app.store.changes.byId(id)!;
const trackingIssues = async (id: string) =>
  ((await w.gh.driver.issues(REPO, "all")) as Json[]).filter((i) => !i.pull_request && String(i.body).includes(`ouro:change:${id} `));
const pullsFor = async (id: string) => ((await w.gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === `ouro/${id}`);

/**
 * Runs `submit` and kills the app (no shutdown: a crash) as soon as it has stored the change
 * and made its tracking issue — its first progress event — before the answer is written; the
 * app then starts again on the same data and address. Resolves with what `submit` gave.
 */
async function crashBeforeAnswer<T>(id: string, submit: () => Promise<T>): Promise<T> {
  let restarted: Promise<void> | undefined;
  const stored = new Promise<void>((resolve) => {
    const off = w.app.context.events.on("progress", ({ event }) => {
      if (event.changeId !== id) return;
      off();
      restarted = w.restart({ abandon: true });
      resolve();
    });
  });
  const answer = submit();
  await stored;
  await restarted;
  return answer;
}

describe("an answer lost to a crash", () => {
  it("the bot's retry gets 'accepted' with the same change and issue; one issue, one PR that closes it", async () => {
    const id = "discord-4001";
    const warnings: string[] = [];
    const link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN, retryBaseMs: 50, onWarning: (m) => warnings.push(m) });
    const r = await crashBeforeAnswer(id, () =>
      link.submitRequest({ id, requester: actor("41", "lou"), text: "docs: survive a lost answer" }),
    );
    await link.close();
    expect(warnings.some((m) => /^submit: .*trying again/.test(m))).toBe(true); // the first answer was lost
    const issues = await trackingIssues(id);
    expect(issues).toHaveLength(1);
    expect(r).toEqual({ changeId: id, trackingIssueUrl: issues[0].html_url });
    await w.settle();
    const c = change(id);
    expect(c).toMatchObject({ state: "checks", issueNumber: issues[0].number });
    expect(c.answeredAt).not.toBeNull();
    const pulls = await pullsFor(id);
    expect(pulls).toHaveLength(1);
    expect(pulls[0].body).toContain(`Closes #${issues[0].number}`);
    expect(await trackingIssues(id)).toHaveLength(1);
    expect(w.app.store.audit.of(id).map((a) => a.event)).toEqual(
      expect.arrayContaining(["request", "tracking-issue", "answered", "pr.opened"]),
    );
  });
});

describe("a crash between making the tracking issue and storing it", () => {
  it("the retry finds that issue by its marker: still one issue, and the PR closes it", async () => {
    const id = "discord-4003";
    const lost = await crashBeforeAnswer(id, () =>
      w.api("POST", "/changes", { id, requester: actor("43", "nia"), text: "docs: an issue the store forgot" }).catch((e: unknown) => e),
    );
    expect(lost).toBeInstanceOf(Error);
    const [issue] = await trackingIssues(id);
    w.app.store.changes.update(id, { issueNumber: null, issueUrl: null }); // as if the crash came just before it was stored
    const link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN });
    expect(await link.submitRequest({ id, requester: actor("43", "nia"), text: "docs: an issue the store forgot" })).toEqual({
      changeId: id,
      trackingIssueUrl: issue.html_url,
    });
    await link.close();
    await w.settle();
    expect(await trackingIssues(id)).toHaveLength(1);
    const [pr] = await pullsFor(id);
    expect(pr.body).toContain(`Closes #${issue.number}`);
  });
});

describe("a request the bot gave up on", () => {
  const id = "discord-4002";

  it("waits for its answer and never starts; after the window it is cancelled, its issue told why and closed, no PR", async () => {
    const lost = await crashBeforeAnswer(id, () =>
      w.api("POST", "/changes", { id, requester: actor("42", "mo"), text: "docs: an answer nobody heard" }).catch((e: unknown) => e),
    );
    expect(lost).toBeInstanceOf(Error); // the connection died with the app
    await w.settle();
    expect(change(id)).toMatchObject({ state: "queued", answeredAt: null, prNumber: null });
    w.clock.now += ANSWER_WINDOW_MS / 2; // still inside the window: kept, still not started
    await w.app.reconcile();
    await w.settle();
    expect(change(id)).toMatchObject({ state: "queued", answeredAt: null, prNumber: null });

    w.clock.now += ANSWER_WINDOW_MS / 2;
    await w.app.reconcile();
    await w.settle();
    const c = change(id);
    expect(c).toMatchObject({ state: "failed", reason: CANCELLED_REASON, prNumber: null, answeredAt: null });
    const [issue] = await trackingIssues(id);
    expect(issue).toMatchObject({ number: c.issueNumber, state: "closed" });
    const comments = ((await w.gh.driver.comments(REPO, issue.number)) as Json[]).map((x) => String(x.body));
    expect(comments.filter((b) => b.includes("**Cancelled.**"))).toHaveLength(1);
    expect(await pullsFor(id)).toEqual([]);
    // another pass changes nothing
    await w.app.reconcile();
    await w.settle();
    expect(((await w.gh.driver.comments(REPO, issue.number)) as Json[]).length).toBe(comments.length);
  });

  it("a later retry of its id gets a 409 naming the cancellation, not a new change", async () => {
    const res = await w.api("POST", "/changes", { id, requester: actor("42", "mo"), text: "docs: an answer nobody heard" });
    expect(res.status).toBe(409);
    expect(String(res.body.error)).toMatch(/discord-4002 was cancelled.*ask again/);
    expect(w.app.store.changes.recent(100).filter((c) => c.requestId === id)).toHaveLength(1);
    expect(change(id).state).toBe("failed");
  });

  it("`/ouro retry` on its issue does not bring it back", async () => {
    const c = change(id);
    await w.gh.driver.user("carol").comment(REPO, c.issueNumber!, "/ouro retry");
    await w.settle();
    const replies = ((await w.gh.driver.comments(REPO, c.issueNumber!)) as Json[]).filter((x) => x.user.login === "ouro[bot]");
    expect(String(replies.at(-1)!.body)).toMatch(/was cancelled: .*not retried/);
    expect(change(id).state).toBe("failed");
    expect(await pullsFor(id)).toEqual([]);
  });
});
