// The App webhook's delivery log over REST, as an app handling failed deliveries uses it
// (App JWT): `GET /app/hook/deliveries` newest first with cursor paging and GitHub's status
// words, one delivery with its request, and `POST …/attempts` redelivering with the same
// GUID. Every response is checked against GitHub's OpenAPI description.
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../../local/github/index.ts";
import { checkAllDeliveries, checkedOctokit, cleanup, fixtureDir, startReceiver } from "./helpers.ts";

let gh: GitHubStandIn;
let app: RegisteredApp;
let other: RegisteredApp;
let fixture: string;
let answer = 200;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

/** An App JWT signed with the App's key, as Probot and @octokit/auth-app make it. */
function jwtFor(a: RegisteredApp): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: String(a.appId), iat: now - 30, exp: now + 540 })}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(readFileSync(a.privateKeyFile, "utf8")).toString("base64url")}`;
}
const asApp = (a: RegisteredApp): Octokit => checkedOctokit(gh, jwtFor(a));

beforeAll(async () => {
  fixture = fixtureDir();
  receiver = await startReceiver(() => answer);
  // No retries of its own: each delivery is one attempt, as on GitHub.
  gh = await startGitHub({ logLevel: "silent", deliveries: { retryDelaysMs: [] } });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  app = await gh.registerApp({ name: "hooks", webhookUrl: receiver.url, events: ["issues"] });
  gh.installApp(app.appId, "acme/bot");
  other = await gh.registerApp({ name: "other", webhookUrl: receiver.url, events: ["issues"] });
  gh.installApp(other.appId, "acme/bot");
});

afterAll(async () => {
  await gh?.deliveries.idle();
  if (gh) checkAllDeliveries(gh);
  await gh?.close();
  await receiver?.close();
  cleanup(fixture);
});

it("lists an App's deliveries newest first, in GitHub's shape and words, paged by cursor", async () => {
  const alice = gh.driver.user("alice");
  await alice.createIssue("acme/bot", { title: "delivered" });
  await gh.deliveries.idle();
  answer = 503;
  await alice.createIssue("acme/bot", { title: "refused" });
  await gh.deliveries.idle();
  answer = 200;
  const down = await startReceiver();
  await down.close();
  gh.setWebhook(app.appId, down.url);
  await alice.createIssue("acme/bot", { title: "nobody home" });
  await gh.deliveries.idle();
  gh.setWebhook(app.appId, receiver.url);

  const octokit = asApp(app);
  const first = await octokit.rest.apps.listWebhookDeliveries({ per_page: 2 });
  expect(first.data).toHaveLength(2);
  expect(first.headers.link).toMatch(/[?&]cursor=v1_\d+.*rel="next"/);
  const all = await octokit.paginate(octokit.rest.apps.listWebhookDeliveries, { per_page: 2 });
  const mine = gh.deliveries.list({ appId: app.appId }).reverse();
  expect(all.map((d) => d.id)).toEqual(mine.map((d) => d.id)); // newest first, nothing of the other App
  expect(all.map((d) => [d.status, d.status_code])).toEqual([
    ["failed to connect to host", 0],
    ["Invalid HTTP Response: 503", 503],
    ["OK", 200],
  ]);
  expect(all[1]).toMatchObject({
    guid: mine[1].guid,
    event: "issues",
    action: "opened",
    redelivery: false,
    installation_id: expect.any(Number),
    repository_id: expect.any(Number),
    delivered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  });
  // `status=failure` is GitHub's 4xx/5xx range: a delivery that never connected is not in it
  const failures = await octokit.rest.apps.listWebhookDeliveries({ status: "failure" });
  expect(failures.data.map((d) => d.status_code)).toEqual([503]);
});

it("shows one delivery with its request, and redelivers a failed one with the same GUID", async () => {
  const octokit = asApp(app);
  const failed = (await octokit.rest.apps.listWebhookDeliveries()).data.find((d) => d.status_code === 503)!;
  const { data: detail } = await octokit.rest.apps.getWebhookDelivery({ delivery_id: failed.id });
  expect(detail.request.headers).toMatchObject({ "x-github-delivery": failed.guid, "x-github-event": "issues" });
  expect(detail.request.payload).toMatchObject({ action: "opened", issue: { title: "refused" } });

  const before = receiver.received.length;
  const accepted = await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: failed.id });
  expect(accepted.status).toBe(202);
  await gh.deliveries.idle();
  expect(receiver.received.slice(before).map((r) => r.headers["x-github-delivery"])).toEqual([failed.guid]);
  const latest = (await octokit.rest.apps.listWebhookDeliveries({ per_page: 1 })).data[0];
  expect(latest).toMatchObject({ guid: failed.guid, redelivery: true, status: "OK", status_code: 200 });
});

it("needs the App's own JWT: another App's delivery is 404, a token is 401", async () => {
  const mine = gh.deliveries.list({ appId: app.appId })[0];
  await expect(asApp(other).rest.apps.getWebhookDelivery({ delivery_id: mine.id })).rejects.toMatchObject({ status: 404 });
  await expect(asApp(other).rest.apps.redeliverWebhookDelivery({ delivery_id: mine.id })).rejects.toMatchObject({ status: 404 });
  const token = gh.driver.tokenFor("alice");
  const res = await fetch(`${gh.apiUrl}/app/hook/deliveries`, { headers: { authorization: `token ${token}` } });
  expect(res.status).toBe(401);
});
