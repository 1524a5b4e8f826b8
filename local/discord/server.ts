// The Discord stand-in's HTTP server: REST under /api/v10, the gateway (WebSocket) at /gateway,
// the driver under /_driver, attachments under /attachments.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Store } from "./store.ts";
import { Gateway } from "./gateway.ts";
import { createRest } from "./rest.ts";
import { RateLimiter } from "./ratelimit.ts";
import { Driver } from "./driver.ts";
import { createDriverHttp } from "./driver-http.ts";
import { seed } from "./seed.ts";
import type { GuildView, SeedSpec } from "./seed.ts";
import { guildView } from "./seed.ts";
import { makeLogger } from "./log.ts";
import type { InteractionCtx } from "./interactions.ts";

export interface DiscordOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Persist state here (JSON, atomic writes) and restore it on start. */
  dataDir?: string;
  /** Guild seeded on a fresh start (default: general/requests, admin/maintainer/member, alice/bob/admin). */
  seed?: SeedSpec;
  /** op 10 heartbeat_interval (default 41250 ms, as Discord). */
  heartbeatIntervalMs?: number;
  /** Time the bot has for an interaction's initial callback (default 3000 ms, as Discord). */
  interactionTimeoutMs?: number;
  /** Requests per route bucket per second before X-RateLimit-Remaining reaches 0 (default 10000). */
  rateLimitPerSecond?: number;
  /** Privileged intent bits treated as not enabled for the app (IDENTIFY with them → close 4014). */
  disallowedIntents?: number;
  /** Recommended shard count from /gateway/bot (default 1). */
  shards?: number;
  /** A fixed bot token (default: generated, or the persisted one). */
  botToken?: string;
  /** pino level (default silent; DEBUG_STANDINS=1 → debug). */
  logLevel?: string;
}

export interface DiscordStandIn {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api` — for discord.js `rest: { api }` (it appends /v10). */
  apiBase: string;
  /** ws://127.0.0.1:PORT/gateway — what /gateway/bot returns. */
  gatewayUrl: string;
  /** `${url}/_driver` — the driver over HTTP. */
  driverUrl: string;
  botToken: string;
  applicationId: string;
  botUserId: string;
  /** The seeded guild: ids by name. */
  guild: GuildView;
  driver: Driver;
  /** Lower-level handles (tests of the stand-in itself, benchmarks). */
  internals: { store: Store; gateway: Gateway };
  close(): Promise<void>;
}

export async function startDiscord(opts: DiscordOptions = {}): Promise<DiscordStandIn> {
  const log = makeLogger(opts.logLevel);
  const store = new Store(opts.dataDir);
  if (opts.botToken !== undefined) {
    if (!/^[\w.-]{10,200}$/.test(opts.botToken)) throw new Error("botToken must be 10–200 characters of letters, digits, '_', '-' and '.'");
    store.botToken = opts.botToken;
    store.changed();
  }
  if (store.guilds.size === 0) seed(store, opts.seed ?? {});
  const gateway = new Gateway(
    store,
    { heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250, disallowedIntents: opts.disallowedIntents ?? 0 },
    log,
  );
  let baseUrl = "";
  const ctx: InteractionCtx = { store, gateway, baseUrl: () => baseUrl, callbackTimeoutMs: opts.interactionTimeoutMs ?? 3000 };
  const rateLimiter = new RateLimiter(opts.rateLimitPerSecond ?? 10_000);
  const rest = createRest({ ...ctx, rateLimiter, log, gatewayUrl: () => gateway.url, shards: opts.shards ?? 1 });
  const driver = new Driver(ctx, rateLimiter);
  const driverHttp = createDriverHttp(driver);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const fail = (err: unknown) => {
      log.error({ err: String(err) }, "discord stand-in: request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "500: Internal Server Error", code: 0 }));
    };
    if (path.startsWith("/api/v10/")) return void rest(req, res, path.slice("/api/v10".length)).catch(fail);
    if (path.startsWith("/api/")) {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ message: "404: Not Found (the stand-in serves API v10 only)", code: 0 }));
    }
    if (path.startsWith("/_driver/") || path === "/_driver")
      return void driverHttp(req, res, path.slice("/_driver".length) || "/").catch(fail);
    const att = /^\/attachments\/\d+\/(\d+)\/[^/]+$/.exec(path);
    if (att && req.method === "GET") {
      const data = store.attachments.get(att[1]);
      if (data) {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
        return void res.end(data);
      }
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "404: Not Found", code: 0 }));
  });
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/gateway" || path === "/gateway/") gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";
  baseUrl = `http://${host}:${port}`;
  gateway.setUrl(`ws://${host}:${port}/gateway`);
  const first = store.guilds.values().next().value!;
  let closed = false;
  return {
    url: baseUrl,
    apiBase: `${baseUrl}/api`,
    gatewayUrl: gateway.url,
    driverUrl: `${baseUrl}/_driver`,
    botToken: store.botToken,
    applicationId: store.applicationId,
    botUserId: store.botUserId,
    guild: guildView(store, first.id),
    driver,
    internals: { store, gateway },
    async close() {
      if (closed) return;
      closed = true;
      store.emit("closed");
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.flush();
    },
  };
}
