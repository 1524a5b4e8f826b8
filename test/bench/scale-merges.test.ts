// The scale bench's CI and maintainer (bench/scale/merges.ts) against the real GitHub stand-in:
// heads are reported green first, a PR is merged only once the app has it in review, and a
// merge GitHub refuses (a conflict) is counted and not tried again until its head or main moves.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub, type GitHubStandIn } from "../../local/github/index.ts";
import { mergesFor } from "../../bench/scale/merges.ts";

const REPO = "acme/bot";
let gh: GitHubStandIn;
let seed: string;

beforeAll(async () => {
  gh = await startGitHub({ logLevel: "warn" });
  seed = mkdtempSync(join(tmpdir(), "scale-merges-"));
  writeFileSync(join(seed, "registry.txt"), "ping\n");
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: seed });
});
afterAll(async () => {
  await gh.close();
  rmSync(seed, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
const dev = () => gh.driver.user("dev");

/** A PR from `ouro/<id>` whose one commit rewrites the registry's last line (so any two conflict). */
async function pullFor(id: string): Promise<void> {
  const main = await dev().request<{ sha: string }>("GET", `/repos/${REPO}/commits/main`);
  await dev().request("POST", `/repos/${REPO}/git/refs`, { ref: `refs/heads/ouro/${id}`, sha: main.sha });
  const file = await dev().request<{ sha: string }>("GET", `/repos/${REPO}/contents/registry.txt?ref=ouro/${id}`);
  await dev().request("PUT", `/repos/${REPO}/contents/registry.txt`, {
    message: `add ${id}`,
    content: Buffer.from(`ping\n${id}\n`).toString("base64"),
    sha: file.sha,
    branch: `ouro/${id}`,
  });
  await dev().createPull(REPO, { title: id, head: `ouro/${id}`, base: "main" });
}

const pulls = () => dev().request<Json[]>("GET", `/repos/${REPO}/pulls?state=all&per_page=100`);
const changeOf = (pr: Json) => (pr.head as { ref: string }).ref.replace(/^ouro\//, "");

it("greens heads, merges what the app has in review, and counts a conflict once per head and main", async () => {
  await pullFor("c1");
  await pullFor("c2");
  const merges = mergesFor(gh, REPO, changeOf);
  const states: Record<string, string> = { c1: "checks", c2: "checks" };

  await merges.pass(await pulls(), (id) => states[id]);
  expect(merges.merged.size).toBe(0);
  for (const pr of await pulls()) {
    const combined = await dev().request<Json>("GET", `/repos/${REPO}/commits/${(pr.head as { sha: string }).sha}/status`);
    expect(combined.state).toBe("success");
  }

  await merges.pass(await pulls(), (id) => states[id]); // green, but the app has not seen it pass yet
  expect(merges.merged.size).toBe(0);

  states.c1 = states.c2 = "review";
  await merges.pass(await pulls(), (id) => states[id]);
  expect([...merges.merged.keys()]).toHaveLength(1);
  const [id, m] = [...merges.merged.entries()][0];
  expect(m.by).toBe("maintainer");
  const main = await dev().request<{ sha: string }>("GET", `/repos/${REPO}/commits/main`);
  expect(m.sha).toBe(main.sha);
  expect(merges.refused).toEqual(new Map([["405 not mergeable", 1]]));

  await merges.pass(await pulls(), (x) => states[x]); // nothing moved: the conflict is not tried again
  expect(merges.refused.get("405 not mergeable")).toBe(1);
  expect(merges.merged.has(id === "c1" ? "c2" : "c1")).toBe(false);
});

it("counts a PR merged by someone else (the app's own gate) with its merge commit", async () => {
  await pullFor("c3");
  const merges = mergesFor(gh, REPO, changeOf);
  const pr = (await pulls()).find((p) => changeOf(p) === "c3")!;
  const done = await gh.driver.user("someone").merge(REPO, pr.number as number);
  await merges.pass(await pulls(), () => "checks");
  expect(merges.merged.get("c3")).toMatchObject({ by: "app", sha: done.sha });
});
