// The app's Octokit (Probot's, with our tuning): server errors are retried with backoff,
// GitHub's secondary rate limit is waited out, and retries end.
import { createServer } from "node:http";
import type { Server } from "node:http";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tunedOctokit } from "../../app/start.ts";

let server: Server;
let base = "";
const script: { status: number; headers?: Record<string, string>; body: unknown }[] = [];
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    const next = script.shift() ?? { status: 200, body: { ok: true } };
    res.writeHead(next.status, { "content-type": "application/json", ...next.headers }).end(JSON.stringify(next.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const Octokit = tunedOctokit({ retries: 2, retryBaseMs: 5, writeSpacingMs: 0 }, pino({ level: "silent" }));
const client = () => new Octokit({ auth: { token: "t0ken" }, baseUrl: base });

describe("tuned Octokit", () => {
  it("retries a 502 and succeeds", async () => {
    hits = 0;
    script.push({ status: 502, body: { message: "bad gateway" } }, { status: 502, body: { message: "bad gateway" } });
    const res = await client().request("GET /repos/{owner}/{repo}", { owner: "a", repo: "b" });
    expect(res.data).toEqual({ ok: true });
    expect(hits).toBe(3);
  });

  it("waits out a secondary rate limit, then goes on", async () => {
    hits = 0;
    script.push({ status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit" } });
    const res = await client().request("POST /repos/{owner}/{repo}/issues", { owner: "a", repo: "b", title: "x" });
    expect(res.data).toEqual({ ok: true });
    expect(hits).toBe(2);
  });

  it("gives up after the configured retries; a 404 is not retried", async () => {
    hits = 0;
    for (let i = 0; i < 5; i++) script.push({ status: 500, body: { message: "boom" } });
    await expect(client().request("GET /x")).rejects.toMatchObject({ status: 500 });
    expect(hits).toBe(3);
    script.splice(0);
    hits = 0;
    script.push({ status: 404, body: { message: "Not Found" } });
    await expect(client().request("GET /y")).rejects.toMatchObject({ status: 404 });
    expect(hits).toBe(1);
  });
});
