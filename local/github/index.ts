/**
 * A protocol-faithful GitHub stand-in for tests and local mode.
 *
 * ```ts
 * const gh = await startGitHub();                       // port 0, temp data dir
 * await gh.createRepo({ owner: "acme", name: "bot", fromDir: "./fixture" });
 * const app = await gh.registerApp({ name: "ouro", webhookUrl: "http://127.0.0.1:3000/api/github/webhooks" });
 * const installationId = gh.installApp(app.appId, "acme/bot");
 * // Probot/Octokit: baseUrl = gh.apiUrl; git: gh.cloneUrl("acme", "bot", token)
 * const alice = gh.driver.user("alice");                // a human with a personal token
 * await alice.approve("acme/bot", 1); await alice.merge("acme/bot", 1);
 * await gh.deliveries.idle();                           // every webhook sent (and retried)
 * await gh.close();
 * ```
 *
 * - REST under `${url}/api/v3` (GitHub Enterprise layout); `/api/graphql` answers 501.
 * - Repositories are bare git repos under `${dataDir}/repos`, served over smart HTTP at
 *   `${url}/owner/repo.git` with `x-access-token:TOKEN` basic auth.
 * - Apps get RS256 key pairs made here; App JWTs are verified against the public key.
 * - State persists in `${dataDir}/state.json` (atomic writes); restart with the same dataDir.
 * - The driver is also served over HTTP at `${url}/_driver` (see README, section local-github).
 * - GitHub's web sign-in for Apps (oauth.ts): `/login` (pick who the browser is),
 *   `/login/oauth/authorize` and `/login/oauth/access_token` → `ghu_…` user access tokens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Core } from "./domain.ts";
import { Driver, driverHttp } from "./driver.ts";
import { createLogger } from "./log.ts";
import { buildRouter, createHandler } from "./server.ts";
import { Store } from "./store.ts";
import type { DeliveryRec } from "./store.ts";
import type { DeliveryDetail, DeliveryOptions } from "./webhooks.ts";

export { Driver, DriverUser, DriverError } from "./driver.ts";
export type { DeliveryRec, DeliveryDetail, DeliveryOptions };

export interface StartOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Where state and repositories live; default a fresh temp dir (removed by close()). */
  dataDir?: string;
  /** pino level: "silent" | "error" | "warn" (default) | "info" | "debug" */
  logLevel?: string;
  /** Webhook retry schedule and timeout. */
  deliveries?: DeliveryOptions;
}

export interface RegisteredApp {
  appId: number;
  slug: string;
  clientId: string;
  /** PEM (PKCS#1) private key, as GitHub hands it out once */
  privateKey: string;
  /** Where the key was also written (mode 0600) */
  privateKeyFile: string;
  webhookSecret: string;
  /** The OAuth client secret (web application flow), handed out once as GitHub does. */
  clientSecret: string;
}

export interface GitHubStandIn {
  url: string;
  /** Octokit/Probot `baseUrl` */
  apiUrl: string;
  dataDir: string;
  createRepo(opts: {
    owner: string;
    name: string;
    fromDir?: string;
    defaultBranch?: string;
    private?: boolean;
    description?: string;
    ownerType?: "User" | "Organization";
  }): Promise<{ id: number; fullName: string; cloneUrl: string; defaultBranch: string }>;
  /** `permissions` default to write on contents, pull_requests, issues, checks, statuses, deployments (no `workflows`). */
  registerApp(opts?: {
    name?: string;
    webhookUrl?: string | null;
    webhookSecret?: string;
    events?: string[];
    owner?: string;
    permissions?: Record<string, string>;
    /** The App's OAuth callback URLs (the manifest's `callback_urls`). */
    callbackUrls?: string[];
  }): Promise<RegisteredApp>;
  /** A registered app by slug (without its private key and client secret, which it was handed once), or null. */
  findApp(slug: string): Omit<RegisteredApp, "privateKey" | "clientSecret"> | null;
  /** Sets where the App's OAuth web flow may send users back (e.g. a console started after the App was registered). */
  setCallbackUrls(appId: number, urls: string[]): void;
  /** Points an app's webhook at a receiver (e.g. a Probot server started after the app was registered). */
  setWebhook(appId: number, url: string | null, secret?: string): void;
  /** Installs the app on "owner/repo" (selected repos) or "owner" (all its repos); returns the installation id. */
  installApp(appId: number, target: string): number;
  /** A clone URL with the token embedded (`http://x-access-token:TOKEN@host/owner/repo.git`). */
  cloneUrl(owner: string, repo: string, token?: string): string;
  driver: Driver;
  deliveries: {
    list(filter?: { event?: string; action?: string; appId?: number }): DeliveryRec[];
    get(id: number): DeliveryDetail | null;
    /** Sends a delivery again with the same `x-github-delivery` GUID; returns the new record. */
    redeliver(id: number): DeliveryRec;
    /** Resolves once no delivery is in flight or waiting for a retry. */
    idle(): Promise<void>;
  };
  close(): Promise<void>;
}

