// Wires the app together: the data directory's lock (one app per data directory; a second is
// refused before anything in it is touched: store/instance-lock.ts), the store, Probot
// (webhooks + installation Octokit with retries and throttling), the context every part
// shares, the parts that react to events (the worker, the dashboard, reconcile after a
// resume), and two HTTP listeners: the public one (webhooks, /healthz, /metrics with counts
// only) and the bot link (/bot/v1, loopback by default). Once
// the store can be written (at start, or when it can again) it resumes whatever the store
// says was in flight and asks GitHub to redeliver the webhooks that failed. While the store
// cannot be written, /healthz says why (503), and webhooks and bot requests that would write
// get 503 instead of a half-done answer; the emergency stop still applies (in memory) at once.
// Hourly, retention erases the personal data of changes finished more than OURO_RETENTION_DAYS
// ago (store.eraseExpired; the audit skeleton stays).
//
// On PostgreSQL any number of replicas may share the database (each with its own data
// directory): locks are shared through it (replicas/advisory-locks.ts), so a change is written
// by one replica and a delivery handled once; the periodic jobs (reconcile, redelivery,
// retention) run on one replica at a time; every few seconds a replica takes over the work of
// one that died (replicas/takeover.ts); and every replica streams everyone's progress
// (replicas/progress-feed.ts).
import { createServer } from "node:http";
import { join } from "node:path";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { verify } from "@octokit/webhooks-methods";
import Bottleneck from "bottleneck";
import pino from "pino";
import type { Logger } from "pino";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { API_PREFIX } from "../contract/app-link.ts";
import { agentScratchRoot, sweepAttempts } from "./agent/attempts.ts";
import { parseEncryptionKey } from "../contract/sealing.ts";
import { botApi } from "./bot-api/router.ts";
import { consoleSignInSummary, createConsoleAuth } from "./console/auth/index.ts";
import type { ConsoleAuthOptions } from "./console/auth/index.ts";
import { createConsole } from "./console/index.ts";
import { isLoopback } from "./config.ts";
import type { AppConfig } from "./config.ts";
import { createContext } from "./context.ts";
import type { AppContext } from "./context.ts";
import { DEFAULT_REDELIVERY, Redeliverer } from "./github/redeliver.ts";
import type { RedeliveryOptions, Sweep } from "./github/redeliver.ts";
import { RepoClient } from "./github/repo.ts";
import { DEFAULT_HEALTH, Health } from "./health.ts";
import type { HealthOptions, HealthReport } from "./health.ts";
import { reconcile, reconcileWhenStopLifted, resume } from "./lifecycle/reconcile.ts";
import { AppMetrics, attachMetrics } from "./metrics/app-metrics.ts";
import { CONTENT_TYPE } from "./metrics/exposition.ts";
import { HANDLED_EVENTS, ouroApp } from "./probot-app.ts";
import { Dashboard } from "./progress/dashboard.ts";
import { isUnwritable } from "./store/database.ts";
import { lockDataDir } from "./store/instance-lock.ts";
import { Store } from "./store/store.ts";
import { Worker } from "./worker.ts";
import { Locks } from "./locks.ts";
import { advisoryLocks } from "./replicas/advisory-locks.ts";
import { ProgressFeed } from "./replicas/progress-feed.ts";
import { takeOver } from "./replicas/takeover.ts";
import type { ChangeWriter } from "./writer.ts";

export interface StartOptions {
  config: AppConfig;
  writer: ChangeWriter;
  now?: () => number;
  logger?: Logger;
  /** How long close() waits for work in flight before leaving it to the next start (default 10 s). */
  closeTimeoutMs?: number;
  /** How often in-flight work is reconciled with GitHub and held work retried (breaker cool-off, quotas); default 30 s. */
  tickMs?: number;
  /** How often the store is probed, and when the worker counts as stuck (health.ts). */
  health?: Partial<HealthOptions>;
  /** How often, how far back and how many times failed webhooks are asked for again (github/redeliver.ts). */
  redelivery?: Partial<RedeliveryOptions>;
  /** The console's sign-in (console/auth), instead of config.console (tests); neither = production with no way in. */
  console?: ConsoleAuthOptions;
  /** On PostgreSQL: how often to look for work a dead replica left, and for other replicas' progress (default 2 s, 250 ms). */
  replicas?: Partial<ReplicaOptions>;
}

