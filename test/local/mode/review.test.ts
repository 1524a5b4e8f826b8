// The review pane over HTTP, as a browser's forms drive it, against the real GitHub stand-in:
// the list and a pull request page show what GitHub holds (checks, statuses, reviews,
// comments); maya approves, comments and merges; GitHub's refusals (nia may not merge, max may
// not approve his own pull request) come back in plain words with nothing changed; bad input
// and cross-site posts are refused before anything reaches GitHub.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formToken, startReviewWorld, type ReviewWorld } from "./review-world.ts";

let w: ReviewWorld;
const repo = { owner: "acme", repo: "bot" };

beforeAll(async () => {
  w = await startReviewWorld();
}, 60_000);
afterAll(async () => {
  await w?.close();
});

async function get(path: string): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(`${w.pane}${path}`, { redirect: "manual" });
  return { status: res.status, text: await res.text(), location: res.headers.get("location") };
}

/** Posts a pull request page's form as that page would (same origin, its token), and follows the redirect. */
async function post(
  n: number,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; location: string | null }> {
  const token = formToken((await get(`/pulls/${n}?as=${fields.as}`)).text);
  const res = await fetch(`${w.pane}/pulls/${n}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: w.page.url, "sec-fetch-site": "same-origin", ...headers },
    body: new URLSearchParams({ token, ...fields }).toString(),
  });
  const location = res.headers.get("location");
  if (res.status !== 303 || !location) return { status: res.status, text: await res.text(), location };
  const next = await fetch(new URL(location, w.page.url));
  return { status: next.status, text: await next.text(), location };
}

const flashOf = (page: string) => /<p id="flash"[^>]*>([^<]*)<\/p>/.exec(page)?.[1] ?? "";
const roleOfFlash = (page: string) => /<p id="flash"[^>]*role="(\w+)"/.exec(page)?.[1];
const reviews = async () => (await w.maya.pulls.listReviews({ ...repo, pull_number: w.pr })).data.map((r) => `${r.user?.login}:${r.state}`);
const comments = async () => (await w.maya.issues.listComments({ ...repo, issue_number: w.pr })).data.map((c) => c.body);
const merged = async () => (await w.maya.pulls.get({ ...repo, pull_number: w.pr })).data.merged;

describe("reading", () => {
  it("lists the open pull requests, each linked with its number and title (escaped)", async () => {
    const r = await get("/?as=nia");
    expect(r.status).toBe(200);
    const list = /<ul id="pulls"[^>]*>([\s\S]*?)<\/ul>/.exec(r.text)?.[1] ?? "";
    expect(list).toContain(`href="/review/pulls/${w.pr}?as=nia"`);
    expect(list).toContain(`#${w.pr} Add a &lt;greet&gt; command`);
    expect(r.text).toMatch(/<label for="as">You are<\/label>/);
    expect(r.text).toContain("nia has <strong>read</strong> access to acme/bot");
  });

  it("with no one chosen, is the maintainer; with someone unknown, says who may be chosen and shows nothing", async () => {
    expect((await get("/")).location).toBe("/review/?as=maya");
    const r = await get("/?as=mallory");
    expect(r.status).toBe(400);
    expect(flashOf(r.text)).toContain("There is nobody called &quot;mallory&quot; here: pick one of maya, max, nia");
    expect(r.text).not.toContain('id="pulls"');
  });

  it("shows a pull request: title, state, body as text, check runs, statuses, reviews and comments", async () => {
    await w.ci.checks.create({ ...repo, name: "build", head_sha: w.headSha, status: "in_progress" });
    await w.maya.repos.createCommitStatus({ ...repo, sha: w.headSha, state: "pending", context: "policy", description: "judging" });
    const r = await get(`/pulls/${w.pr}?as=maya`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(new RegExp(`<h1>Add a &lt;greet&gt; command <span class="num">#${w.pr}</span></h1>`));
    expect(r.text).toContain('data-state="open">open</strong>');
    expect(r.text).toContain("Says &quot;Hello!&quot; &amp; &lt;b&gt;nothing&lt;/b&gt; else.");
    expect(r.text).toMatch(/data-name="build" data-status="in_progress" data-conclusion=""/);
    expect(r.text).toMatch(/data-context="policy" data-state="pending"/);
    expect(r.text).toContain("No reviews or comments yet.");
    for (const b of ["Approve", "Request changes", "Comment", "Merge"]) expect(r.text).toContain(`>${b}</button>`);
  });

  it("a pull request that does not exist is a 404 in plain words", async () => {
    const r = await get("/pulls/999?as=maya");
    expect(r.status).toBe(404);
    expect(flashOf(r.text)).toBe("There is no pull request #999 in acme/bot.");
  });

  it("the live parts change when a check run completes on GitHub", async () => {
    const before = JSON.parse((await get(`/pulls/${w.pr}/live?as=maya`)).text) as { parts: Record<string, { v: string; html: string }> };
    const run = (await w.ci.checks.listForRef({ ...repo, ref: w.headSha })).data.check_runs[0];
    await w.ci.checks.update({
      ...repo,
      check_run_id: run.id,
      status: "completed",
      conclusion: "success",
      output: { title: "12 tests passed", summary: "all <fine>" },
    });
    const after = JSON.parse((await get(`/pulls/${w.pr}/live?as=maya`)).text) as typeof before;
    expect(after.parts.checks.v).not.toBe(before.parts.checks.v);
    expect(after.parts.checks.html).toMatch(/data-name="build" data-status="completed" data-conclusion="success"/);
    expect(after.parts.checks.html).toContain("12 tests passed");
    expect(after.parts.checks.html).toContain("all &lt;fine&gt;");
    expect(after.parts["pr-state"].v).toBe(before.parts["pr-state"].v);
  });
});

