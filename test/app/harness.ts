// The app end to end: the GitHub stand-in (REST, git over HTTP, signed webhooks), the real
// app (Probot + Octokit + node:sqlite) pointed at it, a second App acting as CI (check
// runs), humans via the stand-in's driver, and the bot link over real HTTP (on its own
// listener: `app.botLinkUrl`, never `app.url`).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { Probot } from "probot";
import type { ProbotOctokit } from "probot";
import { parse, stringify } from "yaml";
import { startGitHub } from "../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../local/github/index.ts";
import type { AppConfig } from "../../app/config.ts";
import { HANDLED_EVENTS } from "../../app/probot-app.ts";
import { startApp } from "../../app/start.ts";
import type { RunningApp, StartOptions } from "../../app/start.ts";
import type { ChangeWriter, WriteJob } from "../../app/writer.ts";
import { verdictFor } from "../../app/policy.ts";
import { branchFor } from "../../contract/change-request.ts";

const run = promisify(execFile);
const GIT_ENV = {
  GIT_AUTHOR_NAME: "Ouro Agent",
  GIT_AUTHOR_EMAIL: "agent@example.com",
  GIT_COMMITTER_NAME: "Ouro Agent",
  GIT_COMMITTER_EMAIL: "agent@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};
export const REPO = "acme/bot";
export const TOKEN = "bot-link-token-0123456789abcdef";
/** The app's OURO_ENCRYPTION_KEY in tests (64 hex characters). */
export const ENCRYPTION_KEY = "5eed".repeat(16);

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: { ...process.env, ...GIT_ENV } });
  return stdout.trim();
}

/**
 * A writer that commits a fixed change chosen by the request text (stands in for the agent,
 * whose own tests cover writing): "docs" → a markdown file (risk safe); "plugin" → a plugin
 * with its test (low); "untested" → a plugin without a test (needs review); "broken" → the
 * writer reports a failure. Like the agent, it hands back the base branch's policy verdict.
 */
export const writerJobs: WriteJob[] = [];

export const fixedWriter: ChangeWriter = async (job: WriteJob) => {
  writerJobs.push(job);
  const { repoDir, request } = job;
  if (/broken/.test(request.text)) return { ok: false, reason: "the fixed writer was asked to fail" };
  const branch = branchFor(request.id);
  if (job.followUp) await git(repoDir, "checkout", "-q", branch);
  else await git(repoDir, "checkout", "-q", "--detach", job.baseRef);
  const name = request.id.replace(/[^a-z0-9]/g, "").slice(-12) || "x";
  const files: Record<string, string> = {};
  if (job.followUp) files[`docs/${name}.md`] = `# ${name}\n\nFollow-up: ${job.followUp.text}\n`;
  else if (/docs/.test(request.text)) files[`docs/${name}.md`] = `# ${name}\n\n${request.text}\n`;
  else if (/untested/.test(request.text)) files[`bot/plugins/p${name}/index.ts`] = `export const name = "p${name}";\n`;
  else {
    files[`bot/plugins/p${name}/index.ts`] = `export const name = "p${name}";\n`;
    files[`bot/plugins/p${name}/index.test.ts`] =
      `import { it, expect } from "vitest";\nimport { name } from "./index.ts";\nit("has a name", () => expect(name).toBe("p${name}"));\n`;
  }
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repoDir, p)), { recursive: true });
    writeFileSync(join(repoDir, p), text);
  }
  await git(repoDir, "add", "-A");
  await git(repoDir, "commit", "-q", "-m", `ouro: ${request.text.split("\n")[0]}`);
  const commit = await git(repoDir, "rev-parse", "HEAD");
  return {
    ok: true,
    branch,
    commit,
    verdict: verdictFor(repoDir, job.baseRef, commit, { author: "ouro[bot]", labels: ["ouro"] }),
    title: `Ouro: ${request.text.split("\n")[0]}`,
    body: `## What was asked\n\n${request.text}\n\nFiles: ${Object.keys(files).join(", ")}`,
  };
};

/** The real policy file with some keys replaced (deep merge of mappings). */
export function policyWith(overrides: Record<string, unknown>): string {
  const base = parse(readFileSync(new URL("../../policies/ouro.yml", import.meta.url), "utf8")) as Record<string, unknown>;
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b))
      out[k] =
        v && typeof v === "object" && !Array.isArray(v) && a[k] && typeof a[k] === "object"
          ? merge(a[k] as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    return out;
  };
  return stringify(merge(base, overrides));
}

/**
 * The GitHub stand-in with acme/bot made from `files` and the Ouro App installed on it,
 * registered exactly as app.yml asks (its permissions and events), so every app test proves
 * the least-privilege manifest is enough: the stand-in refuses what it does not grant.
 */
