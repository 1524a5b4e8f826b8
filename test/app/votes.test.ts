// Community votes end to end: the real bot (discord.js on local/discord) shows the vote
// buttons on a change's progress message; a press goes over the bot link to the real app
// (on local/github), which counts it within `votes.windowSeconds` of the PR opening, sets the
// `ouro/votes` status and runs the merge gate. Time is the world's clock: the window ends when
// the test moves it on, and the app's reconcile pass settles the status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageRec } from "../../local/discord/index.ts";
import { REPO, type World } from "./harness.ts";
import { startBotWithApp, type BotWithApp } from "../bot/app-world.ts";
import { until } from "../bot/harness.ts";
import { decideMerge, type GateInput } from "../../app/review/merge-gate.ts";

type Json = Record<string, unknown>;

type Setup = BotWithApp;

const start = (votes: Record<string, unknown>, policy: Record<string, unknown> = {}): Promise<Setup> =>
  startBotWithApp({ policy: { votes, ...policy } });

async function stop(s: Setup | undefined): Promise<void> {
  await s?.close();
}

const customIds = (m: MessageRec): string[] =>
  ((m.components ?? []) as { components: { custom_id?: string }[] }[]).flatMap((r) => r.components.map((b) => b.custom_id ?? ""));

/**
 * Asks for a change with /feature, lets CI pass on its PR, and waits for the vote buttons on
 * its progress message in the thread.
 */
async function openChange(s: Setup, user: string, text: string) {
  const { discord, world } = s;
  const reply = await discord.driver
    .runCommand({ user, channel: "general", name: "feature", subcommand: "request", options: { text } })
    .reply();
  const changeId = /`(discord-\d+)`/.exec(reply.content)?.[1];
  expect(changeId, reply.content).toBeTruthy();
  const thread = await discord.driver.waitForThread({ parent: "general", name: new RegExp(`${changeId}\\b`) });
  const progress = await discord.driver.waitForMessage(thread.id, (m) => m.author.bot === true, { includeExisting: true });
  await world.settle();
  const c = world.app.store.changes.byId(changeId!)!;
  expect(c.headSha, `change ${changeId} has a PR`).toBeTruthy();
  await world.check(c.headSha!, "success");
  await world.settle();
  await until(() => customIds(discord.driver.message(progress.id)!).includes(`vote:${changeId}:up`), "the vote buttons");
  return { changeId: changeId!, progressId: progress.id, prNumber: c.prNumber!, headSha: c.headSha! };
}

async function votesStatus(world: World, sha: string): Promise<{ state: string; description: string } | undefined> {
  const combined = (await world.gh.driver.combinedStatus(REPO, sha)) as {
    statuses: { context: string; state: string; description: string }[];
  };
  return combined.statuses.find((x) => x.context === "ouro/votes");
}

const merged = async (world: World, pr: number) => ((await world.gh.driver.pull(REPO, pr)) as Json).merged === true;

