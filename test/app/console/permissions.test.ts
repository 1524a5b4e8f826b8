// Who may press what on the console: a GitHub user with read access sees the Live page and a
// deployed change with every action disabled, and a POST from them (with their own valid
// CSRF token) is refused with 403 and changes nothing; a viewer who may act rolls the change
// back from the console, which the bot link's rollback then carries out (revert PR, audit).
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO } from "../harness.ts";
import type { World } from "../harness.ts";
import type { Browser } from "../../local/github/browser.ts";
import { bearer, csrfOf, get, post, request, signInWithGitHub, startConsoleWorld } from "./world.ts";

let w: World;
let id: string;
let reader: Browser;
const change = (x: string) => w.app.store.changes.byId(x)!;

beforeAll(async () => {
  w = await startConsoleWorld({ github: true });
  w.gh.driver.setPermission(REPO, "rita", "read");
  w.gh.driver.user("rita");
  id = await request(w, "docs: a change to undo");
  await w.check(change(id).headSha!, "success");
  await w.settle();
  await w.gh.driver
    .user("deployer")
    .request("POST", `/repos/${REPO}/deployments/${change(id).deploymentId}/statuses`, { state: "success" });
  await w.settle();
  expect(change(id).state).toBe("deployed");
  reader = await signInWithGitHub(w, "rita");
});
afterAll(async () => {
  await w?.close();
});

const page = async (b: Browser, path: string) => {
  const res = await b.fetch(`${w.app.url}${path}`);
  return { status: res.status, text: await res.text() };
};
const press = async (b: Browser, path: string, csrf: string) => {
  const res = await b.fetch(`${w.app.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf }).toString(),
  });
  return { status: res.status, text: await res.text() };
};

it("a read-only viewer sees Live and the change with every action disabled, and why", async () => {
  const live = await page(reader, "/console/live");
  expect(live.status).toBe(200);
  expect(live.text).toContain("Signed in as <strong>rita</strong>");
  expect(live.text).toContain("You may look but not act: rollback, stop and resume need write access to the repository.");
  const buttons = live.text.match(/<button[^>]*>/g)!.filter((b) => !b.includes("Filter"));
  expect(buttons.length).toBeGreaterThanOrEqual(2); // stop + this change's rollback
  for (const b of buttons) expect(b).toContain("disabled");
  const one = await page(reader, `/console/changes/${id}`);
  expect(one.text).toMatch(/<button[^>]*disabled[^>]*>\s*Roll back/);
});

it("their POSTs (with their own valid CSRF token) are refused with 403 and change nothing", async () => {
  const csrf = csrfOf((await page(reader, "/console/live")).text);
  const stop = await press(reader, "/console/stop", csrf);
  expect(stop.status).toBe(403);
  expect(stop.text).toContain("needs write access to the repository. Nothing was done.");
  expect(w.app.store.values.stop().stopped).toBe(false);
  const before = change(id);
  const rollback = await press(reader, `/console/changes/${id}/rollback`, csrf);
  expect(rollback.status).toBe(403);
  expect(change(id)).toEqual(before);
  expect(w.app.store.changes.byId(`revert-${before.prNumber}`)).toBeNull();
  expect(w.app.store.audit.of(id).map((a) => a.event)).not.toContain("rollback.requested");
});

it("a viewer who may act rolls the change back: the revert PR opens and the audit names them", async () => {
  const live = await get(w, "/console/live");
  expect(live.text).toMatch(new RegExp(`<button type="submit" class="danger">Roll back ${id}</button>`));
  const r = await post(w, `/console/changes/${id}/rollback`, {}, bearer());
  expect(r.status).toBe(303);
  await w.settle();
  const revert = change(`revert-${change(id).prNumber}`);
  expect(revert.prUrl).toBeTruthy();
  expect(w.app.store.audit.of(id).find((a) => a.event === "rollback.requested")?.detail).toMatchObject({ by: "token (console, token)" });
  const after = await get(w, decodeURIComponent(r.headers.get("location")!));
  expect(after.text).toContain(`Rolling back ${id}`);
});
