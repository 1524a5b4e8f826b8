// A real Probot app end to end against the stand-in: signed webhook in (verified by Probot),
// App JWT → installation token, API calls out, state changed on the server.
import { createServer } from "node:http";
import type { Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Probot, createNodeMiddleware } from "probot";
import type { ApplicationFunction } from "probot";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { checkAllDeliveries, cleanup, fixtureDir } from "./helpers.ts";

let gh: GitHubStandIn;
let server: Server;
let app: RegisteredApp;
let fixture: string;
const seen: string[] = [];

const appFn: ApplicationFunction = (probotApp) => {
  probotApp.on("issues.opened", async (context) => {
    seen.push(`issues.opened#${context.id}`);
    const config = (await context.config<{ greeting: string }>("ouro.yml", { greeting: "Thanks!" })) ?? { greeting: "Thanks!" };
    await context.octokit.rest.issues.createComment(context.issue({ body: `${config.greeting} (#${context.payload.issue.number})` }));
    await context.octokit.rest.issues.addLabels(context.issue({ labels: ["triage"] }));
  });
  probotApp.on("pull_request.opened", async (context) => {
    seen.push(`pull_request.opened#${context.id}`);
    await context.octokit.rest.checks.create(
      context.repo({
        name: "ouro/policy",
        head_sha: context.payload.pull_request.head.sha,
        status: "completed" as const,
        conclusion: "success" as const,
        output: { title: "ok", summary: "policy passed" },
      }),
    );
  });
};

beforeAll(async () => {
  fixture = fixtureDir({ "README.md": "# demo\n", ".github/ouro.yml": "greeting: Welcome\n" });
  gh = await startGitHub();
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  // The receiver must exist before the app is registered with its URL: start it on port 0, then point the app at it.
  app = await gh.registerApp({ name: "ouro" });
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  });
  const middleware = await createNodeMiddleware(appFn, { probot });
  server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  gh.setWebhook(app.appId, `http://127.0.0.1:${port}/api/github/webhooks`);
  gh.installApp(app.appId, "acme/bot");
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  cleanup(fixture);
});

it("a human opens an issue → Probot verifies the signed webhook and comments/labels with its installation token", async () => {
  const alice = gh.driver.user("alice");
  const issue = await alice.createIssue("acme/bot", { title: "Feature: dice", body: "please" });
  await gh.deliveries.idle();
  const delivery = gh.deliveries.list({ event: "issues" })[0];
  expect(delivery.status).toBe("OK");
  expect(seen).toContain(`issues.opened#${delivery.guid}`);
  const comments = await gh.driver.comments("acme/bot", issue.number as number);
  expect(comments.map((c) => [(c.user as { login: string }).login, c.body])).toEqual([["ouro[bot]", `Welcome (#${issue.number})`]]);
  const after = await gh.driver.issue("acme/bot", issue.number as number);
  expect((after.labels as { name: string }[]).map((l) => l.name)).toEqual(["triage"]);
  // the bot's own comment produced an issue_comment delivery too
  expect(gh.deliveries.list({ event: "issue_comment" }).length).toBe(1);
});

it("a PR opened over the API → Probot creates a completed check run on its head", async () => {
  const alice = gh.driver.user("alice");
  await alice.request("PUT", "/repos/acme/bot/contents/src/x.ts", {
    message: "x",
    content: Buffer.from("export const x = 1;\n").toString("base64"),
    branch: "main",
  });
  const main = (await gh.driver.branchSha("acme/bot", "main"))!;
  await alice.request("POST", "/repos/acme/bot/git/refs", { ref: "refs/heads/feat", sha: main });
  await alice.request("PUT", "/repos/acme/bot/contents/src/y.ts", {
    message: "y",
    content: Buffer.from("export const y = 1;\n").toString("base64"),
    branch: "feat",
  });
  const pr = await alice.createPull("acme/bot", { title: "Add y", head: "feat", base: "main" });
  await gh.deliveries.idle();
  const runs = await gh.driver.checkRuns("acme/bot", (pr.head as { sha: string }).sha);
  expect(runs.total_count).toBe(1);
  expect((runs.check_runs as { name: string; conclusion: string; app: { slug: string } }[])[0]).toMatchObject({
    name: "ouro/policy",
    conclusion: "success",
    app: { slug: "ouro" },
  });
  expect(gh.deliveries.list().every((d) => d.status === "OK")).toBe(true);
  expect(checkAllDeliveries(gh)).toBeGreaterThan(5);
});
