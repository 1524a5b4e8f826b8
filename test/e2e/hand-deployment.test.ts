// A deployment the hook could not run is not the end: a maintainer creates it again by
// hand, the real deploy hook runs the new one, and the real app (test/app/harness.ts) acts
// on its statuses as the change's — matched by the commit, audited, each effect once.
// The first deployment fails for a reason that is not the change's: a hook whose git token
// is refused (its error status says so, without the token).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer } from "../../deploy-hook/deployer.ts";
import { GitHubDeployments } from "../../deploy-hook/github-deployments.ts";
import { HELLO_REPLY } from "../deploy-hook/fixture.ts";
import { REPO } from "../app/harness.ts";
import { startDeployWorld, type DeployWorld } from "./deploy-world.ts";

const BAD_TOKEN = "ghs_refusedtoken0123456789abcdefgh";
let discord: DiscordStandIn;
let world: DeployWorld;
/** The change of the first test. */
let changeId = "";

beforeAll(async () => {
  discord = await startDiscord();
  world = await startDeployWorld(discord);
}, 240_000);

afterAll(async () => {
  await world?.close();
  await discord?.close();
});

const events = (id: string, event: string) => world.w.app.store.audit.of(id).filter((a) => a.event === event);

describe("a deployment created again by hand", { timeout: 240_000 }, () => {
  it("after the hook's error: the new deployment is run by the hook, and the app marks the change deployed, once", async () => {
    const change = await world.mergedChange("hand-1", "add a hello command");
    const own = change().deploymentId!;
    changeId = change().id;
    // A hook whose token GitHub refuses takes the app's deployment: an error status, nothing deployed.
    const refused = new Deployer({ repo: world.w.gh.cloneUrl("acme", "bot", BAD_TOKEN), dataDir: join(world.tmp, "refused"), env: {} });
    const badHook = new GitHubDeployments({ octokit: world.octokit, owner: "acme", repo: "bot", deployer: refused });
    await badHook.poll();
    await world.w.settle();
    expect(change().state).toBe("merged");
    expect(change().reason).toMatch(/not deployed: .*authentication failed for http:\/\/\*\*\*@/);
    expect(change().reason).not.toContain(BAD_TOKEN);
    await badHook.stop();
    refused.detach();

    // A maintainer creates the deployment again, by hand (a new id, the same commit).
    const made = (await world.w.gh.driver.user("carol").request("POST", `/repos/${REPO}/deployments`, {
      ref: change().mergeSha,
      environment: "production",
      auto_merge: false,
      required_contexts: [],
    })) as { id: number };
    expect(made.id).toBeGreaterThan(own);
    await world.runner.poll(); // the real hook, with a good token
    expect(world.runner.results.get(made.id)).toMatchObject({ state: "success", sha: change().mergeSha });
    await world.runner.results.get(made.id)!.watch;
    await world.w.settle();
    expect(change()).toMatchObject({ state: "deployed", deploymentId: made.id });
    expect(events(change().id, "deployment.adopted")).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ id: made.id, previous: own, by: "carol" }) }),
    ]);
    expect((await discord.driver.runCommand({ user: "alice", channel: "general", name: "hello" }).reply()).content).toBe(HELLO_REPLY);

    // Reconcile (and any redelivery) brings the same statuses again: nothing happens twice.
    const before = world.w.app.store.audit.of(change().id).length;
    await world.w.app.reconcile();
    await world.w.settle();
    expect(world.w.app.store.audit.of(change().id)).toHaveLength(before);
    expect(events(change().id, "deployment.status").filter((a) => (a.detail as { state?: string }).state === "success")).toHaveLength(1);
  });

  it("a deployment of the same commit to another environment is not adopted", async () => {
    const c = world.w.app.store.changes.byId(changeId)!;
    const adopted = events(c.id, "deployment.adopted").length;
    const again = (await world.w.gh.driver.user("carol").request("POST", `/repos/${REPO}/deployments`, {
      ref: c.mergeSha,
      environment: "staging",
      auto_merge: false,
      required_contexts: [],
    })) as { id: number };
    await world.w.gh.driver
      .user("deployer")
      .request("POST", `/repos/${REPO}/deployments/${again.id}/statuses`, { state: "success", description: "elsewhere" });
    await world.w.settle();
    expect(world.w.app.store.changes.byId(c.id)!.deploymentId).not.toBe(again.id); // another environment: not ours
    expect(events(c.id, "deployment.adopted")).toHaveLength(adopted);
  });
});
