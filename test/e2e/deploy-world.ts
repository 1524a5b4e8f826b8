// The deploy world: the app's test harness (real app on local/github) holding this
// repository's real tree, the real agent for recipe requests (a fixed writer for the
// deliberately crashing change, which no recipe would write), and the deploy hook (polling GitHub Deployments) running real bots on local/discord. Shared by
// test/e2e/deploy-loop.test.ts and bench/deploy.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import { Octokit } from "@octokit/rest";
import { actor, REPO, startWorld, type World } from "../app/harness.ts";
import { agentWriter, type ChangeWriter } from "../../app/writer.ts";
import { verdictFor } from "../../app/policy.ts";
import { branchFor } from "../../contract/change-request.ts";
import type { ChangeRow } from "../../app/store/changes.ts";
import type { DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer, type DeployerOptions } from "../../deploy-hook/deployer.ts";
import { GitHubDeployments } from "../../deploy-hook/github-deployments.ts";
import { botEnv, HELLO_REPLY, ROOT } from "../deploy-hook/fixture.ts";

const run = promisify(execFile);
const GIT_ENV = {
  GIT_AUTHOR_NAME: "Ouro Agent",
  GIT_AUTHOR_EMAIL: "agent@example.com",
  GIT_COMMITTER_NAME: "Ouro Agent",
  GIT_COMMITTER_EMAIL: "agent@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};
const git = async (cwd: string, ...args: string[]) => (await run("git", args, { cwd, env: { ...process.env, ...GIT_ENV } })).stdout.trim();

/** This repository's committed tree (policies/ and .github/ come from the harness). */
export function realTree(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "ouro-e2e-tree-"));
  execFileSync("sh", ["-c", `git -C "${ROOT}" archive HEAD | tar -x -C "${dir}"`]);
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (rel.startsWith("policies") || rel.startsWith(".github")) continue;
      if (statSync(p).isDirectory()) walk(p);
      else files[rel] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  rmSync(dir, { recursive: true, force: true });
  return files;
}

const agent = agentWriter();

/** Recipe requests go to the real agent (no model); "crash" commits a registry that throws at start. */
export const writer: ChangeWriter = async (job) => {
  if (job.request.recipe && !/crash/.test(job.request.text)) return agent(job);
  const { repoDir, baseRef, request } = job;
  const recipe = request.recipe;
  const name = recipe?.kind === "add-command" ? recipe.name : "hello";
  const reply = recipe?.kind === "add-command" && recipe.reply ? recipe.reply : HELLO_REPLY;
  await git(repoDir, "checkout", "-q", "--detach", baseRef);
  const registryPath = join(repoDir, "bot/plugins/index.ts");
  const registry = readFileSync(registryPath, "utf8");
  const put = (p: string, text: string) => {
    mkdirSync(dirname(join(repoDir, p)), { recursive: true });
    writeFileSync(join(repoDir, p), text);
  };
  if (/crash/.test(request.text)) {
    put("bot/plugins/index.ts", `throw new Error("boom at start");\n${registry}`);
  } else {
    put(
      "bot/plugins/hello/index.ts",
      `import { definePlugin } from "../../plugin-api/index.ts";\n\nexport default definePlugin({\n  name: "hello",\n  description: "Says hello",\n  commands: [\n    {\n      name: ${JSON.stringify(name)},\n      description: "Say hello",\n      async run(call) {\n        await call.reply(${JSON.stringify(reply)});\n      },\n    },\n  ],\n});\n`,
    );
    put(
      "bot/plugins/hello/hello.test.ts",
      `import { expect, it } from "vitest";\nimport { runCommand } from "../../plugin-api/testing.ts";\nimport hello from "./index.ts";\n\nit("says hello", async () => expect(await runCommand(hello, ${JSON.stringify(name)})).toEqual([{ kind: "reply", message: ${JSON.stringify(reply)} }]));\n`,
    );
    put(
      "bot/plugins/index.ts",
      registry
        .replace(/(import ping from "\.\/ping\/index\.ts";)/, '$1\nimport hello from "./hello/index.ts";')
        .replace(/\[ping\]/, "[ping, hello]"),
    );
  }
  await git(repoDir, "add", "-A");
  await git(repoDir, "commit", "-q", "-m", `ouro: ${request.text}`);
  const commit = await git(repoDir, "rev-parse", "HEAD");
  return {
    ok: true,
    branch: branchFor(request.id),
    commit,
    title: `Ouro: ${request.text}`,
    body: `## What was asked\n\n${request.text}\n`,
    verdict: verdictFor(repoDir, baseRef, commit, { author: "ouro[bot]", labels: ["ouro"] }),
  };
};