export async function startGitHub(opts: StartOptions = {}): Promise<GitHubStandIn> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "ouro-github-"));
  const store = new Store(dataDir);
  const log = createLogger(opts.logLevel ?? "warn");

  let core: Core | undefined;
  const server: Server = createServer((req, res) => {
    if (!core) {
      res.writeHead(503).end();
      return;
    }
    const p = handler(req, res).finally(() => inflight.delete(p));
    inflight.add(p);
  });
  const inflight = new Set<Promise<void>>();
  let handler: ReturnType<typeof createHandler> = async () => {};
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (e) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("no address");
  const url = `http://127.0.0.1:${addr.port}`;
  core = new Core(store, url, log, opts.deliveries);
  const router = buildRouter(core);
  const driver = new Driver(core, router);
  const c = core;

  const createRepo: GitHubStandIn["createRepo"] = async (o) => {
    const rec = await c.createRepo(o);
    return {
      id: rec.id,
      fullName: `${rec.owner}/${rec.name}`,
      cloneUrl: `${url}/${rec.owner}/${rec.name}.git`,
      defaultBranch: rec.defaultBranch,
    };
  };
  const registerApp: GitHubStandIn["registerApp"] = async (o = {}) => {
    const { app, privateKey, clientSecret } = c.registerApp(o);
    return {
      appId: app.id,
      slug: app.slug,
      clientId: app.clientId,
      privateKey,
      privateKeyFile: c.keyFile(app.id),
      webhookSecret: app.webhookSecret,
      clientSecret,
    };
  };
  handler = createHandler(
    core,
    router,
    driverHttp(core, router, driver, {
      createRepo: async (b) => ({ ...(await createRepo(b)) }),
      registerApp: async (b) => ({ ...(await registerApp(b)) }),
    }),
  );
  for (const k of Object.keys(store.data.repos)) core.bare(k).installHooks(); // data dirs from older versions
  core.deliveries.resume();
  log.info(`GitHub stand-in listening on ${url} (data: ${dataDir})`);

  let closed = false;
  return {
    url,
    apiUrl: `${url}/api/v3`,
    dataDir,
    createRepo,
    registerApp,
    setWebhook: (appId, u, secret) => void c.setWebhook(appId, u, secret),
    setCallbackUrls: (appId, urls) => c.setCallbackUrls(appId, urls),
    findApp: (slug) => {
      const a = Object.values(store.data.apps).find((x) => x.slug === slug);
      return a
        ? { appId: a.id, slug: a.slug, clientId: a.clientId, privateKeyFile: c.keyFile(a.id), webhookSecret: a.webhookSecret }
        : null;
    },
    installApp: (appId, target) => c.installApp(appId, target),
    cloneUrl: (owner, repo, token) =>
      token ? `http://x-access-token:${token}@127.0.0.1:${addr.port}/${owner}/${repo}.git` : `${url}/${owner}/${repo}.git`,
    driver,
    deliveries: {
      list: (f) => c.deliveries.list(f),
      get: (id) => c.deliveries.get(id),
      redeliver: (id) => c.deliveries.redeliver(id),
      idle: () => c.deliveries.idle(),
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inflight]);
      c.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      });
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
