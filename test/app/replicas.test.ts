// Two app replicas on one PostgreSQL database (a real server: test/helpers/postgres.ts), the
// real app against the GitHub stand-in. Requests made through one replica are written once
// each, by both replicas at once; a replica that dies mid-write has its change taken over by the other;
// a webhook delivery sent to both at once is handled once; a stop set on one holds the other;
// and a bot streaming from one replica sees the progress the other made, in order.
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { ChangeState } from "../../app/lifecycle/states.ts";
import { changeMarker } from "../../app/github/markers.ts";
import { startApp } from "../../app/start.ts";
import type { RunningApp } from "../../app/start.ts";
import type { ChangeWriter } from "../../app/writer.ts";
import { freshSchema, postgresDatabase } from "../helpers/postgres.ts";
import { actor, fixedWriter, REPO, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";

vi.setConfig({ testTimeout: 240_000 }); // two whole apps in one process on a busy machine: slow, never stuck

/** Every write job, by replica, in the order they began. */
const calls: { replica: string; id: string }[] = [];
const called = new EventEmitter();
/** While set, write jobs wait for it; `never` keeps them waiting (a replica killed mid-write). */
let hold: Promise<void> | null = null;
const never = new Promise<void>(() => undefined);

const writerOf =
  (replica: string): ChangeWriter =>
  async (job) => {
    calls.push({ replica, id: job.request.id });
    called.emit("call");
    const h = hold;
    if (h) await (h === never && replica === "A" ? Promise.resolve() : h);
    return fixedWriter(job);
  };

const untilCalls = (n: number) =>
  new Promise<void>((resolve) => {
    const check = () => {
      if (calls.length < n) return;
      called.off("call", check);
      resolve();
    };
    called.on("call", check);
    check();
  });

/** Resolves once `app` knows change `id` is in one of `states` (told by the progress feed). */
const untilState = (app: RunningApp, id: string, states: ChangeState[]) =>
  new Promise<void>((resolve) => {
    const reached = () => states.includes(app.store.changes.byId(id)?.state as ChangeState);
    if (reached()) return resolve();
    const off = app.context.events.on("progress-feed", ({ event }) => {
      if (event.changeId === id && reached()) {
        off();
        resolve();
      }
    });
  });

let w: World;
let b: RunningApp;
let dataDirB: string;
const replicas = { takeoverMs: 300, followMs: 100 };

async function startB(): Promise<RunningApp> {
  return startApp({
    config: { ...w.config, dataDir: dataDirB },
    writer: writerOf("B"),
    now: () => w.clock.now,
    logger: pino({ level: process.env.OURO_TEST_LOG ?? "silent" }),
    tickMs: 3_600_000,
    replicas,
  });
}

async function apiOf(app: RunningApp, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.botLinkUrl}/bot/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const ask = (app: RunningApp, n: number) =>
  apiOf(app, "POST", "/changes", { id: `discord-r-${n}`, requester: actor(String(800 + n), `user${n}`), text: `docs: replica note ${n}` });

beforeAll(async () => {
  const databaseUrl = freshSchema(await postgresDatabase());
  w = await startWorld({
    databaseUrl,
    writer: writerOf("A"),
    policy: { rateLimits: { maxOpenPrs: 50, perRequesterPerHour: 50, globalPerMinute: 50, burst: { edits: 50, windowSeconds: 300 } } },
    start: { replicas },
  });
  dataDirB = mkdtempSync(join(tmpdir(), "ouro-app-replica-b-"));
  b = await startB();
});
afterAll(async () => {
  await b?.close();
  await w?.close();
  rmSync(dataDirB, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

it("requests made through one replica are written once each, by both replicas at once: one issue and one PR per request", async () => {
  let release!: () => void;
  hold = new Promise<void>((r) => (release = r));
  const ids = [1, 2, 3, 4, 5, 6].map((n) => `discord-r-${n}`);
  // All through A: B hears of them from the progress the replicas share, not from A's own events.
  const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => ask(w.app, n)));
  expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
  // Each replica writes one change at a time: two writes in flight are one on each.
  await untilCalls(2);
  expect(new Set(calls.map((c) => c.replica))).toEqual(new Set(["A", "B"]));
  hold = null;
  release();
  await Promise.all(ids.map((id) => untilState(w.app, id, ["pr", "checks", "review", "merged"])));
  await Promise.all([w.settle(), b.idle()]);

  const written = calls.filter((c) => ids.includes(c.id)).map((c) => c.id);
  expect(written.sort()).toEqual([...ids].sort()); // each once
  const pulls = (await w.gh.driver.pulls(REPO, "all")) as Json[];
  for (const id of ids) expect(pulls.filter((p) => p.head.ref === `ouro/${id}`)).toHaveLength(1);
  const issues = await w.gh.driver.user("carol").request<Json[]>("GET", `/repos/${REPO}/issues?state=all&per_page=100`);
  for (const id of ids) expect(issues.filter((i) => !i.pull_request && String(i.body).includes(changeMarker(id)))).toHaveLength(1);
});

it("a replica killed mid-write: the other takes its change over and writes it once more, one PR in all", async () => {
  const before = calls.length;
  hold = never; // B's write never ends, as if its process had died there
  const res = await ask(b, 7);
  expect(res.status).toBe(201);
  await untilCalls(before + 1);
  expect(calls.at(-1)).toEqual({ replica: "B", id: "discord-r-7" });
  await b.abandon(); // its session, and the change's lock with it, ends
  await untilState(w.app, "discord-r-7", ["pr", "checks", "review", "merged"]);
  hold = null;
  await w.settle();

  expect(calls.slice(before)).toEqual([
    { replica: "B", id: "discord-r-7" },
    { replica: "A", id: "discord-r-7" },
  ]);
  const trail = w.app.store.audit.of("discord-r-7").map((e) => e.event);
  expect(trail).toContain("takeover");
  const pulls = (await w.gh.driver.pulls(REPO, "all")) as Json[];
  expect(pulls.filter((p) => p.head.ref === "ouro/discord-r-7")).toHaveLength(1);
  b = await startB();
});

it("one webhook delivery sent to both replicas at once is handled once", async () => {
  const issue = (await w.gh.driver.user("carol").createIssue(REPO, { title: "ops" })).number as number;
  await w.settle();
  w.gh.setWebhook(w.reg.appId, `${w.app.url}/nowhere`); // the comment's delivery fails: we send it ourselves
  await w.gh.driver.user("carol").comment(REPO, issue, "/ouro stop replicas agree");
  await w.gh.deliveries.idle();
  const failed = w.gh.deliveries.list({ event: "issue_comment" }).at(-1)!;
  const d = w.gh.deliveries.get(failed.id)!;
  w.gh.setWebhook(w.reg.appId, `${w.app.url}${w.config.webhookPath}`);
  const body = JSON.stringify(d.request.payload);
  const send = (app: RunningApp) =>
    fetch(`${app.url}${w.config.webhookPath}`, { method: "POST", headers: d.request.headers as Record<string, string>, body });
  const answers = await Promise.all([send(w.app), send(b)]);
  expect(answers.map((r) => r.status)).toEqual([200, 200]);
  await Promise.all([w.settle(), b.idle()]);
  const stops = w.app.store.audit.of("-").filter((e) => e.event === "emergency-stop");
  expect(stops).toHaveLength(1);
  // …and the stop set through one replica holds the other's worker.
  const held = await ask(b, 8);
  expect(held.status).toBe(201);
  await Promise.all([w.settle(), b.idle()]);
  expect(b.store.changes.byId("discord-r-8")).toMatchObject({ state: "queued", reason: expect.stringMatching(/emergency stop/) });
  expect(calls.some((c) => c.id === "discord-r-8")).toBe(false);
});

it("a bot streaming from one replica sees the progress the other stored, in order", async () => {
  const ctrl = new AbortController();
  const res = await fetch(`${b.botLinkUrl}/bot/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctrl.signal });
  const seen: { seq: number; changeId: string; state: string }[] = [];
  const reader = res.body!.getReader();
  const reading = (async () => {
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += Buffer.from(value).toString("utf8");
      let end;
      while ((end = text.indexOf("\n\n")) >= 0) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(frame);
        const data = /^data: (.*)$/m.exec(frame);
        if (id && data) {
          const ev = JSON.parse(data[1]) as { changeId: string; state: string };
          seen.push({ seq: Number(id[1]), changeId: ev.changeId, state: ev.state });
          if (ev.changeId === "discord-r-9" && ev.state === "pr") return;
        }
      }
    }
  })();
  // The stop lifted through A, the request made through A: its progress is stored by A.
  expect((await apiOf(w.app, "POST", "/resume", { by: actor("9", "ops", ["Ouro Maintainer"]) })).status).toBe(200);
  const r = await ask(w.app, 9);
  expect(r.status).toBe(201);
  await reading;
  ctrl.abort();
  const mine = seen.filter((s) => s.changeId === "discord-r-9").map((s) => s.state);
  expect(mine).toEqual(expect.arrayContaining(["queued", "working", "pr"]));
  const seqs = seen.map((s) => s.seq);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // never a lower number after a higher one
});
