// Webhook deliveries: GitHub's headers and HMAC signature, retries after receiver failures,
// redelivery with the same GUID, and awaitable idleness.
import { afterAll, beforeAll, expect, it } from "vitest";
import { verify } from "@octokit/webhooks-methods";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { checkAllDeliveries, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

let gh: GitHubStandIn;
let app: RegisteredApp;
let fixture: string;
let failNext = 0;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  fixture = fixtureDir();
  receiver = await startReceiver(() => (failNext-- > 0 ? 500 : 202));
  gh = await startGitHub({ deliveries: { retryDelaysMs: [20, 40] } });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  app = await gh.registerApp({ name: "hooks", webhookUrl: receiver.url, webhookSecret: "s3cret", events: ["issues", "issue_comment"] });
  gh.installApp(app.appId, "acme/bot");
});

afterAll(async () => {
  await gh?.deliveries.idle();
  if (gh) checkAllDeliveries(gh);
  await gh?.close();
  await receiver?.close();
  cleanup(fixture);
});

it("signs deliveries with x-hub-signature-256 and sends GitHub's headers", async () => {
  const issue = await gh.driver.user("alice").createIssue("acme/bot", { title: "hello" });
  await gh.deliveries.idle();
  const got = receiver.received.find((r) => r.event === "issues")!;
  expect(got.payload).toMatchObject({
    action: "opened",
    issue: { number: issue.number },
    installation: { id: expect.any(Number) },
    sender: { login: "alice" },
    repository: { full_name: "acme/bot" },
  });
  expect(await verify("s3cret", got.body, String(got.headers["x-hub-signature-256"]))).toBe(true);
  expect(await verify("wrong", got.body, String(got.headers["x-hub-signature-256"]))).toBe(false);
  expect(got.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
  expect(got.headers["x-github-hook-installation-target-id"]).toBe(String(app.appId));
  expect(got.headers["user-agent"]).toMatch(/^GitHub-Hookshot\//);
  checkAllDeliveries(gh);
});

it("only sends the events the app subscribed to", async () => {
  const before = receiver.received.length;
  await gh.driver
    .user("alice")
    .request("POST", "/repos/acme/bot/git/refs", { ref: "refs/heads/x", sha: await gh.driver.branchSha("acme/bot", "main") });
  await gh.deliveries.idle();
  expect(receiver.received.slice(before).map((r) => r.event)).toEqual([]);
});

it("retries a failed delivery with backoff until it succeeds", async () => {
  failNext = 2;
  const before = receiver.received.length;
  await gh.driver.user("alice").createIssue("acme/bot", { title: "retry me" });
  await gh.deliveries.idle();
  const attempts = receiver.received.slice(before);
  expect(attempts.map((r) => r.event)).toEqual(["issues", "issues", "issues"]);
  expect(new Set(attempts.map((r) => r.headers["x-github-delivery"])).size).toBe(1);
  const rec = gh.deliveries.list({ event: "issues" }).at(-1)!;
  expect(rec).toMatchObject({ status: "OK", attempts: 3, statusCode: 202 });
});

it("gives up after the configured retries and records the failure", async () => {
  failNext = 10;
  await gh.driver.user("alice").createIssue("acme/bot", { title: "fails" });
  await gh.deliveries.idle();
  failNext = 0;
  const rec = gh.deliveries.list({ event: "issues" }).at(-1)!;
  expect(rec).toMatchObject({ status: "failed", attempts: 3, statusCode: 500 });
});

it("retries when the receiver is down (connection refused) and redelivers with the same GUID", async () => {
  const down = await startReceiver();
  const url = down.url;
  await down.close();
  gh.setWebhook(app.appId, url);
  await gh.driver.user("alice").createIssue("acme/bot", { title: "nobody home" });
  await gh.deliveries.idle();
  const failed = gh.deliveries.list({ event: "issues" }).at(-1)!;
  expect(failed.status).toBe("failed");
  expect(failed.lastError).toMatch(/ECONNREFUSED/);
  gh.setWebhook(app.appId, receiver.url);
  const before = receiver.received.length;
  const again = gh.deliveries.redeliver(failed.id);
  await gh.deliveries.idle();
  expect(again.redelivery).toBe(true);
  const got = receiver.received.slice(before);
  expect(got).toHaveLength(1);
  expect(got[0].headers["x-github-delivery"]).toBe(failed.guid);
  expect(gh.deliveries.list().find((d) => d.id === again.id)?.status).toBe("OK");
});

it("exposes deliveries and redelivery over the HTTP driver", async () => {
  const list = (await (await fetch(`${gh.url}/_driver/deliveries`)).json()) as { id: number; guid: string }[];
  expect(list.length).toBeGreaterThan(0);
  const res = await fetch(`${gh.url}/_driver/deliveries/${list[0].id}/redeliver`, { method: "POST" });
  expect(res.status).toBe(202);
  expect(((await res.json()) as { guid: string }).guid).toBe(list[0].guid);
  await fetch(`${gh.url}/_driver/deliveries/idle`, { method: "POST" });
  expect((await fetch(`${gh.url}/_driver/deliveries/999999/redeliver`, { method: "POST" })).status).toBe(404);
});

it("adds `organization` to deliveries for organization-owned repositories", async () => {
  await gh.createRepo({ owner: "ouro-org", name: "site", ownerType: "Organization" });
  gh.installApp(app.appId, "ouro-org/site");
  const before = receiver.received.length;
  await gh.driver.user("alice").createIssue("ouro-org/site", { title: "org issue" });
  await gh.deliveries.idle();
  const got = receiver.received.slice(before).find((r) => r.event === "issues")!;
  expect(got.payload.organization).toMatchObject({ login: "ouro-org" });
  expect((got.payload.repository as { owner: { type: string } }).owner.type).toBe("Organization");
  checkAllDeliveries(gh);
});
