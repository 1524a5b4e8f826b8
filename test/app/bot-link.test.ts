// The bot's own client (bot/app-link/http-client.ts) against the app's server side: every
// endpoint of the protocol, errors shown as the app's message, the SSE stream and its resume.
// The link has its own listener (loopback by default): the public webhook port never serves it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { HttpAppLink } from "../../bot/app-link/http-client.ts";
import { AppLinkError } from "../../bot/app-link/link.ts";
import type { ProgressEvent } from "../../contract/app-link.ts";
import { actor, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
let link: HttpAppLink;
const admin = actor("1", "ada", ["Ouro Admin", "Ouro Maintainer"]);

beforeAll(async () => {
  w = await startWorld();
  link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN });
});
afterAll(async () => {
  await link?.close();
  await w?.close();
});

it("submit, progress over SSE, changes and status through the bot's client", async () => {
  const seen: ProgressEvent[] = [];
  link.subscribe((e) => seen.push(e));
  await link.connected;
  const r = await link.submitRequest({ id: "discord-77", requester: actor("77", "uma"), text: "docs: through the real client" });
  expect(r.changeId).toBe("discord-77");
  await w.settle();
  expect(seen.map((e) => e.state)).toEqual(expect.arrayContaining(["queued", "working", "pr", "checks"]));
  expect((await link.changes(5))[0]).toMatchObject({ changeId: "discord-77", state: "checks", risk: "safe" });
  expect(await link.status()).toMatchObject({
    health: "ok",
    pendingChanges: 1,
    circuitBreaker: { state: "closed" },
    emergencyStop: { stopped: false },
  });
});

it("stop/resume, votes, rollback refusal and error reports; errors carry the app's message", async () => {
  expect(await link.stop(admin)).toEqual({ stopped: true });
  expect((await link.status()).emergencyStop).toMatchObject({ stopped: true, by: "ada (Discord)" });
  expect(await link.resume(admin)).toEqual({ stopped: false });
  expect(await link.vote("discord-77", actor("5", "vic"), "up")).toEqual({ changeId: "discord-77", votes: { up: 1, down: 0, needed: 0 } });
  const err = await link.rollback("discord-77", admin).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppLinkError);
  expect((err as AppLinkError).message).toMatch(/discord-77 is not merged/);
  await link.reportError({
    fingerprint: "0123456789abcdef",
    plugin: "ping",
    kind: "command",
    name: "ping",
    message: "boom",
    timeout: false,
    count: 1,
    firstSeen: new Date().toISOString(),
  });
  await w.settle();
});

it("a client that resumes with Last-Event-ID gets only what it missed", async () => {
  const last = w.app.store.progress.after(0).at(-1)!.seq;
  const resumed = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN, lastEventId: String(last - 1) });
  const got: ProgressEvent[] = [];
  resumed.subscribe((e) => got.push(e));
  await resumed.connected;
  // The missed event follows the connection; 15 s (not 1 s) only bounds a failure on a loaded machine.
  for (const end = Date.now() + 15_000; got.length === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  await resumed.close();
  expect(got).toHaveLength(1);
  expect(got[0]).toEqual(w.app.store.progress.after(last - 1)[0].event);
});

it("the bot link is not on the public port: /bot/v1 answers 404 there, even with the right token; the link serves nothing else", async () => {
  expect(w.app.botLinkPort).not.toBe(w.app.port);
  expect(new URL(w.app.botLinkUrl).hostname).toBe("127.0.0.1");
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const path of ["/bot/v1", "/bot/v1/status", "/bot/v1/changes", "/bot/v1/events", "/bot/v1/../bot/v1/status"]) {
    const res = await fetch(`${w.app.url}${path}`, { headers: auth });
    expect(res.status, path).toBe(404);
    expect(await res.json()).toEqual({ error: "not found" });
  }
  const post = await fetch(`${w.app.url}/bot/v1/stop`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ by: actor("1", "ada", ["Ouro Admin"]) }),
  });
  expect(post.status).toBe(404);
  expect(w.app.store.values.stop().stopped).toBe(false); // nothing happened
  expect((await fetch(`${w.app.botLinkUrl}/bot/v1/status`, { headers: auth })).status).toBe(200);
  expect((await fetch(`${w.app.url}/healthz`)).status).toBe(200);
  // and the link's listener carries neither webhooks nor anything else
  expect((await fetch(`${w.app.botLinkUrl}${w.config.webhookPath}`, { method: "POST", body: "{}" })).status).toBe(404);
  expect((await fetch(`${w.app.botLinkUrl}/healthz`)).status).toBe(404);
});