export async function startRepoWithOuro(files: Record<string, string>): Promise<{ gh: GitHubStandIn; reg: RegisteredApp }> {
  const fixture = mkdtempSync(join(tmpdir(), "ouro-app-fixture-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(fixture, p)), { recursive: true });
    writeFileSync(join(fixture, p), text);
  }
  const gh = await startGitHub({ logLevel: "silent", deliveries: { retryDelaysMs: [50, 200], timeoutMs: 10_000 } });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  rmSync(fixture, { recursive: true, force: true });
  const manifest = parse(readFileSync(join(import.meta.dirname, "../../app.yml"), "utf8")) as {
    default_permissions: Record<string, string>;
  };
  const reg = await gh.registerApp({ name: "ouro", events: [...HANDLED_EVENTS], permissions: manifest.default_permissions });
  gh.installApp(reg.appId, REPO);
  return { gh, reg };
}

export interface World {
  gh: GitHubStandIn;
  app: RunningApp;
  reg: RegisteredApp;
  config: AppConfig;
  /** CI: a second App that reports check runs. */
  ci: ProbotOctokit;
  clock: { now: number };
  /** Waits until no webhook is in flight and the app has no background work. */
  settle(): Promise<void>;
  restart(opts?: { abandon?: boolean; writer?: ChangeWriter }): Promise<void>;
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  check(sha: string, conclusion: "success" | "failure" | "cancelled"): Promise<void>;
  /** CI as a commit status (the stand-in sends `status` webhooks to every installed App). */
  status(sha: string, state: "success" | "failure" | "pending"): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(
  opts: {
    policy?: Record<string, unknown>;
    writer?: ChangeWriter;
    files?: Record<string, string>;
    /** Health probing and redelivery of failed webhooks, as startApp takes them. */
    start?: Pick<StartOptions, "health" | "redelivery" | "replicas">;
    /** The store on this PostgreSQL database (DATABASE_URL) instead of SQLite in the data directory. */
    databaseUrl?: string;
  } = {},
): Promise<World> {
  const agentPolicy = (opts.policy?.agent ?? {}) as Record<string, unknown>;
  const files: Record<string, string> = {
    "README.md": "# bot\n",
    // no automatic follow-ups unless a test turns them on: the fixed writer cannot fix anything
    "policies/ouro.yml": policyWith({ editable: ["bot/plugins/**", "docs/**"], ...opts.policy, agent: { followUps: 0, ...agentPolicy } }),
    ".github/CODEOWNERS": "*  @root-owner\n/bot/plugins/  @plugin-owner @alice\n",
    "bot/plugins/ping/index.ts": 'export const name = "ping";\n',
    ...opts.files,
  };
  const { gh, reg } = await startRepoWithOuro(files);
  const ciReg = await gh.registerApp({ name: "ci" });
  const ciInst = gh.installApp(ciReg.appId, REPO);
  const ci = await new Probot({
    appId: ciReg.appId,
    privateKey: ciReg.privateKey,
    secret: "x".repeat(10),
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  }).auth(ciInst);
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-app-data-"));
  const config: AppConfig = {
    appId: reg.appId,
    privateKey: reg.privateKey,
    webhookSecret: reg.webhookSecret,
    apiUrl: gh.apiUrl,
    gitUrl: gh.url,
    owner: "acme",
    repo: "bot",
    appToken: TOKEN,
    dataDir,
    encryptionKey: ENCRYPTION_KEY,
    port: 0,
    host: "127.0.0.1",
    botLink: { host: "127.0.0.1", port: 0 },
    webhookPath: "/api/github/webhooks",
    logLevel: "warn",
    octokit: { retries: 2, retryBaseMs: 20, writeSpacingMs: 0 },
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
  };
  const clock = { now: Date.now() };
  const logger = pino({ level: process.env.OURO_TEST_LOG ?? "silent" });
  const launch = async (writer: ChangeWriter) => {
    // The timer's reconcile is run explicitly by the tests (w.app.reconcile()), never by surprise.
    const app = await startApp({ config, writer, now: () => clock.now, logger, tickMs: 3_600_000, ...opts.start });
    gh.setWebhook(reg.appId, `${app.url}${config.webhookPath}`);
    return app;
  };
  let app = await launch(opts.writer ?? fixedWriter);

  const world: World = {
    gh,
    get app() {
      return app;
    },
    reg,
    config,
    ci,
    clock,
    async settle() {
      for (let i = 0; i < 50; i++) {
        const before = gh.deliveries.list().length;
        await gh.deliveries.idle();
        await app.idle();
        await gh.deliveries.idle();
        if (gh.deliveries.list().length === before) {
          await app.idle();
          if (gh.deliveries.list().length === before) return;
        }
      }
      throw new Error("the world did not settle");
    },
    async restart(o = {}) {
      if (o.abandon) await app.abandon();
      else await app.close();
      app = await launch(o.writer ?? opts.writer ?? fixedWriter);
    },
    async api(method, path, body, token = TOKEN) {
      const res = await fetch(`${app.botLinkUrl}/bot/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async check(sha, conclusion) {
      await ci.rest.checks.create({ owner: "acme", repo: "bot", name: "ci/test", head_sha: sha, status: "completed", conclusion });
      // The stand-in sends check_run events only to the App that made the run; the app's
      // periodic reconcile is what notices (run one pass now instead of waiting for the timer).
      await app.reconcile();
    },
    async status(sha, state) {
      await ci.rest.repos.createCommitStatus({ owner: "acme", repo: "bot", sha, state, context: "ci/build" });
    },
    async close() {
      await gh.deliveries.idle().catch(() => undefined);
      await app.close();
      await gh.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

export const actor = (discordId: string, name: string, roles: string[] = []) => ({ discordId, name, roles });
