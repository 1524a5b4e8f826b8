// Who hears check_run/check_suite events, as on GitHub: created/completed reach every installed
// App with the checks permission (also for runs other Apps created); requested_action and
// rerequested reach only the App that created the run. Webhooks are contract-checked.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let gh: GitHubStandIn;
let fixture: string;
let sha: string;
let appA: RegisteredApp;
let appB: RegisteredApp;
let octoA: Octokit;
let octoB: Octokit; // checks: read only
const rx: Record<"a" | "b" | "noChecks" | "noSub", Receiver> = {} as never;
const repo = { owner: "acme", repo: "bot" };

async function tokenOf(gh: GitHubStandIn, app: RegisteredApp, inst: number): Promise<Octokit> {
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  });
  const { data } = await (await probot.auth()).rest.apps.createInstallationAccessToken({ installation_id: inst });
  return checkedOctokit(gh, data.token);
}

/** "event.action" of the check events a receiver got, in order. */
function checkEvents(r: Receiver): string[] {
  return r.received
    .filter((x) => x.event === "check_run" || x.event === "check_suite")
    .map((x) => `${x.event}.${String(x.payload.action)}`);
}

beforeAll(async () => {
  fixture = fixtureDir();
  for (const k of ["a", "b", "noChecks", "noSub"] as const) rx[k] = await startReceiver();
  gh = await startGitHub();
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  appA = await gh.registerApp({ name: "ci-app", webhookUrl: rx.a.url });
  appB = await gh.registerApp({
    name: "ouro-gate",
    webhookUrl: rx.b.url,
    permissions: { checks: "read", contents: "read", metadata: "read" },
  });
  const noChecks = await gh.registerApp({
    name: "no-checks",
    webhookUrl: rx.noChecks.url,
    permissions: { contents: "read", metadata: "read" },
  });
  const noSub = await gh.registerApp({ name: "no-sub", webhookUrl: rx.noSub.url, events: ["push"] });
  octoA = await tokenOf(gh, appA, gh.installApp(appA.appId, "acme/bot"));
  octoB = await tokenOf(gh, appB, gh.installApp(appB.appId, "acme/bot"));
  gh.installApp(noChecks.appId, "acme/bot");
  gh.installApp(noSub.appId, "acme/bot");
  sha = (await gh.driver.branchSha("acme/bot", "main"))!;
});

afterAll(async () => {
  await gh?.deliveries.idle();
  await gh?.close();
  for (const r of Object.values(rx)) await r?.close();
  cleanup(fixture);
});

it("app B receives app A's created/completed check run and suite, but not A's requested_action or rerequested", async () => {
  const { data: run } = await octoA.checks.create({
    ...repo,
    name: "tests",
    head_sha: sha,
    status: "in_progress",
    actions: [{ label: "Fix it", description: "Apply the suggested fix", identifier: "fix" }],
  });
  await octoA.checks.update({ ...repo, check_run_id: run.id, conclusion: "success" });
  gh.driver.requestCheckRunAction("acme/bot", run.id, "fix", "alice");
  // re-running needs checks: write, which B (read) lacks
  await expect(octoB.checks.rerequestRun({ ...repo, check_run_id: run.id })).rejects.toMatchObject({ status: 403 });
  expect((await octoA.checks.rerequestRun({ ...repo, check_run_id: run.id })).status).toBe(201);
  await gh.deliveries.idle();

  expect(checkEvents(rx.a)).toEqual([
    "check_run.created",
    "check_run.completed",
    "check_suite.completed",
    "check_run.requested_action",
    "check_run.rerequested",
  ]);
  expect(checkEvents(rx.b)).toEqual(["check_run.created", "check_run.completed", "check_suite.completed"]);
  const completed = rx.b.received.find((x) => x.event === "check_run" && x.payload.action === "completed")!;
  // B hears it through its own installation, and the run still names A as its App
  const instB = gh.deliveries.list({ appId: appB.appId }).find((d) => d.event === "check_run")!.installationId;
  expect(completed.payload).toMatchObject({
    installation: { id: instB },
    check_run: { id: run.id, head_sha: sha, conclusion: "success", app: { id: appA.appId } },
  });
  const clicked = rx.a.received.find((x) => x.payload.action === "requested_action")!;
  expect(clicked.payload).toMatchObject({ requested_action: { identifier: "fix" }, sender: { login: "alice" }, check_run: { id: run.id } });
  // no checks permission, or not subscribed to check events: nothing
  expect(checkEvents(rx.noChecks)).toEqual([]);
  expect(checkEvents(rx.noSub)).toEqual([]);
  expect(checkAllDeliveries(gh)).toBeGreaterThan(0);
});

it("a click on an action the run does not offer, or on an unknown run, is refused and sends nothing", async () => {
  const { data: run } = await octoA.checks.create({ ...repo, name: "lint", head_sha: sha, status: "queued" });
  await gh.deliveries.idle();
  const before = gh.deliveries.list().length;
  expect(() => gh.driver.requestCheckRunAction("acme/bot", run.id, "fix", "alice")).toThrow(/no action "fix"/);
  expect(() => gh.driver.requestCheckRunAction("acme/bot", 999_999, "fix", "alice")).toThrow(/Not Found/);
  gh.driver.setPermission("acme/bot", "reader", "read");
  expect(() => gh.driver.requestCheckRunAction("acme/bot", run.id, "fix", "reader")).toThrow(/push access/);
  await expect(
    octoA.checks.update({ ...repo, check_run_id: run.id, actions: [{ label: "x".repeat(21), description: "d", identifier: "i" }] }),
  ).rejects.toMatchObject({ status: 422 });
  await gh.deliveries.idle();
  expect(gh.deliveries.list().length).toBe(before);
});
