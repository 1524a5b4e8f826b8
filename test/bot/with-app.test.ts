// The bot against the REAL Ouro app (app/, on the GitHub stand-in) instead of the fake:
// a /feature request from Discord becomes a tracking issue and a pull request, and the
// thread's progress message follows it (PR link, then merged and deployed) from the app's stream.
// A second request for the same thing joins the first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscordStandIn } from "../../local/discord/index.ts";
import type { Bot } from "../../bot/create-bot.ts";
import { REPO, type World } from "../app/harness.ts";
import { startBotWithApp, type BotWithApp } from "./app-world.ts";
import { until } from "./harness.ts";

let world: World;
let discord: DiscordStandIn;
let bot: Bot;
let setup: BotWithApp | undefined;

beforeAll(async () => {
  setup = await startBotWithApp();
  ({ world, discord, bot } = setup);
});
afterAll(async () => {
  await setup?.close();
});

describe("the bot with the real app", () => {
  it("/feature → tracking issue and PR on GitHub → PR link, then deployed, in the Discord thread", async () => {
    const reply = await discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "request",
        options: { text: "docs: describe the dice command" },
      })
      .reply();
    const changeId = /`(discord-\d+)`/.exec(reply.content)?.[1];
    expect(changeId, reply.content).toBeTruthy();
    expect(reply.content).toMatch(/Tracking issue: <http:\/\/[^>]+\/acme\/bot\/issues\/\d+>/);
    const thread = await discord.driver.waitForThread({ parent: "general", name: new RegExp(changeId!) });
    const progress = await discord.driver.waitForMessage(thread.id, (m) => m.author.bot === true, { includeExisting: true });
    await world.settle();
    const pulls = (await world.gh.driver.pulls(REPO, "open")) as { html_url: string; head: { ref: string } }[];
    expect(pulls.map((p) => p.head.ref)).toEqual([`ouro/${changeId}`]);
    const edited = await until(
      () => {
        const m = discord.driver.message(progress.id)!;
        const links = ((m.components ?? []) as { components: { url?: string; label?: string }[] }[]).flatMap((r) => r.components);
        return links.some((b) => b.label === "Pull request" && b.url === pulls[0].html_url) && m;
      },
      "the PR link button",
      10_000,
    );
    expect(JSON.stringify(edited.embeds)).toContain(`Change ${changeId}`);

    // CI passes → the policy automerges a safe change → the deploy hook reports success.
    const pr = (await world.gh.driver.pulls(REPO, "open"))[0] as { head: { sha: string } };
    await world.check(pr.head.sha, "success");
    await world.settle();
    const deploymentId = world.app.store.changes.byId(changeId!)!.deploymentId;
    expect(deploymentId).toBeTruthy();
    await world.gh.driver
      .user("deployer")
      .request("POST", `/repos/${REPO}/deployments/${deploymentId}/statuses`, { state: "success", description: "healthy" });
    await world.settle();
    const deployed = await until(
      () => {
        const m = discord.driver.message(progress.id)!;
        return (m.embeds?.[0] as { color?: number } | undefined)?.color === 0x2ecc71 && m; // green: deployed
      },
      "the deployed state in the thread",
      10_000,
    );
    expect(JSON.stringify(deployed.embeds)).not.toContain("⏳");
  });

  it("/changes and /status read the app", async () => {
    const changes = await discord.driver.runCommand({ user: "alice", channel: "general", name: "changes" }).reply();
    expect(changes.content).toMatch(/`discord-\d+` \*\*deployed\*\*/);
    const status = await discord.driver.runCommand({ user: "alice", channel: "general", name: "status" }).reply();
    const text = JSON.stringify(status.embeds);
    expect(text).toContain("Circuit breaker");
    expect(text).toContain("progress stream connected");
    expect(text).not.toContain("unreachable");
  });

  it("the app checks roles again with its own policy, and the bot shows its refusal", async () => {
    // The bot's mapping lets the stand-in's "admin" roll back; the app's policy (defaults:
    // only "Ouro Maintainer") does not — the app decides, nothing is rolled back.
    const changes = await discord.driver.runCommand({ user: "alice", channel: "general", name: "changes" }).reply();
    const changeId = /`(discord-\d+)`/.exec(changes.content)![1];
    const reply = await discord.driver
      .runCommand({ user: "admin", channel: "general", name: "rollback", options: { change: changeId } })
      .reply();
    expect(reply.content).toBe("⚠️ you do not have a role that may roll back changes");
  });
});

// A second /feature asking for the same recipe joins the change already open: the app answers
// with that change (`joined`), and the bot points the second requester at the first thread's
// progress message instead of opening another thread (which would take its updates away).
describe("the same request twice", () => {
  const trackingIssues = async () =>
    ((await world.gh.driver.issues(REPO, "all")) as { body: string; pull_request?: unknown }[]).filter(
      (i) => !i.pull_request && i.body.includes("ouro:change:"),
    ).length;

  it("a second /feature for the same recipe joins the open change and links its progress message; one thread, one issue", async () => {
    const issuesBefore = await trackingIssues();
    const hello = { name: "hello", description: "Says hello", reply: "Hello!" };
    const feature = (user: string) =>
      discord.driver.runCommand({ user, channel: "general", name: "feature", subcommand: "add-command", options: hello }).reply();
    const first = await feature("alice");
    const changeId = /`(discord-\d+)`/.exec(first.content)?.[1];
    expect(changeId, first.content).toBeTruthy();
    const thread = await discord.driver.waitForThread({ parent: "general", name: new RegExp(changeId!) });
    const progress = await discord.driver.waitForMessage(thread.id, (m) => m.author.bot === true, { includeExisting: true });
    await until(() => bot.context.memory.progressMessage(changeId!), "the first request's progress message registered");

    const second = await feature("bob");
    expect(second.content).toContain(`this asks for the same as change \`${changeId}\``);
    expect(second.content).toContain(`https://discord.com/channels/${discord.guild.id}/${thread.id}/${progress.id}`);
    expect(second.content).toMatch(/Tracking issue: <http:\/\/[^>]+\/acme\/bot\/issues\/\d+>/);
    await world.settle();
    expect(discord.driver.threads("general").filter((t) => t.name?.includes(changeId!))).toHaveLength(1);
    expect(await trackingIssues()).toBe(issuesBefore + 1);
  });
});