export interface ReplicaOptions {
  takeoverMs: number;
  followMs: number;
}
const DEFAULT_REPLICAS: ReplicaOptions = { takeoverMs: 2000, followMs: 250 };

export interface RunningApp {
  /** The public listener: GitHub webhooks, /healthz, /metrics and the console under /console/ (nothing under /bot/v1). */
  url: string;
  port: number;
  /** The bot link's own listener (`OURO_APP_URL` for the bot); `/bot/v1/…` lives only here. */
  botLinkUrl: string;
  botLinkPort: number;
  /** What every part of the app shares (store, client, policy, locks, events). */
  context: AppContext;
  store: Store;
  probot: Probot;
  /** Waits for background work (worker, dashboard) to finish. */
  idle(): Promise<void>;
  /** One reconcile pass now (what the timer does), e.g. after CI reported without a webhook. */
  reconcile(): Promise<void>;
  /** What /healthz answers (probing the store first when it last could not be written). */
  health(): HealthReport & { webhooks: { givenUp: string[] } };
  /** One look for failed webhook deliveries now (what the timer does), asking for their redelivery. */
  redeliverFailed(): Promise<Sweep>;
  /** One retention pass now (what the hourly timer does): erases expired personal data. */
  retention(): { changes: number; auditEntries: number };
  close(): Promise<void>;
  /** Stops listening and closes the store without waiting for work in flight (a crash, for tests). */
  abandon(): Promise<void>;
}

const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024; // GitHub caps payloads at 25 MB
/** Retention runs hourly; finished changes keep their personal data this long by default (OURO_RETENTION_DAYS). */
const RETENTION_EVERY_MS = 3_600_000;
export const DEFAULT_RETENTION_DAYS = 90;

/** Probot's Octokit with our retry/throttle tuning (plugin-retry, plugin-throttling). */
export function tunedOctokit(t: AppConfig["octokit"], log: Logger): typeof ProbotOctokit {
  const groups = {
    write: new Bottleneck.Group({ maxConcurrent: 1, minTime: t.writeSpacingMs }),
    notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: t.writeSpacingMs }),
  };
  const throttle = {
    ...groups,
    retryAfterBaseValue: t.retryBaseMs,
    fallbackSecondaryRateRetryAfter: Math.max(1, Math.round((60 * t.retryBaseMs) / 1000)),
    onRateLimit: (after: number, opts: { method: string; url: string; request: { retryCount: number } }) => {
      log.warn(`rate limit on ${opts.method} ${opts.url}; retrying in ${after} s`);
      return opts.request.retryCount < t.retries;
    },
    onSecondaryRateLimit: (after: number, opts: { method: string; url: string; request: { retryCount: number } }) => {
      log.warn(`secondary rate limit on ${opts.method} ${opts.url}; retrying in ${after} s`);
      return opts.request.retryCount < t.retries;
    },
  };
  // A function default runs after Probot's own layer, so our values win over its throttle options.
  return ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { ...(options.retry as object), retries: t.retries, retryAfterBaseValue: t.retryBaseMs },
    throttle: { ...(options.throttle as object), ...throttle },
  })) as typeof ProbotOctokit;
}

