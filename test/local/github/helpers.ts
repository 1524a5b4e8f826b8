// Shared set-up for the GitHub stand-in tests: a contract-checked Octokit, async git
// (the server runs in the test process, so git must never block the event loop),
// and a plain webhook receiver.
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { checkResponse, checkWebhook } from "./contract.ts";

const run = promisify(execFile);

export const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

export function tempDir(prefix = "ouro-gh-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
}

/** A directory with some files, to import as a repository. */
export function fixtureDir(
  files: Record<string, string> = { "README.md": "# demo\n", "src/index.ts": "export const answer = 42;\n" },
): string {
  const dir = tempDir("ouro-gh-fixture-");
  writeFiles(dir, files);
  return dir;
}

/** An Octokit whose every response (success or error) is checked against GitHub's OpenAPI description. */
export function checkedOctokit(gh: GitHubStandIn, auth: string): Octokit {
  const o = new Octokit({ baseUrl: gh.apiUrl, auth, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const apiPath = (url: string): string => new URL(url).pathname.replace(/^\/api\/v3/, "") + new URL(url).search;
  o.hook.after("request", (response, options) => {
    checkResponse(String(options.method), apiPath(response.url), response.status, response.data);
  });
  o.hook.error("request", (error, options) => {
    const e = error as { status?: number; response?: { url: string; data: unknown } };
    if (e.response && e.status) checkResponse(String(options.method), apiPath(e.response.url), e.status, e.response.data);
    throw error;
  });
  return o;
}

/** Checks every webhook payload the stand-in recorded against @octokit/openapi-webhooks. */
export function checkAllDeliveries(gh: GitHubStandIn): number {
  const list = gh.deliveries.list();
  for (const d of list) checkWebhook(d.event, gh.deliveries.get(d.id)!.request.payload as Record<string, unknown>);
  return list.length;
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: string;
  payload: Record<string, unknown>;
}

/** A webhook receiver answering with `status()` (200 unless a test says otherwise). */
export async function startReceiver(
  status: () => number = () => 200,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const code = status();
      received.push({
        headers: req.headers,
        body,
        event: String(req.headers["x-github-event"]),
        payload: JSON.parse(body) as Record<string, unknown>,
      });
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