describe("acting, as GitHub lets each person", () => {
  it("max may not approve his own pull request: GitHub's words, no review", async () => {
    const r = await post(w.pr, { as: "max", action: "approve", body: "" });
    expect(roleOfFlash(r.text)).toBe("alert");
    expect(flashOf(r.text)).toBe("GitHub refused the approval by max: Review Can not approve your own pull request (HTTP 422).");
    expect(await reviews()).toEqual([]);
  });

  it("an empty comment or change request is refused by the pane, and nothing reaches GitHub", async () => {
    const r = await post(w.pr, { as: "maya", action: "comment", body: "  " });
    expect(flashOf(r.text)).toBe("Write a comment first: it was empty.");
    const c = await post(w.pr, { as: "maya", action: "request-changes", body: "" });
    expect(flashOf(c.text)).toBe("Say what should change: the text was empty.");
    expect(roleOfFlash(c.text)).toBe("alert");
    expect(await comments()).toEqual([]);
    expect(await reviews()).toEqual([]);
  });

  it("maya approves and comments; the page shows both", async () => {
    const a = await post(w.pr, { as: "maya", action: "approve", body: "Looks good." });
    expect(roleOfFlash(a.text)).toBe("status");
    expect(flashOf(a.text)).toBe(`maya approved #${w.pr}.`);
    const c = await post(w.pr, { as: "maya", action: "comment", body: "/ouro explain <why>" });
    expect(flashOf(c.text)).toBe(`maya commented on #${w.pr}.`);
    expect(await reviews()).toEqual(["maya:APPROVED"]);
    expect(await comments()).toEqual(["/ouro explain <why>"]);
    const reviewsHtml = /<section id="reviews"[\s\S]*?<\/section>/.exec(c.text)?.[0] ?? "";
    expect(reviewsHtml).toMatch(/data-user="maya" data-state="APPROVED"[\s\S]*maya<\/strong>\s+approved[\s\S]*Looks good\./);
    expect(reviewsHtml).toContain("/ouro explain &lt;why&gt;");
  });

  it("nia (read access) may review, as GitHub lets anyone who can read, but not merge: GitHub's words, still open", async () => {
    const a = await post(w.pr, { as: "nia", action: "approve", body: "" });
    expect(flashOf(a.text)).toBe(`nia approved #${w.pr}.`);
    expect(await reviews()).toEqual(["maya:APPROVED", "nia:APPROVED"]);
    const r = await post(w.pr, { as: "nia", action: "merge", merge_method: "merge", sha: w.headSha });
    expect(roleOfFlash(r.text)).toBe("alert");
    expect(flashOf(r.text)).toBe("GitHub refused the merge by nia: Must have push access to this repository (HTTP 403).");
    expect(await merged()).toBe(false);
    expect(r.text).toContain('data-state="open">open</strong>');
  });

  it("a post from another site, or without the page's token, is refused and nothing reaches GitHub", async () => {
    const evil = await post(w.pr, { as: "maya", action: "merge" }, { origin: "http://evil.example", "sec-fetch-site": "cross-site" });
    expect(evil.status).toBe(403);
    expect(evil.text).toMatch(/^Refused: the form was sent from another site \(cross-site\)\. Nothing was sent to GitHub\.$/);
    const forged = await fetch(`${w.pane}/pulls/${w.pr}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "as=maya&action=merge&token=0000",
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("its token is missing or stale");
    expect(await merged()).toBe(false);
  });

  it("a merge with an unknown method is refused by the pane; then maya merges and the page says merged", async () => {
    const bad = await post(w.pr, { as: "maya", action: "merge", merge_method: "octopus" });
    expect(flashOf(bad.text)).toBe("There is no merge method called &quot;octopus&quot;.");
    expect(await merged()).toBe(false);
    const r = await post(w.pr, { as: "maya", action: "merge", merge_method: "merge", sha: w.headSha });
    expect(flashOf(r.text)).toMatch(new RegExp(`^maya merged #${w.pr} as [0-9a-f]{7}\\.$`));
    expect(await merged()).toBe(true);
    expect(r.text).toContain('data-state="merged">merged</strong> by maya');
    expect(r.text).toContain("This pull request is merged: nothing to review or merge.");
    // Merged pull requests leave the open list and show in "all" with their state.
    expect((await get("/?as=maya")).text).toContain("No open pull requests.");
    expect((await get("/?as=maya&state=all")).text).toMatch(
      new RegExp(`#${w.pr} Add a &lt;greet&gt; command</a>\\s*<span class="state merged">merged`),
    );
  });
});