export async function startApp(opts: StartOptions): Promise<RunningApp> {
  const { config } = opts;
  const log = opts.logger ?? pino({ level: config.logLevel, name: "ouro-app" });
  // One app per data directory, before anything in it is read or written (instance-lock.ts).
  const unlock = lockDataDir(config.dataDir);
  sweepScratch(config.dataDir, log);
  let store: Store;
  try {
    store = new Store(config.dataDir, parseEncryptionKey(config.encryptionKey), opts.now, { databaseUrl: config.databaseUrl });
  } catch (e) {
    unlock();
    throw e;
  }
  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.apiUrl,
    log,
    Octokit: tunedOctokit(config.octokit, log),
  });

  let client: Promise<RepoClient> | null = null;
  const getClient = (): Promise<RepoClient> => {
    client ??= (async () => {
      const appOctokit = await probot.auth();
      const { data: me } = await appOctokit.rest.apps.getAuthenticated();
      const { data: inst } = await appOctokit.rest.apps.getRepoInstallation({ owner: config.owner, repo: config.repo });
      const octokit = await probot.auth(inst.id);
      return new RepoClient(octokit, config.owner, config.repo, `${me?.slug ?? "ouro"}[bot]`);
    })().catch((e: unknown) => {
      client = null; // try again next time (e.g. the app was not installed yet)
      throw e;
    });
    return client;
  };

  const metrics = new AppMetrics(HANDLED_EVENTS);
  const writer = metrics.timed(opts.writer); // agent runs and their durations
  const shared = store.db.engine === "postgres";
  const locks = new Locks(shared ? advisoryLocks(store.db) : undefined);
  const replicas = { ...DEFAULT_REPLICAS, ...opts.replicas };
  const ctx = createContext({ store, config, log, client: getClient, writer, now: opts.now, locks });
  attachMetrics(ctx, metrics);
  // The parts that react to what the flows emit subscribe before anything can happen.
  const worker = new Worker(ctx);
  worker.start({ replicas: shared });
  const dashboard = new Dashboard(ctx);
  dashboard.start();
  reconcileWhenStopLifted(ctx, log);
  const feed = new ProgressFeed(ctx, shared ? replicas.followMs : null);
  feed.start();
  ctx.events.open();
  const webhooks = await createNodeMiddleware(ouroApp(ctx), { probot, webhooksPath: config.webhookPath });
  const api = botApi(ctx, config.appToken, log.child({ name: "bot-api" }));

  const redeliverer = new Redeliverer(() => probot.auth(), log.child({ name: "redelivery" }), {
    ...DEFAULT_REDELIVERY,
    ...opts.redelivery,
  });
  // Resumed once, when the store can first be written; after that, writable again = reconcile.
  let resumed = false;
  const health = new Health(ctx, { ...DEFAULT_HEALTH, ...opts.health }, () => {
    ctx.background.track(resumed ? reconcile(ctx, log) : resume(ctx, log), resumed ? "reconcile" : "resume");
    resumed = true;
    redeliverer.soon(ctx.background);
  });
  // A handler that failed because the store cannot be written: find out now, not at the next probe.
  probot.onError((e) => {
    if (isUnwritable(e) || e.errors.some(isUnwritable)) health.probe();
  });
  /** The body of /healthz; a failed probe is asked again first. */
  const healthz = () => {
    health.storeWritable();
    return { ...health.report(), webhooks: { givenUp: redeliverer.givenUp } };
  };
  /** 503 with the reason when the store cannot be written (the request did nothing). */
  const refuseUnwritable = (res: ServerResponse, what: string): void => {
    res.writeHead(503, { "content-type": "application/json", "retry-after": String(Math.ceil(health.probeMs / 1000)) }).end(
      JSON.stringify({
        error: `the Ouro app cannot take ${what} now: ${ctx.store.unwritable ?? "the store cannot be written"}; nothing was done, try again once /healthz is ok`,
      }),
    );
  };

  // The console (pages for people, behind its own sign-in) on the public listener.
  const consoleOptions: ConsoleAuthOptions = opts.console ?? config.console ?? { mode: "production" };
  const consolePages = createConsole(ctx, {
    auth: createConsoleAuth(ctx, consoleOptions),
    health: () => healthz(),
    storeWritable: () => health.storeWritable(),
  });

  // The public listener: what GitHub (and a load balancer's health check) needs, and the console.
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/console" || path.startsWith("/console/")) return void consolePages(req, res);
    if (req.method === "GET" && path === "/healthz") {
      const report = healthz();
      res.writeHead(report.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(report));
      return;
    }
    // Counts only (app-metrics.ts), and it answers whatever the store can do.
    if (req.method === "GET" && path === "/metrics")
      return void metrics.render(ctx).then(
        (text) => res.writeHead(200, { "content-type": CONTENT_TYPE }).end(text),
        (e: Error) => {
          log.error({ err: e }, "could not render /metrics");
          res.writeHead(500, { "content-type": "text/plain" }).end("could not render the metrics\n");
        },
      );
    if (path === config.webhookPath && req.method === "POST") {
      const event = headerOf(req, "x-github-event");
      return void verified(req, config.webhookSecret).then(
        (ok) => {
          if (!ok) {
            metrics.delivery(event, "rejected");
            log.warn({ delivery: req.headers["x-github-delivery"] }, "rejected a webhook with a missing or wrong signature");
            res
              .writeHead(401, { "content-type": "application/json" })
              .end(JSON.stringify({ error: "signature missing or does not match" }));
            return;
          }
          // GitHub keeps the failed delivery; it is asked for again once the store can be written.
          if (!health.storeWritable()) {
            metrics.delivery(event, "unavailable");
            return refuseUnwritable(res, "webhooks");
          }
          res.once("close", () => metrics.answered(headerOf(req, "x-github-delivery"), event, res));
          void webhooks(req, res, () => res.writeHead(404).end());
        },
        (e: Error) => {
          metrics.delivery(event, "too_large");
          res.writeHead(413, { "content-type": "application/json" }).end(JSON.stringify({ error: e.message }));
        },
      );
    }
    notFound(res);
  });
  // The bot link: its own address (loopback by default), never beside the public endpoint.
  // Reads and the emergency stop (held in memory at once) are served whatever the store can do.
  const linkServer: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
      const writes = req.method !== "GET" && req.method !== "HEAD" && !STOP_PATHS.has(path.slice(API_PREFIX.length).replace(/\/+$/, ""));
      if (writes && !health.storeWritable()) return refuseUnwritable(res, "requests that write");
      return void api(req, res);
    }
    notFound(res);
  });
  const sockets = new Set<Socket>();
  const listen = async (srv: Server, port: number, host: string): Promise<number> => {
    srv.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, host, () => resolve());
    });
    return (srv.address() as AddressInfo).port;
  };
  let port: number;
  let botLinkPort: number;
  try {
    port = await listen(server, config.port, config.host);
    botLinkPort = await listen(linkServer, config.botLink.port, config.botLink.host);
  } catch (e) {
    for (const srv of [server, linkServer]) if (srv.listening) await new Promise<void>((r) => srv.close(() => r()));
    store.close();
    unlock();
    throw e;
  }
  const url = `http://${hostForUrl(config.host)}:${port}`;
  const botLinkUrl = `http://${hostForUrl(config.botLink.host)}:${botLinkPort}`;
  // The first probe before saying anything: resumes the work in flight if the store can be written.
  const writable = health.start();
  log.info(
    `Ouro app listening on ${url} (webhooks at ${config.webhookPath}); bot link on ${botLinkUrl}${API_PREFIX}` +
      (writable ? "" : ` — but ${ctx.store.unwritable ?? "the store cannot be written"}: /healthz answers 503 until it can`),
  );
  // Where the console is and how one signs in (never a token), or how to turn it on.
  const noWayIn = consoleOptions.mode === "production" && !consoleOptions.token && !consoleOptions.github;
  log[noWayIn ? "warn" : "info"](consoleSignInSummary(consoleOptions, url));
  if (!isLoopback(config.botLink.host))
    log.warn(
      `the bot link listens on ${config.botLink.host}, not loopback: only OURO_APP_TOKEN guards it, so let only the bot's hosts reach it`,
    );

  /** A periodic job on one replica at a time: skipped while another (or this one) runs it. */
  const job = (name: string, fn: () => Promise<unknown>) => ctx.background.track(ctx.locks.tryWithLock(`job:${name}`, fn), name);
  const tick = setInterval(() => {
    if (health.storeWritable()) job("reconcile", () => reconcile(ctx, log));
  }, opts.tickMs ?? 30_000);
  tick.unref();
  const lookTimer = setInterval(() => {
    if (health.storeWritable()) job("redelivery", () => redeliverer.look());
  }, redeliverer.everyMs);
  lookTimer.unref();
  // With replicas: the work of one that died goes back in the queue within takeoverMs.
  const takeoverTimer = setInterval(() => {
    if (!shared || !resumed || !health.storeWritable()) return;
    ctx.background.track(takeOver(ctx, log, "replica"), "takeover");
    worker.kick(); // work another replica queued without a progress event (a bot's answer acknowledged there)
  }, replicas.takeoverMs);
  takeoverTimer.unref();
  const retentionDays = config.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const retention = () => {
    const r = store.eraseExpired(retentionDays);
    store.consoleSessions.purgeExpired(); // expired console sessions and unfinished GitHub sign-ins
    if (r.changes > 0 || r.auditEntries > 0) log.info(r, `retention: erased personal data older than ${retentionDays} days`);
    return r;
  };
  const retentionTimer = setInterval(() => {
    if (!health.storeWritable()) return;
    job("retention", async () => {
      try {
        retention();
      } catch (e) {
        log.warn({ err: e }, "retention: could not erase expired personal data now; the next pass tries again");
      }
    });
  }, RETENTION_EVERY_MS);
  retentionTimer.unref();
  const stopListening = () =>
    new Promise<void>((resolve) => {
      clearInterval(tick);
      clearInterval(lookTimer);
      clearInterval(retentionTimer);
      clearInterval(takeoverTimer);
      feed.stop();
      health.stop();
      worker.stop();
      dashboard.stop();
      let open = 2;
      const done = () => --open === 0 && resolve();
      server.close(done);
      linkServer.close(done);
      server.closeIdleConnections();
      linkServer.closeIdleConnections();
      for (const s of sockets) s.destroy();
    });

  let closed = false;
  return {
    url,
    port,
    botLinkUrl,
    botLinkPort,
    context: ctx,
    store,
    probot,
    idle: () => ctx.background.idle(),
    reconcile: () => reconcile(ctx, log),
    health: healthz,
    redeliverFailed: () => redeliverer.sweep(),
    retention,
    async close() {
      if (closed) return;
      closed = true;
      await stopListening();
      // Let running work finish, but not forever (a long agent run is redone after the restart).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ctx.background.idle().catch(() => undefined),
        new Promise<void>((r) => (timer = setTimeout(r, opts.closeTimeoutMs ?? 10_000))),
      ]);
      clearTimeout(timer);
      store.close();
      unlock();
    },
    async abandon() {
      if (closed) return;
      closed = true;
      await stopListening();
      store.close();
      unlock(); // a real crash drops the lock with the process; in-process, the next start takes it again
    },
  };
}

