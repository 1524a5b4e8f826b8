// A change page does not wait for GitHub when the app could ask beforehand: the view is asked
// for in the background when the pull request appears, and again when a change someone looked
// at moves; an answer past its time is shown at once while a fresh one is asked, and a
// difference is announced (open pages reload). Counted on the app's own GitHub client (an Octokit request hook), on the stand-in.
import { afterAll, beforeAll, expect, it } from "vitest";
import { GitHubViews } from "../../../app/console/github-data.ts";
import type { World } from "../harness.ts";
import { get, request, startConsoleWorld } from "./world.ts";

let w: World;
let asked: string[] = [];

beforeAll(async () => {
  w = await startConsoleWorld();
  const gh = await w.app.context.client();
  gh.octokit.hook.before("request", (o) => void asked.push(`${o.method} ${o.url}`));
}, 60_000);
afterAll(() => w?.close());

it("the first load of a new change's page finds its PR, diff and checks already asked for", async () => {
  const id = await request(w, "docs: a change whose page is opened later"); // settles: the prefetch is background work
  const before = asked.length;
  expect(
    asked.some((r) => r.includes("/files")),
    JSON.stringify(asked),
  ).toBe(true);
  const page = await get(w, `/console/changes/${id}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain("The diff");
  expect(page.text).not.toContain("No pull request yet");
  expect(asked.slice(before)).toEqual([]); // nothing asked while the page waited
});

it("a change someone looked at is asked for again when it moves, so the page shows the new check at once", async () => {
  const id = await request(w, "docs: a change watched while its checks run");
  await get(w, `/console/changes/${id}`);
  const sha = w.app.store.changes.byId(id)!.headSha!;
  asked = [];
  await w.check(sha, "success");
  await w.settle();
  const before = asked.length;
  const page = await get(w, `/console/changes/${id}`);
  expect(page.text).toContain("ci/test");
  expect(asked.slice(before)).toEqual([]);
});

it("an answer past its time is shown at once and asked again; a difference is announced", async () => {
  const id = await request(w, "docs: a change whose PR is edited on GitHub");
  const c = w.app.store.changes.byId(id)!;
  const gh = await w.app.context.client();
  const views = new GitHubViews(w.app.context.events, null, { ttlMs: 0 }); // every answer is past its time
  const first = await views.of(gh, c);
  const refreshed = new Promise<string>((resolve) => views.onRefreshed(resolve));
  // Something the app hears nothing of: the PR's title edited on GitHub.
  await gh.octokit.rest.pulls.update({ owner: gh.owner, repo: gh.repo, pull_number: c.prNumber!, title: "Edited on GitHub" });
  expect(await views.of(gh, c)).toBe(first); // the kept answer, without waiting
  expect(await refreshed).toBe(id);
  expect((await views.of(gh, c)).pull?.title).toBe("Edited on GitHub");
});

it("a restart asks for the changes in flight, even behind many newer changes without a pull request", async () => {
  const id = await request(w, "docs: a change in flight when the app restarts");
  for (let i = 0; i < 30; i++) {
    const newer = `newer-${i}`;
    w.app.store.changes.insert({
      id: newer,
      requestId: newer,
      kind: "change",
      source: "discord",
      requester: "someone",
      requesterKey: "discord:9",
      text: `docs: a newer request without a PR (${i})`,
      title: `Newer ${i}`,
    });
    w.app.store.changes.update(newer, { state: "failed", reason: "seeded by the test" }); // nothing for the worker
  }
  await w.restart();
  const gh = await w.app.context.client();
  const since: string[] = [];
  gh.octokit.hook.before("request", (o) => void since.push(`${o.method} ${o.url}`));
  await w.settle(); // the start's background work, its warm-up included
  const before = since.length;
  const page = await get(w, `/console/changes/${id}`);
  expect(page.text, page.text.slice(page.text.indexOf("<main"), page.text.indexOf("<main") + 1500)).toContain('<tr class="add">');
  expect(since.slice(before).filter((r) => r.includes("/pulls/"))).toEqual([]); // kept since the start
});

it("GitHub's failure is kept a few seconds: a page loaded again at once shows it rather than waiting again", async () => {
  const id = await request(w, "docs: a change whose PR GitHub cannot find");
  const c = { ...w.app.store.changes.byId(id)!, prNumber: 99_999, headSha: null }; // a PR GitHub does not have
  const gh = await w.app.context.client(); // this app's client (the world may have restarted)
  let count = 0;
  gh.octokit.hook.before("request", () => void count++);
  const views = new GitHubViews(w.app.context.events);
  await expect(views.of(gh, c)).rejects.toThrow();
  const afterFirst = count;
  expect(afterFirst).toBeGreaterThan(0);
  await expect(views.of(gh, c)).rejects.toThrow(); // the kept failure
  expect(count).toBe(afterFirst); // GitHub was not asked again
});
