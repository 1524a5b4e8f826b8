// A pull request another merge made unmergeable: the merge gate has the agent redo the change
// on the new base (same PR, new head, mergeable again), once per base commit and at most twice
// per change; after that the PR is closed with a comment giving the reason and the change
// fails with it. Two changes here append to the same file, so whichever merges second conflicts.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_REDOS } from "../../app/lifecycle/conflicts.ts";
import { verdictFor } from "../../app/policy.ts";
import type { ChangeWriter } from "../../app/writer.ts";
import { branchFor } from "../../contract/change-request.ts";
import { actor, fixedWriter, REPO, startWorld } from "./harness.ts";
import type { World } from "./harness.ts";

const run = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  run("git", ["-c", "user.name=Ouro Agent", "-c", "user.email=agent@example.com", ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  }).then((r) => r.stdout.trim());

/** "shared" requests append a line (with their change id) to docs/shared.md on the base they are given; others as the fixed writer. */
const sharedWriter: ChangeWriter = async (job) => {
  if (!/shared/.test(job.request.text)) return fixedWriter(job);
  const { repoDir, request } = job;
  await git(repoDir, "checkout", "-q", "--detach", job.baseRef);
  const file = join(repoDir, "docs/shared.md");
  writeFileSync(file, `${readFileSync(file, "utf8")}- ${request.text} (${request.id})\n`);
  await git(repoDir, "commit", "-q", "-am", `ouro: ${request.text}`);
  const commit = await git(repoDir, "rev-parse", "HEAD");
  return {
    ok: true,
    branch: branchFor(request.id),
    commit,
    verdict: verdictFor(repoDir, job.baseRef, commit, { author: "ouro[bot]", labels: ["ouro"] }),
    title: `Ouro: ${request.text}`,
    body: `## What was asked\n\n${request.text}`,
  };
};

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld({ writer: sharedWriter, files: { "docs/shared.md": "# Shared notes\n" } });
});
afterAll(async () => {
  await w?.close();
});

const change = (id: string) => w.app.store.changes.byId(id)!;
const pull = async (n: number) => (await w.gh.driver.pull(REPO, n)) as Json;

async function submit(id: string, who: string, text: string) {
  const res = await w.api("POST", "/changes", { id, requester: actor(who, `u${who}`), text });
  expect(res.status).toBe(201);
  await w.settle();
  return change(id);
}

/** A human commits a line at the end of docs/shared.md on main (what the open PR appends to too). */
async function pushToMain(line: string) {
  const owner = w.gh.driver.user("root-owner");
  const file = (await owner.request("GET", `/repos/${REPO}/contents/docs/shared.md`)) as Json;
  const text = Buffer.from(String(file.content), "base64").toString("utf8");
  await owner.request("PUT", `/repos/${REPO}/contents/docs/shared.md`, {
    message: line,
    content: Buffer.from(`${text}- ${line}\n`).toString("base64"),
    sha: file.sha,
    branch: "main",
  });
  await w.settle();
}

describe("a pull request another merge made conflict", () => {
  let b: ReturnType<typeof change>;

  it("is redone by the agent on the new base: the same PR, a new head, mergeable again", async () => {
    const a = await submit("discord-6001", "61", "docs: shared alpha");
    b = await submit("discord-6002", "62", "docs: shared beta");
    expect((await pull(b.prNumber!)).mergeable).toBe(true);
    // CI passes on A → automerged (safe). GitHub sends no event when B starts to conflict:
    // a reconcile pass finds it (the one the check ran may already have).
    await w.check(a.headSha!, "success");
    await w.settle();
    expect(change(a.id).state).toBe("merged");
    await w.app.reconcile();
    await w.settle();
    const redone = change(b.id);
    expect(redone).toMatchObject({ state: "checks", prNumber: b.prNumber, redoBases: [change(a.id).mergeSha] });
    expect(redone.headSha).not.toBe(b.headSha);
    const pr = await pull(b.prNumber!);
    expect(pr).toMatchObject({ state: "open", mergeable: true, head: { sha: redone.headSha } });
    expect(w.app.store.audit.of(b.id).find((x) => x.event === "conflict.redo")?.detail).toMatchObject({ round: 1 });
    expect(w.app.store.progress.after(0).some((e) => e.event.changeId === b.id && /redoing the change/.test(e.event.message ?? ""))).toBe(
      true,
    );
  });

  it(`is closed with the reason once ${MAX_REDOS} redos are spent; the change fails with it`, async () => {
    await pushToMain("a human's line");
    await w.app.reconcile();
    await w.settle();
    expect(change(b.id)).toMatchObject({ state: "checks" });
    expect(change(b.id).redoBases).toHaveLength(2);
    expect((await pull(b.prNumber!)).mergeable).toBe(true);

    await pushToMain("another human's line");
    await w.app.reconcile();
    await w.settle();
    const c = change(b.id);
    expect(c.state).toBe("failed");
    expect(c.reason).toMatch(new RegExp(`#${b.prNumber} conflicts with main again after ${MAX_REDOS} redos`));
    const pr = await pull(b.prNumber!);
    expect(pr).toMatchObject({ state: "closed", merged: false });
    const comments = ((await w.gh.driver.comments(REPO, b.prNumber!)) as Json[]).filter((x) =>
      String(x.body).includes("**Closed by Ouro:**"),
    );
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain(c.reason);
    // the closed event that follows finds it failed already: not counted as a rejection
    expect(w.app.store.audit.of(b.id).some((x) => x.event === "pr.closed")).toBe(false);
    const last = w.app.store.progress
      .after(0)
      .filter((e) => e.event.changeId === b.id)
      .at(-1)!.event;
    expect(last).toMatchObject({ state: "failed", message: c.reason }); // what the requester's thread shows
  });

  it("is closed with the reason when what it makes went live from the other merge", async () => {
    w.clock.now += 301_000; // past the burst window the redos above used up
    const carol = w.gh.driver.user("carol");
    // The same requester's same words twice, both open: the first was closed, then retried.
    const first = await submit("discord-6003", "63", "docs: shared gamma");
    await carol.closePull(REPO, first.prNumber!);
    await w.settle();
    const second = await submit("discord-6004", "63", "docs: shared gamma");
    expect(second.targetKey).toBe(first.targetKey);
    await carol.comment(REPO, first.issueNumber!, "/ouro retry");
    await w.settle();
    const retried = change(first.id);
    expect(retried.state).toBe("checks");
    await w.check(second.headSha!, "success"); // the second merges
    await w.settle();
    expect(change(second.id).state).toBe("merged");
    await w.app.reconcile();
    await w.settle();
    const c = change(first.id);
    expect(c.state).toBe("failed");
    expect(c.reason).toBe(
      `#${retried.prNumber} conflicts with main, where change \`${second.id}\` (#${second.prNumber}) already made what this change asks for`,
    );
    expect(c.redoBases).toEqual([]); // not redone: it would only make the same again
    expect(await pull(retried.prNumber!)).toMatchObject({ state: "closed", merged: false });
  });
});
