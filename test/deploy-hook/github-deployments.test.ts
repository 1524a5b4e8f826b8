// GitHub Deployments on local/github drive the hook; its statuses land on GitHub — a crash
// loop's too, after a restart of the hook.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { startGitHub, type GitHubStandIn } from "../../local/github/index.ts";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../../deploy-hook/deployer.ts";
import { fitDescription, GitHubDeployments, ROLLBACK_TASK } from "../../deploy-hook/github-deployments.ts";
import { botEnv, HELLO_REPLY, makeDeployFixture, ROOT, type DeployFixture } from "./fixture.ts";
import { killLive } from "./live-release.ts";

let gh: GitHubStandIn;
let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let deployer: Deployer;
let runner: GitHubDeployments;
let octokit: Octokit;
let url: string;
const repo = { owner: "alice", repo: "ouro" };
/** The deployment that put fx.base live. */
let baseDeployment: number;

function options(): DeployerOptions {
  return {
    repo: url,
    dataDir: join(tmp, "hook"),
    env: botEnv(discord, join(tmp, "bot")),
    depSeeds: [ROOT],
    settleMs: 200,
    watchMs: 400,
    healthTimeoutMs: 60_000, // bounds a failure only: a bot that starts answers as soon as it is up
    handoverMarginMs: 100,
  };
}

beforeAll(async () => {
  [gh, discord] = await Promise.all([startGitHub({ logLevel: "silent" }), startDiscord()]);
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-gh-"));
  await gh.createRepo({ owner: "alice", name: "ouro" });
  const token = gh.driver.tokenFor("alice");
  url = gh.cloneUrl("alice", "ouro", token);
  // async: the GitHub stand-in answers the push from this same event loop
  await promisify(execFile)(
    "git",
    ["push", "-q", url, `${fx.base}:refs/heads/main`, "hello:refs/heads/hello", "crash-start:refs/heads/crash-start"],
    { cwd: fx.dir },
  );
  octokit = new Octokit({ auth: token, baseUrl: gh.apiUrl });
  deployer = new Deployer(options());
  runner = new GitHubDeployments({ octokit, ...repo, deployer });
}, 180_000);

afterAll(async () => {
  await runner?.stop();
  await deployer?.close();
  await Promise.all([gh?.close(), discord?.close()]);
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const createDeployment = async (ref: string, task = "deploy") =>
  (
    await octokit.rest.repos.createDeployment({
      ...repo,
      ref,
      task,
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      payload: { changeId: `c-${ref}` },
    })
  ).data as { id: number };
const states = async (id: number) =>
  (await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id })).data.map((s) => s.state).reverse();
/** The statuses' descriptions, for a failure message that says why. */
const why = async (id: number) =>
  (await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id })).data
    .map((s) => `${s.state}: ${s.description}`)
    .join("; ");
const ask = async (name: string) => (await discord.driver.runCommand({ user: "alice", channel: "general", name }).reply()).content;

// Each test starts real bot processes: minutes on a loaded machine, not a tight race.
describe("GitHubDeployments", { timeout: 180_000 }, () => {
  it("runs pending deployments, superseding older ones, and reports statuses on GitHub", async () => {
    const older = await createDeployment("main");
    const newer = await createDeployment(fx.base);
    await runner.poll();
    expect(await states(older.id)).toEqual(["inactive"]);
    expect(await states(newer.id)).toEqual(["in_progress", "in_progress", "success"]);
    baseDeployment = newer.id;
    await runner.results.get(newer.id)!.watch;
    expect(await ask("ping")).toBe("Pong!");
    await runner.poll(); // nothing new: nothing happens
    expect(await states(newer.id)).toHaveLength(3);
    // The clone URL's token is not left on disk where bot processes could read it.
    for (const f of ["config", "FETCH_HEAD"])
      expect(readFileSync(join(tmp, "hook", "repo.git", f), "utf8")).not.toContain(gh.driver.tokenFor("alice"));
  });

  it("a release that crashes at start gets a failure status naming the reason; the live one keeps serving", async () => {
    const d = await createDeployment("crash-start");
    await runner.poll();
    expect(await states(d.id)).toEqual(["in_progress", "in_progress", "failure"]);
    const { data } = await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: d.id, per_page: 1 });
    expect(data[0].description).toMatch(/exited .* before it was healthy/);
    expect(await ask("ping")).toBe("Pong!");
  });

  it("a deployment with the ouro:rollback task puts the previous release back at once", async () => {
    const d = await createDeployment("hello");
    await runner.handle((await octokit.rest.repos.getDeployment({ ...repo, deployment_id: d.id })).data);
    expect(await ask("hello")).toBe(HELLO_REPLY);
    const back = await createDeployment("hello", ROLLBACK_TASK);
    await runner.poll();
    expect(await states(back.id), await why(back.id)).toEqual(["in_progress", "success"]);
    expect(deployer.status().current).toBe(fx.base);
    expect(await ask("ping")).toBe("Pong!");
  });

  it("a hook restarted later reports the live release's crash loop on the deployment that put it live", async () => {
    // base is live again (rolled back to); the deployment that put it live is stored with it.
    expect(deployer.status()).toMatchObject({ current: fx.base });
    expect(deployer.status().releases.find((r) => r.sha === fx.base)?.deploymentId).toBe(baseDeployment);
    await runner.stop();
    deployer.detach();
    // As deploy-hook/main.ts serve wires it. A long window: a death right after a restart is inside it.
    deployer = new Deployer({ ...options(), crashLoopMs: 120_000, deploymentHooks: (id) => runner.statusHooks(id) });
    runner = new GitHubDeployments({ octokit, ...repo, deployer });
    await deployer.resume();
    const before = await states(baseDeployment);
    expect((await killLive(deployer)).sha).toBe(fx.base); // the first death: restarted
    expect(await states(baseDeployment)).toEqual(before);
    // Dying again is a crash loop; hello was rolled back (failed), so there is nothing to roll back to.
    expect((await killLive(deployer)).sha).toBe(fx.base);
    expect(await states(baseDeployment), await why(baseDeployment)).toEqual([...before, "failure"]);
    const { data } = await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: baseDeployment, per_page: 1 });
    // Cut in the middle to GitHub's 140 characters: what went wrong, and how it ended.
    expect(data[0].description).toMatch(/^crash loop: died again .*nothing is serving \(restarting it with backoff\)$/);
    expect(data[0].description!.length).toBeLessThanOrEqual(140);
    expect(await ask("ping")).toBe("Pong!");
  });
});

describe("fitDescription", () => {
  it("keeps a short description and cuts a long one in the middle to 140 characters", () => {
    expect(fitDescription("rolled back")).toBe("rolled back");
    const long = `${"a".repeat(100)}; ${"b".repeat(100)}; nothing is serving`;
    const cut = fitDescription(long);
    expect(cut).toHaveLength(140);
    expect(cut).toMatch(/^a{70}…b+; nothing is serving$/);
  });
});
