// A cancelled check run is not a verdict: a workflow's concurrency group cancels a run when a
// newer one starts (the policy workflow re-runs on the app's own label), and a person may
// cancel and re-run. The change waits for the re-run instead of failing.
import { afterAll, beforeAll, expect, it } from "vitest";
import { actor, REPO, startWorld, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.close();
});

it("a cancelled run keeps the change waiting; the re-run's success moves it on to review", async () => {
  const res = await w.api("POST", "/changes", { id: "cancel-1", requester: actor("111", "alice"), text: "add a greeting" });
  expect(res.status).toBe(201);
  await w.settle();
  const id = String(res.body.changeId);
  const sha = w.app.store.changes.byId(id)!.headSha!;
  await w.check(sha, "cancelled");
  await w.settle();
  let c = w.app.store.changes.byId(id)!;
  expect(c.state).toBe("checks");
  expect(((await w.gh.driver.pull(REPO, c.prNumber!)) as { merged: boolean }).merged).toBe(false);
  await w.check(sha, "success"); // the re-run, same name: the newest run is the one that counts
  await w.settle();
  c = w.app.store.changes.byId(id)!;
  expect(c.state).toBe("review"); // checks passed; this risk waits for an approval
});

it("a failed run still fails the change", async () => {
  const res = await w.api("POST", "/changes", { id: "cancel-2", requester: actor("112", "bea"), text: "add a farewell" });
  await w.settle();
  const id = String(res.body.changeId);
  await w.check(w.app.store.changes.byId(id)!.headSha!, "failure");
  await w.settle();
  expect(w.app.store.changes.byId(id)!).toMatchObject({ state: "failed", reason: expect.stringMatching(/checks failed/) });
});