describe("votes through the app", () => {
  let s: Setup;
  beforeAll(async () => {
    s = await start({ required: 1, windowSeconds: 3600 });
  });
  afterAll(() => stop(s));

  it("a 👍 pressed in Discord reaches the app, turns `ouro/votes` green and the change merges", async () => {
    const { world, discord } = s;
    const ch = await openChange(s, "alice", "docs: describe the vote buttons");
    // safe, CI green: only the community vote holds it
    expect(world.app.store.changes.byId(ch.changeId)).toMatchObject({ state: "checks", reason: "community votes: 0 of 1" });
    expect(await votesStatus(world, ch.headSha)).toMatchObject({ state: "pending", description: "0 of 1 community votes" });

    const reply = await discord.driver.clickButton({ user: "bob", message: ch.progressId, customId: `vote:${ch.changeId}:up` }).reply();
    expect(reply.content).toBe("Vote recorded: 👍 (now 👍 1 · 👎 0, 1 needed).");
    await world.settle();
    expect(await votesStatus(world, ch.headSha)).toMatchObject({ state: "success", description: "1 of 1 community votes" });
    expect(await merged(world, ch.prNumber)).toBe(true);
    expect(world.app.store.changes.byId(ch.changeId)!.state).toBe("merged");
    expect(world.app.store.audit.of(ch.changeId).find((a) => a.event === "vote")?.detail).toMatchObject({ vote: "up", up: 1, down: 0 });

    // the change is done: a later vote is refused in plain words and not counted
    const late = await world.api("POST", `/changes/${ch.changeId}/votes`, {
      voter: { discordId: "9", name: "vic", roles: [] },
      vote: "down",
    });
    expect(late).toEqual({ status: 409, body: { error: `voting on change ${ch.changeId} is over: it is merged` } });
    expect(world.app.store.votes.count(ch.changeId)).toEqual({ up: 1, down: 0 });
  });

  it("by default a passed vote is no approval: a low-risk change still waits for a reviewer", async () => {
    const { world, discord } = s;
    const ch = await openChange(s, "alice", "plugin: a dice roller");
    expect(world.app.store.changes.byId(ch.changeId)).toMatchObject({ risk: "low", state: "review" });
    await discord.driver.clickButton({ user: "bob", message: ch.progressId, customId: `vote:${ch.changeId}:up` }).reply();
    await world.settle();
    expect(await votesStatus(world, ch.headSha)).toMatchObject({ state: "success" });
    expect(await merged(world, ch.prNumber)).toBe(false);
    expect(world.app.store.changes.byId(ch.changeId)!.reason).toMatch(/^0 of 1 required approvals/);
  });

  it("a vote after the window is refused and not counted; when the window ends `ouro/votes` is settled as failed", async () => {
    const { world, discord } = s;
    const ch = await openChange(s, "admin", "docs: a page nobody voted for");
    world.clock.now += 3600 * 1000; // the window (1 hour from the PR opening) has ended
    const reply = await discord.driver.clickButton({ user: "bob", message: ch.progressId, customId: `vote:${ch.changeId}:up` }).reply();
    expect(reply.content).toMatch(
      new RegExp(
        `^⚠️ voting on change ${ch.changeId} closed at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(1 hour after its pull request opened\\); your vote was not counted$`,
      ),
    );
    expect(world.app.store.votes.count(ch.changeId)).toEqual({ up: 0, down: 0 });
    expect(world.app.store.audit.of(ch.changeId).some((a) => a.event === "vote")).toBe(false);
    expect(await votesStatus(world, ch.headSha)).toMatchObject({ state: "pending" });

    await world.app.reconcile(); // the app's tick notices the window has ended
    await world.settle();
    expect(await votesStatus(world, ch.headSha)).toEqual(
      expect.objectContaining({ state: "failure", description: "voting closed: 0 of 1 community votes, not passed" }),
    );
    expect(world.app.store.changes.byId(ch.changeId)).toMatchObject({
      state: "review",
      reason: "the community vote closed with 0 of 1 votes: a human must decide; waiting for review",
    });
    expect(await merged(world, ch.prNumber)).toBe(false);
    // the progress message in Discord says so and offers no more vote buttons
    const closed = await until(() => {
      const m = discord.driver.message(ch.progressId)!;
      return JSON.stringify(m.embeds).includes("voting closed") && m;
    }, "the closed vote in the progress message");
    expect(customIds(closed).filter((id) => id.startsWith("vote:"))).toEqual([]);
    expect(
      world.app.store.audit
        .of(ch.changeId)
        .filter((a) => a.event === "votes.closed")
        .map((a) => a.detail),
    ).toEqual([{ result: "failed", up: 0, down: 0, required: 1 }]);
  });
});

