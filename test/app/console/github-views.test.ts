// A change page does not wait for GitHub when the app could ask beforehand: the view is asked
// for in the background when the pull request appears, and again when a change someone looked
// at moves. Counted on the app's own GitHub client (an Octokit request hook), on the stand-in.
import { afterAll, beforeAll, expect, it } from "vitest";
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
