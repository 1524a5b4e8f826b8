// /healthz tells the truth and the app recovers by itself: started on a store that cannot be
// written (the database file immutable, see immutable.ts) it answers 503 with the reason,
// refuses writes with a clear 503 (webhooks included: GitHub keeps them as failed), and
// applies an emergency stop in memory at once. Once the file can be written again it is
// healthy within a probe, writes what it kept, and asks GitHub (the stand-in's
// /app/hook/deliveries) to redeliver the webhooks that failed, which are then acted on.
// A worker pass that runs too long with nothing moving makes /healthz fail too.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DATABASE_FILE } from "../../app/store/database.ts";
import type { ChangeWriter } from "../../app/writer.ts";
import { actor, fixedWriter, REPO, startWorld } from "./harness.ts";
import type { World } from "./harness.ts";
import { setImmutable } from "./immutable.ts";

let w: World;
let db: string;
let locked = false;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROBE_MS = 100;
const STUCK_MS = 1_500;

beforeAll(async () => {
  w = await startWorld({
    policy: { github: { allowedCommenters: ["carol"] } },
    start: { health: { probeMs: PROBE_MS, workerStuckMs: STUCK_MS } },
  });
  db = join(w.config.dataDir, DATABASE_FILE);
});
afterAll(async () => {
  if (locked) setImmutable([db], false);
  await w?.close();
});

