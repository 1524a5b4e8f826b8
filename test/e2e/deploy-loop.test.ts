// The deploy half of the loop end to end, on the stand-ins with the real clients: the real
// app (Probot, via the app's test harness) on local/github holding this repository's real
// tree; /feature add-command on Discord → the bot → the app → PR → CI → a human approves and merges → the app's GitHub
// Deployment → the deploy hook (polling GitHub) starts the merged bot beside the old one →
// the user's new command answers on local/discord. Then a change that passes CI but crashes
// the bot at start: the health gate fails, the old release keeps answering every
// interaction, the failure status makes the app open the revert PR. Then /rollback.
// The add-command change is written by the real agent (recipe, sandboxed checks, base policy).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { ROLLBACK_TASK } from "../../deploy-hook/github-deployments.ts";
import { HELLO_REPLY } from "../deploy-hook/fixture.ts";
import { startDeployWorld, type DeployWorld } from "./deploy-world.ts";
import { REPO } from "../app/harness.ts";

let discord: DiscordStandIn;
let world: DeployWorld;

beforeAll(async () => {
  discord = await startDiscord();
  world = await startDeployWorld(discord);
}, 180_000);

afterAll(async () => {
  await world?.close();
  await discord?.close();
});

const ask = async (name: string) => (await discord.driver.runCommand({ user: "alice", channel: "general", name }).reply()).content;

// Agent, CI, merge and real bot processes in each test: minutes on a loaded machine, not a tight race.
describe("merge → deployment → deploy hook → live", { timeout: 180_000 }, () => {
  it("/feature add-command on Discord → PR → CI → human merge → the app's deployment → the hook → the new command answers", async () => {
    expect(await ask("ping")).toBe("Pong!");
    const h = discord.driver.runCommand({
      user: "alice",
      channel: "general",
      name: "feature",
      subcommand: "add-command",
      options: { name: "hello", description: "Say hello", reply: HELLO_REPLY },
      timeoutMs: 15_000,
    });
    await h.reply();
    await world.w.settle();
    const requested = world.w.app.store.changes.byRequest(`discord-${h.interaction.id}`);
    expect(requested).toBeTruthy();
    const pr = (await world.w.gh.driver.pull(REPO, requested!.prNumber!)) as { body: string };
    expect(pr.body).toContain("## Policy verdict (policy from the base branch)"); // written by the agent
    expect(pr.body).toContain("## Checks run before push (sandboxed)");
    expect(pr.body).toContain("bot/plugins/hello/hello.test.ts");
    const change = await world.merge(requested!.id);
    await world.runner.poll();
    const result = world.runner.results.get(change().deploymentId!);
    expect(result).toMatchObject({ state: "success", sha: change().mergeSha });
    expect(await ask("hello")).toBe(HELLO_REPLY);
    await result!.watch;
    await world.w.settle();
    expect(change().state).toBe("deployed"); // the app read our success status
  });

  it("a change that crashes the bot at start fails the gate: the old release keeps answering, the app opens the revert PR", async () => {
    const change = await world.mergedChange("discord-e2e-2", "crash the bot at start");
    let running = true;
    const replies: Promise<unknown>[] = [];
    const load = (async () => {
      while (running) {
        replies.push(discord.driver.runCommand({ user: "alice", channel: "general", name: "hello", timeoutMs: 6000 }).reply());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await world.runner.poll();
    running = false;
    await load;
    expect(world.runner.results.get(change().deploymentId!)).toMatchObject({
      state: "failure",
      description: expect.stringMatching(/before it was healthy/),
    });
    expect((await Promise.allSettled(replies)).filter((r) => r.status === "rejected")).toEqual([]); // no interaction unanswered
    expect(await ask("hello")).toBe(HELLO_REPLY);
    await world.w.settle();
    const revert = world.w.app.store.changes.byId(`revert-${change().prNumber}`);
    expect(revert).toMatchObject({ kind: "revert", revertOf: change().id });
    expect(revert!.prNumber).toBeTruthy();
  });

  it("/rollback on Discord: the app opens the revert PR; the previous release goes live now and the command disappears", async () => {
    const hello = world.w.app.store.changes.recent(20).find((c) => c.kind === "change" && c.state === "deployed")!;
    discord.driver.createRole({ name: "Ouro Maintainer" });
    discord.driver.addMember({ user: "admin", roles: ["Ouro Maintainer"] });
    const reply = await discord.driver
      .runCommand({ user: "admin", channel: "general", name: "rollback", options: { change: hello.id }, timeoutMs: 25_000 })
      .reply();
    expect(reply.content).toMatch(/Rolling back/);
    await world.w.settle();
    const revert = world.w.app.store.changes.byId(`revert-${hello.prNumber}`)!;
    expect(revert).toMatchObject({ kind: "revert", revertOf: hello.id });
    expect(revert.prUrl).toBeTruthy();
    // The app asked the hook for the previous release with a rollback deployment (the fast path).
    const { data: deployments } = await world.octokit.rest.repos.listDeployments({ owner: "acme", repo: "bot", task: ROLLBACK_TASK });
    expect(deployments).toHaveLength(1);
    await world.runner.poll();
    expect(world.deployer.status().current).not.toBe(hello.mergeSha);
    expect(() => discord.driver.runCommand({ user: "alice", channel: "general", name: "hello" })).toThrow(/no slash command \/hello/);
    expect(await ask("ping")).toBe("Pong!");
  });
});
