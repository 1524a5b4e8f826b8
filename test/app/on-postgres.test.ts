// The whole app on PostgreSQL (DATABASE_URL): a real server (test/helpers/postgres.ts), the
// real app against the GitHub stand-in. A Discord request goes to a deployed change; its rows
// are in PostgreSQL and nothing is written to a SQLite file; a restart finds everything again;
// the console and /metrics, which read the store with their own SQL, answer from it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DATABASE_FILE } from "../../app/store/database.ts";
import { PostgresDb } from "../../contract/storage/postgres.ts";
import { freshSchema, postgresDatabase } from "../helpers/postgres.ts";
import { actor, REPO, startWorld } from "./harness.ts";
import type { World } from "./harness.ts";

const CONSOLE_TOKEN = "console-token-on-postgres-0123456789abcdef";
let w: World;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = freshSchema(await postgresDatabase());
  w = await startWorld({ databaseUrl });
  w.config.console = { mode: "production", token: CONSOLE_TOKEN };
  await w.restart();
});
afterAll(async () => {
  await w?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

it("a request goes from the bot link to a deployed change, stored in PostgreSQL only", async () => {
  const res = await w.api("POST", "/changes", { id: "discord-pg-1", requester: actor("111", "alice"), text: "docs: describe dice" });
  expect(res.status).toBe(201);
  await w.settle();
  const [pr] = (await w.gh.driver.pulls(REPO, "open")) as Json[];
  expect(pr.head.ref).toBe("ouro/discord-pg-1");
  await w.check(pr.head.sha, "success");
  await w.settle();
  const c = w.app.store.changes.byId("discord-pg-1")!;
  expect(c.state).toBe("merged");
  await w.gh.driver
    .user("deployer")
    .request("POST", `/repos/${REPO}/deployments/${c.deploymentId}/statuses`, { state: "success", description: "healthy" });
  await w.settle();
  expect(w.app.store.changes.byId("discord-pg-1")!.state).toBe("deployed");

  // Read with a connection of our own: the rows are there, the request text sealed (not in clear).
  const raw = new PostgresDb(databaseUrl);
  try {
    const row = raw.prepare("SELECT state, text FROM changes WHERE id = ?").get("discord-pg-1") as { state: string; text: Uint8Array };
    expect(row.state).toBe("deployed");
    expect(Buffer.from(row.text).toString("latin1")).not.toContain("describe dice");
    const audit = raw.prepare("SELECT event FROM audit WHERE change_id = ? ORDER BY seq").all("discord-pg-1") as { event: string }[];
    expect(audit.map((a) => a.event)).toEqual(expect.arrayContaining(["request", "pr.opened", "merged", "state.deployed"]));
  } finally {
    raw.close();
  }
  expect(existsSync(join(w.config.dataDir, DATABASE_FILE))).toBe(false);
});

it("a restart on the same database finds the change, its audit trail and its progress", async () => {
  await w.restart();
  const c = w.app.store.changes.byId("discord-pg-1")!;
  expect(c).toMatchObject({ state: "deployed", requester: "alice", text: "docs: describe dice" });
  const list = await w.api("GET", "/changes?limit=5");
  expect((list.body.changes as Json[]).map((x) => x.changeId)).toContain("discord-pg-1");
  expect(w.app.store.progress.after(0, 100).some((e) => e.event.changeId === "discord-pg-1" && e.event.state === "deployed")).toBe(true);
});

it("the console and /metrics read the store on PostgreSQL", async () => {
  const page = await fetch(`${w.app.url}/console/`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("discord-pg-1");
  const change = await fetch(`${w.app.url}/console/changes/discord-pg-1`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } });
  expect(change.status).toBe(200);
  expect(await change.text()).toContain("docs: describe dice");
  const metrics = await (await fetch(`${w.app.url}/metrics`)).text();
  expect(metrics).toMatch(/state="deployed"[^\n]* 1\b/);
});