/** Restarts the app on its database file made immutable (a clean close leaves no -wal/-shm). */
async function restartUnwritable(writer?: ChangeWriter): Promise<void> {
  await w.app.close();
  setImmutable([db], true);
  locked = true;
  await w.restart({ writer });
}
function makeWritable(): void {
  setImmutable([db], false);
  locked = false;
}
const healthz = async () => {
  const res = await fetch(`${w.app.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Json };
};
/** Polls /healthz (each call probes again when the store could not be written) until it answers `status`. */
async function healthzBecomes(status: number, ms = 30_000): Promise<Json> {
  const end = Date.now() + ms;
  for (;;) {
    const h = await healthz();
    if (h.status === status) return h.body;
    if (Date.now() > end) throw new Error(`/healthz still answers ${h.status}: ${JSON.stringify(h.body)}`);
    await new Promise((r) => setTimeout(r, PROBE_MS / 2));
  }
}
const persistedStop = (): unknown => {
  const ro = new DatabaseSync(db, { readOnly: true });
  try {
    const r = ro.prepare("SELECT value FROM kv WHERE key = 'stop'").get();
    return r ? JSON.parse(String(r.value)) : null;
  } finally {
    ro.close();
  }
};

let issue: number;

it("on an unwritable store: /healthz 503 with the reason, writes refused clearly; writable again: healthy, and the failed `/ouro stop` is redelivered and applied", async () => {
  issue = (await w.gh.driver.user("carol").createIssue(REPO, { title: "ops" })).number as number;
  await w.settle();
  expect((await healthz()).status).toBe(200);

  await restartUnwritable();
  const sick = await healthz();
  expect(sick).toMatchObject({
    status: 503,
    body: {
      ok: false,
      reasons: ["the store cannot be written: attempt to write a readonly database (SQLITE_READONLY)"],
      store: { writable: false },
    },
  });
  const refused = await w.api("POST", "/changes", { id: "discord-701", requester: actor("701", "hana"), text: "docs: while read-only" });
  expect(refused.status).toBe(503);
  expect(refused.body.error).toMatch(
    /cannot take requests that write now: the store cannot be written: attempt to write a readonly database/,
  );
  const status = await w.api("GET", "/status");
  expect(status).toMatchObject({ status: 200, body: { health: "down" } }); // reads are still served, and say the app is down

  await w.gh.driver.user("carol").comment(REPO, issue, "/ouro stop the disk went read-only");
  await w.gh.deliveries.idle();
  const failed = w.gh.deliveries.list({ event: "issue_comment" }).at(-1)!;
  expect(failed).toMatchObject({ status: "failed", statusCode: 503 }); // an error status, every attempt
  expect(w.app.store.values.stop().stopped).toBe(false);

  makeWritable();
  expect((await healthzBecomes(200)).reasons).toEqual([]);
  await w.settle(); // the look for failed deliveries, the redelivery, its handling
  const again = w.gh.deliveries.list({ event: "issue_comment" }).filter((d) => d.guid === failed.guid);
  expect(again.at(-1)).toMatchObject({ redelivery: true, status: "OK" });
  expect(persistedStop()).toMatchObject({ stopped: true, by: "carol", reason: "the disk went read-only" });
  const ok = await w.api("POST", "/changes", { id: "discord-702", requester: actor("702", "ivo"), text: "docs: after the disk" });
  expect(ok.status).toBe(201);
  await w.settle();
  expect(w.app.store.changes.byId("discord-702")).toMatchObject({ state: "queued", reason: expect.stringMatching(/emergency stop/) });
});

it("an emergency stop from the bot applies at once on an unwritable store, is reported until persisted, and survives a restart", async () => {
  await restartUnwritable();
  const maintainer = actor("9", "ops", ["Ouro Maintainer"]);
  const resumed = await w.api("POST", "/resume", { by: maintainer });
  expect(resumed).toMatchObject({ status: 200, body: { stopped: false } });
  expect(w.app.store.values.stop().stopped).toBe(false); // in force now, in memory
  expect((await w.api("GET", "/status")).body).toMatchObject({ emergencyStop: { stopped: false } });
  const stopped = await w.api("POST", "/stop", { by: maintainer });
  expect(stopped).toMatchObject({ status: 200, body: { stopped: true } });
  expect((await w.api("GET", "/status")).body).toMatchObject({ emergencyStop: { stopped: true, by: "ops (Discord)" } });
  const sick = await healthz();
  expect(sick.status).toBe(503);
  expect(sick.body.reasons).toContainEqual(
    "in force but not yet persisted (a restart now would lose it): the emergency resume by ops (Discord); the emergency stop by ops (Discord)",
  );
  expect(persistedStop()).toMatchObject({ by: "carol" }); // not written yet

  makeWritable();
  await healthzBecomes(200);
  expect(persistedStop()).toMatchObject({ stopped: true, by: "ops (Discord)" });
  expect(
    w.app.store.audit
      .of("-")
      .map((a) => a.event)
      .slice(-2),
  ).toEqual(["emergency-resume", "emergency-stop"]);
  await w.restart();
  expect(w.app.store.values.stop()).toMatchObject({ stopped: true, by: "ops (Discord)" });
});

it("a worker pass that runs far longer than a change can take, with nothing moving, fails /healthz until it ends", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const writing = new Promise<void>((r) => (started = r));
  const hung: ChangeWriter = async (job) => {
    started();
    await released;
    return fixedWriter(job);
  };
  await w.restart({ writer: hung });
  await w.api("POST", "/resume", { by: actor("9", "ops", ["Ouro Maintainer"]) }); // the queued change starts
  await writing;
  const stuck = await healthzBecomes(503, 30_000 + STUCK_MS);
  expect(stuck.reasons).toEqual([
    expect.stringMatching(/^the worker has run for \d+ s with no change moving \(limit 2 s\): it looks stuck$/),
  ]);
  expect(stuck.worker).toMatchObject({ stuck: true, runningForMs: expect.any(Number) });
  release();
  await w.settle();
  expect(w.app.store.changes.byId("discord-702")?.state).toBe("checks");
  expect(await healthzBecomes(200)).toMatchObject({ ok: true, worker: { stuck: false } });
});

it("a webhook that keeps failing is asked for again at most 5 times, then given up with the reason, not silently", async () => {
  await restartUnwritable();
  await w.gh.driver.user("carol").comment(REPO, issue, "/ouro stop once more");
  await w.gh.deliveries.idle();
  const failed = w.gh.deliveries.list({ event: "issue_comment" }).at(-1)!;
  expect(failed).toMatchObject({ status: "failed", statusCode: 503 });
  // what the timer does (it waits for a writable store; asking now, each redelivery fails again;
  // other events that reached the app while it was down or read-only are asked for too)
  for (let i = 0; i < 5; i++) {
    const look = await w.app.redeliverFailed();
    expect(look.redelivered.map((d) => d.guid)).toContain(failed.guid);
    await w.gh.deliveries.idle();
  }
  const tries = w.gh.deliveries.list({ event: "issue_comment" }).filter((d) => d.guid === failed.guid);
  expect(tries.map((d) => [d.redelivery, d.status])).toEqual([[false, "failed"], ...Array(5).fill([true, "failed"])]);
  const last = await w.app.redeliverFailed();
  expect(last.redelivered.map((d) => d.guid)).not.toContain(failed.guid);
  expect(last.gaveUp).toContainEqual({ guid: failed.guid, event: "issue_comment.created", status: "Invalid HTTP Response: 503" });
  expect((await w.app.redeliverFailed()).gaveUp.map((g) => g.guid)).not.toContain(failed.guid); // said once
  expect((await healthz()).body.webhooks.givenUp).toContain(failed.guid);

  makeWritable();
  await healthzBecomes(200);
  await w.settle();
  expect(w.gh.deliveries.list({ event: "issue_comment" }).filter((d) => d.guid === failed.guid)).toHaveLength(6);
  expect(w.app.store.values.stop().stopped).toBe(false);
});