function must(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

export interface DeployWorld {
  w: World;
  deployer: Deployer;
  runner: GitHubDeployments;
  octokit: Octokit;
  tmp: string;
  /** Request → PR → green CI → approved and merged by a human → the app's deployment exists. */
  mergedChange(requestId: string, text: string): Promise<() => ChangeRow>;
  /** CI green → approved and merged by a human → the app's deployment exists. */
  merge(changeId: string): Promise<() => ChangeRow>;
  close(): Promise<void>;
}

export async function startDeployWorld(
  discord: DiscordStandIn,
  extra: Partial<DeployerOptions> = {},
  /** The app URL the bots are given, from the app's own (e.g. a proxy in front of it). */
  botAppUrl: (appUrl: string) => string | Promise<string> = (u) => u,
): Promise<DeployWorld> {
  const w = await startWorld({ files: realTree(), writer, policy: { rateLimits: { maxOpenPrs: 10 } } });
  const tmp = mkdtempSync(join(tmpdir(), "ouro-e2e-deploy-"));
  const token = w.gh.driver.tokenFor("deployer");
  const deployer = new Deployer({
    repo: w.gh.cloneUrl("acme", "bot", token),
    dataDir: join(tmp, "hook"),
    env: { ...botEnv(discord, join(tmp, "bot")), OURO_APP_URL: await botAppUrl(w.app.botLinkUrl), OURO_APP_TOKEN: w.config.appToken },
    depSeeds: [ROOT],
    settleMs: 300,
    watchMs: 1000,
    healthTimeoutMs: 60_000, // bounds a failure only: a crash at start fails by its exit
    handoverMarginMs: 150,
    ...extra,
  });
  const octokit = new Octokit({ auth: token, baseUrl: w.gh.apiUrl });
  const runner = new GitHubDeployments({ octokit, owner: "acme", repo: "bot", deployer });
  const main = (await w.gh.driver.user("deployer").request("GET", `/repos/${REPO}/commits/main`)) as { sha: string };
  const first = await deployer.deploy(main.sha);
  if (first.state !== "success") throw new Error(first.description);
  return {
    w,
    deployer,
    runner,
    octokit,
    tmp,
    async mergedChange(requestId, text) {
      const res = await w.api("POST", "/changes", { id: requestId, requester: actor("800", "lee"), text });
      must(res.status === 201, `POST /changes answered ${res.status}: ${JSON.stringify(res.body)}`);
      await w.settle();
      return merge(String(res.body.changeId));
    },
    merge,
    async close() {
      await runner.stop();
      await deployer.close();
      await w.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  async function merge(id: string): Promise<() => ChangeRow> {
    const change = () => w.app.store.changes.byId(id)!;
    must(!!change().prNumber, `no pull request (state ${change().state}: ${change().reason})`);
    await w.check(change().headSha!, "success");
    await w.settle();
    if (change().state !== "merged") {
      await w.gh.driver.user("dave").approve(REPO, change().prNumber!);
      await w.settle();
    }
    if (change().state !== "merged") {
      await w.gh.driver.user("carol").merge(REPO, change().prNumber!);
      await w.settle();
    }
    must(change().state === "merged" && !!change().deploymentId, `not merged and deploying (state ${change().state}: ${change().reason})`);
    return change;
  }
}
