// /healthz and /metrics on a local port for the deploy hook's health gate.
// /healthz is 200 only while the Discord client is ready and the memory store answers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BotMetrics } from "./metrics.ts";

export interface HealthProbe {
  ready(): boolean;
  /** Throws when a dependency is broken (e.g. the sqlite store). */
  check(): void;
  /** The app's progress stream: reported, but not a reason to fail the gate (the app may restart). */
  appStream?(): boolean | undefined;
  version?: string;
  startedAt: number;
}

export interface HealthServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(opts: {
  port: number;
  host: string;
  metrics: BotMetrics;
  probe: HealthProbe;
}): Promise<HealthServer> {
  const { metrics, probe } = opts;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return void res.writeHead(405, { allow: "GET" }).end();
    if (path === "/healthz") {
      let problem: string | undefined;
      try {
        probe.check();
      } catch (err) {
        problem = (err as Error).message;
      }
      const ready = probe.ready();
      const ok = ready && !problem;
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(
        JSON.stringify({
          status: ok ? "ok" : "unavailable",
          discord: ready ? "ready" : "not ready",
          ...(probe.appStream?.() === undefined ? {} : { appStream: probe.appStream!() ? "connected" : "disconnected" }),
          ...(problem ? { problem } : {}),
          version: probe.version ?? null,
          uptimeSeconds: Math.round((Date.now() - probe.startedAt) / 1000),
        }),
      );
      return;
    }
    if (path === "/metrics") {
      res
        .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
        .end(metrics.render({ ready: probe.ready(), appStream: probe.appStream?.() }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
