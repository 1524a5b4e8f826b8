import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpAppLink } from "../../../bot/app-link/http-client.ts";
import { AppLinkError } from "../../../bot/app-link/link.ts";
import type { ProgressEvent } from "../../../contract/app-link.ts";
import { startFakeApp, type FakeApp } from "../fake-app.ts";

let app: FakeApp;
let link: HttpAppLink;
const ada = { discordId: "1", name: "ada", roles: ["Members"] };

beforeEach(async () => {
  app = await startFakeApp();
  link = new HttpAppLink({ url: app.url, token: app.token });
});
afterEach(async () => {
  await link.close();
  await app.close();
});

describe("HTTP app link", () => {
  it("submits change requests, validated on both sides", async () => {
    const r = await link.submitRequest({
      id: "req-1",
      requester: ada,
      text: "add /dance",
      recipe: { kind: "add-command", name: "dance", description: "Dance", reply: "💃" },
    });
    expect(r).toEqual({ changeId: "chg-1", trackingIssueUrl: "https://github.com/ouro/ouro/issues/101" });
    expect(app.requests[0].recipe).toMatchObject({ kind: "add-command", name: "dance" });
    await expect(
      link.submitRequest({
        id: "r",
        requester: ada,
        text: "x",
        recipe: { kind: "add-command", name: "Bad Name", description: "d", reply: "r" },
      }),
    ).rejects.toThrow(/lowercase/);
    expect(app.requests).toHaveLength(1);
  });

  it("shows the app's own error message, and a clear one when the app is unreachable or the token is wrong", async () => {
    app.failNextSubmit = { status: 409, error: "Ouro is stopped by an admin" };
    await expect(link.submitRequest({ id: "r", requester: ada, text: "x" })).rejects.toThrow("Ouro is stopped by an admin");
    const wrong = new HttpAppLink({ url: app.url, token: "wrong-token-wrong-token" });
    await expect(wrong.status()).rejects.toMatchObject({ status: 401, message: "bad app token" });
    const gone = new HttpAppLink({ url: "http://127.0.0.1:1", token: app.token });
    const err = await gone.status().catch((e) => e);
    expect(err).toBeInstanceOf(AppLinkError);
    expect(err.message).toMatch(/unreachable/);
  });

  it("retries a submit the app answered with a 5xx, with the same request id; 4xx answers are final at once", async () => {
    const warnings: string[] = [];
    const patient = new HttpAppLink({ url: app.url, token: app.token, retryBaseMs: 10, onWarning: (m) => warnings.push(m) });
    app.failNextSubmit = { status: 503, error: "the Ouro app is restarting" };
    const r = await patient.submitRequest({ id: "req-5", requester: ada, text: "add /dance" });
    expect(r.changeId).toBe("chg-1");
    expect(app.requests.map((q) => q.id)).toEqual(["req-5"]); // the 503 stored nothing; the retry did
    expect(warnings).toEqual(["submit: the Ouro app is restarting; trying again in 10 ms"]);
    app.failNextSubmit = { status: 429, error: "slow down" };
    await expect(patient.submitRequest({ id: "req-6", requester: ada, text: "x" })).rejects.toMatchObject({ status: 429 });
    expect(warnings).toHaveLength(1);
    await patient.close();
  });

  it("gives up on an unreachable app when the submit's budget is spent, saying how often it tried", async () => {
    const gone = new HttpAppLink({ url: "http://127.0.0.1:1", token: app.token, deferredRequestTimeoutMs: 300, retryBaseMs: 20 });
    const err = await gone.submitRequest({ id: "req-7", requester: ada, text: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppLinkError);
    expect((err as Error).message).toMatch(/unreachable .*\(tried \d+ times\)$/);
  });

  it("status, changes, rollback, votes, stop/resume and error reports", async () => {
    expect((await link.status()).emergencyStop.stopped).toBe(false);
    await link.submitRequest({ id: "a", requester: ada, text: "first" });
    await link.submitRequest({ id: "b", requester: ada, text: "second" });
    expect((await link.changes(5)).map((c) => c.title)).toEqual(["second", "first"]);
    expect(await link.rollback("chg-1", ada)).toMatchObject({ changeId: "chg-1", revertPrUrl: expect.any(String) });
    await expect(link.rollback("nope", ada)).rejects.toThrow("no change nope");
    expect((await link.vote("chg-2", ada, "up")).votes).toEqual({ up: 1, down: 0, needed: 2 });
    expect(await link.stop(ada)).toEqual({ stopped: true });
    expect((await link.status()).emergencyStop).toMatchObject({ stopped: true, by: "ada" });
    expect(await link.resume(ada)).toEqual({ stopped: false });
    await link.reportError({
      fingerprint: "0123456789abcdef",
      plugin: "p",
      kind: "command",
      name: "Error",
      message: "boom",
      timeout: false,
      count: 1,
      firstSeen: new Date().toISOString(),
    });
    expect(app.errors[0].plugin).toBe("p");
  });

  it("receives progress over SSE and resumes after a dropped stream without losing events", async () => {
    const seen: ProgressEvent[] = [];
    const seqs: (number | undefined)[] = [];
    link.subscribe((e, seq) => {
      seen.push(e);
      seqs.push(seq);
    });
    await app.streamClients(1);
    app.emit({ changeId: "chg-1", state: "queued" });
    app.emit({
      changeId: "chg-1",
      state: "pr",
      prUrl: "https://github.com/ouro/ouro/pull/5",
      risk: "low",
      votes: { up: 0, down: 0, needed: 2 },
    });
    await until(() => seen.length === 2);
    app.dropStreams();
    app.emit({ changeId: "chg-1", state: "checks" }); // while disconnected
    await app.streamClients(1);
    app.emit({ changeId: "chg-1", state: "merged" });
    await until(() => seen.length === 4);
    expect(seen.map((e) => e.state)).toEqual(["queued", "pr", "checks", "merged"]);
    expect(seqs).toEqual([1, 2, 3, 4]); // each with its place in the stream (the SSE id)
    expect(seen[1]).toMatchObject({ prUrl: "https://github.com/ouro/ouro/pull/5", votes: { needed: 2 } });
  });
});

/** Polls until `cond` holds; the budget only bounds a failure. */
async function until(cond: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
