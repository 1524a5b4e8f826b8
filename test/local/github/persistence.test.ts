// State survives a restart on the same data directory: repositories, issues, PRs, tokens,
// apps (their JWTs still verify) and the delivery log.
import { readFileSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { Probot } from "probot";
import { startGitHub } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, git, tempDir } from "./helpers.ts";

const dataDir = tempDir("ouro-gh-data-");
const work = tempDir();
const fixture = fixtureDir();

afterAll(() => cleanup(dataDir, work, fixture));

it("keeps repositories, issues, pull requests, tokens, apps and deliveries across a restart", async () => {
  const first = await startGitHub({ dataDir });
  await first.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  const app = await first.registerApp({ name: "keeper", webhookUrl: "http://127.0.0.1:9/unreachable" });
  const inst = first.installApp(app.appId, "acme/bot");
  const token = first.driver.tokenFor("alice");
  const o1 = checkedOctokit(first, token);
  const { data: issue } = await o1.issues.create({ owner: "acme", repo: "bot", title: "persist me", labels: ["keep"] });
  const main = (await first.driver.branchSha("acme/bot", "main"))!;
  await o1.git.createRef({ owner: "acme", repo: "bot", ref: "refs/heads/feat", sha: main });
  await o1.repos.createOrUpdateFileContents({ owner: "acme", repo: "bot", path: "f.txt", message: "f", content: "Zgo=", branch: "feat" });
  const { data: pr } = await o1.pulls.create({ owner: "acme", repo: "bot", title: "persisted PR", head: "feat", base: "main" });
  const deliveries = first.deliveries.list().length;
  await first.close();

  const second = await startGitHub({ dataDir });
  try {
    expect(second.url).not.toBe("");
    const o2 = checkedOctokit(second, token);
    expect((await o2.issues.get({ owner: "acme", repo: "bot", issue_number: issue.number })).data).toMatchObject({
      title: "persist me",
      labels: [{ name: "keep" }],
    });
    const { data: pr2 } = await o2.pulls.get({ owner: "acme", repo: "bot", pull_number: pr.number });
    expect(pr2).toMatchObject({ title: "persisted PR", mergeable: true, head: { sha: pr.head.sha } });
    // the next number continues after the PR
    expect((await o2.issues.create({ owner: "acme", repo: "bot", title: "next" })).data.number).toBe(pr.number + 1);
    // the App's key (from its key file) still signs valid JWTs
    const key = readFileSync(app.privateKeyFile, "utf8");
    const probot = new Probot({ appId: app.appId, privateKey: key, secret: app.webhookSecret, baseUrl: second.apiUrl, logLevel: "warn" });
    const { data: tok } = await (await probot.auth()).rest.apps.createInstallationAccessToken({ installation_id: inst });
    expect(tok.token).toMatch(/^ghs_/);
    // and git still serves the repository
    await git(work, "clone", "-q", second.cloneUrl("acme", "bot", tok.token), `${work}/c`);
    expect(await git(`${work}/c`, "ls-remote", "origin", "refs/heads/feat")).toContain(pr.head.sha);
    expect(second.deliveries.list().length).toBeGreaterThanOrEqual(deliveries);
    expect(checkAllDeliveries(second)).toBeGreaterThan(0);
  } finally {
    await second.close();
  }
});

it("refuses a damaged state file with a clear error instead of starting half-loaded", async () => {
  const dir = tempDir("ouro-gh-bad-state-");
  try {
    (await import("node:fs")).writeFileSync(`${dir}/state.json`, "{ not json");
    await expect(startGitHub({ dataDir: dir })).rejects.toThrow(/state file .* is not valid JSON/);
    (await import("node:fs")).writeFileSync(`${dir}/state.json`, JSON.stringify({ version: 7 }));
    await expect(startGitHub({ dataDir: dir })).rejects.toThrow(/not a version 1 state/);
  } finally {
    cleanup(dir);
  }
});

it("reports a busy port as an error", async () => {
  const a = await startGitHub();
  try {
    await expect(startGitHub({ port: Number(new URL(a.url).port) })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await a.close();
  }
});
