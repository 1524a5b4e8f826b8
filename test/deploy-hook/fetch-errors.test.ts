// The hook says why it could not fetch a commit — credentials refused, remote unreachable,
// repository not found — in plain words and without the token, against the GitHub stand-in
// with real git; nothing is changed. A deployment that failed that way (or any way) is not
// the end: a NEW deployment of the same sha, made by hand, is deployed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { startGitHub, type GitHubStandIn } from "../../local/github/index.ts";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../../deploy-hook/deployer.ts";
import { GitHubDeployments } from "../../deploy-hook/github-deployments.ts";
import { remoteError } from "../../deploy-hook/release-mirror.ts";
import { botEnv, makeDeployFixture, ROOT, type DeployFixture } from "./fixture.ts";

let gh: GitHubStandIn;
let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let octokit: Octokit;
let goodUrl: string;
const repo = { owner: "alice", repo: "ouro" };
const BAD_TOKEN = "ghs_notavalidtoken0123456789abcdef";
const hooks: Deployer[] = [];

function deployer(url: string, data = "hook"): Deployer {
  const o: DeployerOptions = {
    repo: url,
    dataDir: join(tmp, data),
    env: botEnv(discord, join(tmp, "bot")),
    depSeeds: [ROOT],
    settleMs: 200,
    watchMs: 400,
    healthTimeoutMs: 60_000,
    handoverMarginMs: 100,
  };
  const d = new Deployer(o);
  hooks.push(d);
  return d;
}

const createDeployment = async (ref: string) =>
  (
    await octokit.rest.repos.createDeployment({
      ...repo,
      ref,
      environment: "production",
      auto_merge: false,
      required_contexts: [],
    })
  ).data as { id: number };
const states = async (id: number) =>
  (await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id })).data.map((s) => ({
    state: s.state,
    description: s.description ?? "",
  }));

beforeAll(async () => {
  [gh, discord] = await Promise.all([startGitHub({ logLevel: "silent" }), startDiscord()]);
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-fetch-"));
  await gh.createRepo({ owner: "alice", name: "ouro" });
  const token = gh.driver.tokenFor("alice");
  goodUrl = gh.cloneUrl("alice", "ouro", token);
  await promisify(execFile)("git", ["push", "-q", goodUrl, `${fx.base}:refs/heads/main`, "crash-start:refs/heads/crash-start"], {
    cwd: fx.dir,
  });
  octokit = new Octokit({ auth: token, baseUrl: gh.apiUrl });
}, 180_000);