/**
 * Removes the scratch directories that attempts killed mid-way left (attempts.ts): the agent's
 * worktrees under the temp dir, and attempt directories under `<data dir>/work`. A live
 * attempt's, of this process or another, is never touched. Best effort: it never stops a start.
 */
function sweepScratch(dataDir: string, log: Logger): void {
  for (const root of [() => agentScratchRoot(), () => join(dataDir, "work")]) {
    let dir = "the agent's scratch directory";
    try {
      dir = root();
      const removed = sweepAttempts(dir);
      if (removed.length)
        log.info(
          { removed },
          `removed ${removed.length} scratch ${removed.length === 1 ? "directory" : "directories"} in ${dir} left by attempts that were killed`,
        );
    } catch (e) {
      log.warn({ err: e }, `could not clean ${dir}; what killed attempts left there stays until the next start`);
    }
  }
}

/** Bot link paths served while the store cannot be written: the stop is held in memory at once. */
const STOP_PATHS = new Set(["/stop", "/resume"]);

const notFound = (res: ServerResponse) =>
  res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));

/** A request header's single value (undefined when absent or repeated). */
const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === "string" ? v : undefined;
};

/** A host as it goes in a URL (IPv6 in brackets). */
const hostForUrl = (host: string) => (host.includes(":") ? `[${host}]` : host);

/**
 * Reads the body and checks `x-hub-signature-256` before Probot sees anything: a forged or
 * unsigned delivery gets 401 and touches nothing. The verified text is handed on as req.body.
 */
async function verified(req: IncomingMessage, secret: string): Promise<boolean> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_WEBHOOK_BYTES) throw new Error("payload too large");
    chunks.push(c as Buffer);
  }
  const body = Buffer.concat(chunks).toString("utf8");
  const sig = req.headers["x-hub-signature-256"];
  if (typeof sig !== "string" || !sig.startsWith("sha256=")) return false;
  const ok = await verify(secret, body, sig).catch(() => false);
  if (ok) (req as IncomingMessage & { body?: string }).body = body;
  return ok;
}