describe("votes through the app: votes.countsAsApproval", () => {
  let s: Setup;
  beforeAll(async () => {
    // docs are medium here, and medium may automerge: only the vote's standing tells the two changes apart
    s = await start(
      { required: 1, countsAsApproval: true },
      {
        risk: {
          paths: [
            { paths: ["docs/**"], level: "medium" },
            { paths: ["bot/plugins/**"], level: "low" },
          ],
          levels: { medium: { approvals: 1, automerge: true } },
        },
      },
    );
  });
  afterAll(() => stop(s));

  it("at low risk a passed vote stands in for the one approval: merged with no human review", async () => {
    const { world, discord } = s;
    const ch = await openChange(s, "alice", "plugin: a coin flipper");
    expect(world.app.store.changes.byId(ch.changeId)).toMatchObject({ risk: "low", state: "review" });
    expect(await world.gh.driver.reviews(REPO, ch.prNumber)).toEqual([]);
    await discord.driver.clickButton({ user: "bob", message: ch.progressId, customId: `vote:${ch.changeId}:up` }).reply();
    await world.settle();
    expect(await votesStatus(world, ch.headSha)).toMatchObject({ state: "success" });
    expect(await merged(world, ch.prNumber)).toBe(true);
    expect(world.app.store.audit.of(ch.changeId).find((a) => a.event === "merged.auto")?.detail).toMatchObject({ approvals: 1 });
  });

  it("at medium risk it does not: the passed vote leaves the change waiting for a reviewer", async () => {
    const { world, discord } = s;
    const ch = await openChange(s, "admin", "docs: how to read a fortune");
    expect(world.app.store.changes.byId(ch.changeId)).toMatchObject({ risk: "medium", state: "review" });
    await discord.driver.clickButton({ user: "bob", message: ch.progressId, customId: `vote:${ch.changeId}:up` }).reply();
    await world.settle();
    expect(await votesStatus(world, ch.headSha)).toMatchObject({ state: "success" });
    expect(await merged(world, ch.prNumber)).toBe(false);
    expect(world.app.store.changes.byId(ch.changeId)!.reason).toMatch(/^0 of 1 required approvals/);
  });
});

describe("votes in the merge gate", () => {
  const HEAD = "h".repeat(40);
  const gate: GateInput = {
    verdict: { decision: "pass", risk: "low", requiredApprovals: 1, automerge: true },
    reviews: [],
    excluded: ["alice", "ouro[bot]"],
    reviewers: { roles: new Map([["bob", "write"]]), codeOwners: [] },
    headSha: HEAD,
    dismissStale: true,
    checks: "success",
    votes: { required: 2, up: 3, down: 1, countsAsApproval: true },
    stopped: false,
    breakerOpen: false,
    headMatches: true,
  };
  const at = (risk: GateInput["verdict"]["risk"]) => ({ ...gate, verdict: { ...gate.verdict, risk } });

  it("a passed vote is one approval at risk low or safe, only when the policy says so", () => {
    expect(decideMerge(gate)).toEqual({ action: "merge", approvals: 1 });
    expect(decideMerge(at("safe"))).toEqual({ action: "merge", approvals: 1 });
    expect(decideMerge({ ...gate, votes: { ...gate.votes, countsAsApproval: false } })).toMatchObject({ action: "review", missing: 1 });
    expect(decideMerge({ ...gate, votes: { ...gate.votes, down: 2 } })).toMatchObject({ action: "review", approvals: 0 }); // not passed
  });

  it("never at medium risk or above, even where that level may automerge", () => {
    for (const risk of ["medium", "high", "critical"] as const)
      expect(decideMerge(at(risk)), risk).toMatchObject({ action: "review", approvals: 0, missing: 1 });
  });

  it("one approval only: a level that needs two still needs a human, and changes requested still hold it", () => {
    const two = { ...gate, verdict: { ...gate.verdict, requiredApprovals: 2 } };
    expect(decideMerge(two)).toMatchObject({ action: "review", approvals: 1, missing: 1 });
    expect(decideMerge({ ...two, reviews: [{ login: "bob", state: "APPROVED", commitId: HEAD }] })).toEqual({
      action: "merge",
      approvals: 2,
    });
    expect(decideMerge({ ...gate, reviews: [{ login: "bob", state: "CHANGES_REQUESTED", commitId: HEAD }] })).toMatchObject({
      action: "review",
      reason: "changes requested by bob",
    });
  });

  it("an open vote short of its count waits; a closed one hands the change to a human", () => {
    const short = {
      ...gate,
      verdict: { ...gate.verdict, risk: "safe" as const, requiredApprovals: 0 },
      votes: { required: 2, up: 1, down: 0 },
    };
    expect(decideMerge(short)).toEqual({ action: "wait", reason: "community votes: 1 of 2" });
    expect(decideMerge({ ...short, votes: { ...short.votes, closed: true } })).toMatchObject({
      action: "review",
      reason: "the community vote closed with 1 of 2 votes: a human must decide",
    });
    expect(decideMerge({ ...short, votes: { required: 2, up: 2, down: 0, closed: true } })).toEqual({ action: "merge", approvals: 0 });
  });
});