afterAll(async () => {
  for (const d of hooks) await d.close();
  await Promise.all([gh?.close(), discord?.close()]);
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("fetch failures are said as what they are", () => {
  it("a refused token: 'authentication failed', no token in the status, nothing changed", async () => {
    const d = deployer(gh.cloneUrl("alice", "ouro", BAD_TOKEN), "bad-token");
    const r = await d.deploy(fx.base);
    expect(r.state).toBe("error");
    expect(r.description).toMatch(
      /^cannot fetch [0-9a-f]{7}: authentication failed for http:\/\/\*\*\*@127\.0\.0\.1:\d+\/alice\/ouro\.git/,
    );
    expect(r.description).toMatch(/refused the hook's credentials/);
    expect(r.description).not.toContain(BAD_TOKEN);
    expect(r.description).not.toMatch(/unknown commit/);
    expect(d.status()).toMatchObject({ current: null, releases: [], process: null });
    expect(existsSync(join(tmp, "bad-token", "releases", fx.base))).toBe(false);
  });

  it("no token at all: the same plain words", async () => {
    const r = await deployer(gh.cloneUrl("alice", "ouro"), "no-token").deploy(fx.base);
    expect(r).toMatchObject({ state: "error", description: expect.stringMatching(/authentication failed for http:\/\/127\.0\.0\.1/) });
  });

  it("an unreachable remote: 'cannot reach', without the token", async () => {
    const r = await deployer(`http://x-access-token:${BAD_TOKEN}@127.0.0.1:9/alice/ouro.git`, "unreachable").deploy(fx.base);
    expect(r.state).toBe("error");
    expect(r.description).toMatch(/cannot reach http:\/\/\*\*\*@127\.0\.0\.1:9\/alice\/ouro\.git/);
    expect(r.description).not.toContain(BAD_TOKEN);
  });

  it("a repository that is not there: 'repository not found'", async () => {
    const url = gh.cloneUrl("alice", "nope", gh.driver.tokenFor("alice"));
    const r = await deployer(url, "not-found").deploy(fx.base);
    expect(r).toMatchObject({ state: "error", description: expect.stringMatching(/repository not found at http:\/\/\*\*\*@/) });
    expect(r.description).not.toContain(gh.driver.tokenFor("alice"));
  });

  it("a commit the remote does not have is still 'unknown commit', with the URL's token hidden", async () => {
    const r = await deployer(goodUrl, "unknown").deploy("0".repeat(40));
    expect(r.state).toBe("error");
    expect(r.description).toMatch(/^unknown commit "0{40}": not in http:\/\/\*\*\*@127\.0\.0\.1/);
    expect(r.description).not.toContain(gh.driver.tokenFor("alice"));
  });

  it("git's message is classified without the token even when git echoes it", () => {
    const url = `https://x-access-token:${BAD_TOKEN}@github.com/acme/bot.git`;
    const e = remoteError(url, `remote: Invalid username or token.\nfatal: Authentication failed for '${url}/'`);
    expect(e.kind).toBe("auth");
    expect(e.message).not.toContain(BAD_TOKEN);
    const u = remoteError(url, `fatal: unable to access '${url}/': Could not resolve host: github.com`);
    expect(u.kind).toBe("unreachable");
    expect(u.message).toBe(
      "cannot reach https://***@github.com/acme/bot.git: fatal: unable to access 'https://***@github.com/acme/bot.git/': Could not resolve host: github.com",
    );
  });
});

describe("a new deployment of a sha whose deployment failed is deployed", { timeout: 240_000 }, () => {
  it("refused token → error status; the hook restarted with a good token deploys the deployment made again by hand", async () => {
    const first = await createDeployment("main");
    const bad = new GitHubDeployments({ octokit, ...repo, deployer: deployer(gh.cloneUrl("alice", "ouro", BAD_TOKEN), "retry") });
    await bad.poll();
    const failed = await states(first.id);
    expect(failed.map((s) => s.state)).toEqual(["error", "in_progress"]); // newest first
    expect(failed[0].description).toMatch(/authentication failed/);
    expect(JSON.stringify(failed)).not.toContain(BAD_TOKEN);
    hooks.pop()!.detach();

    const good = new GitHubDeployments({ octokit, ...repo, deployer: deployer(goodUrl, "retry") });
    const again = await createDeployment("main"); // by hand: a new id, the same sha
    await good.poll();
    expect((await states(again.id))[0]).toMatchObject({ state: "success" });
    expect((await states(first.id)).map((s) => s.state)).toEqual(["error", "in_progress"]); // the old one is left as it was
    expect(good.results.get(again.id)).toMatchObject({ state: "success", sha: fx.base });
  });

  it("a deployment that failed the gate: a new deployment of the same sha, by hand, is run again", async () => {
    const runner = new GitHubDeployments({ octokit, ...repo, deployer: hooks[hooks.length - 1] });
    const crash = await createDeployment("crash-start");
    await runner.poll();
    expect((await states(crash.id))[0]).toMatchObject({ state: "failure" });
    const again = await createDeployment("crash-start");
    await runner.poll();
    const s = await states(again.id);
    expect(s.map((x) => x.state)).toContain("in_progress"); // run, not skipped
    expect(s[0]).toMatchObject({ state: "failure", description: expect.stringMatching(/health gate/) });
  });
});
