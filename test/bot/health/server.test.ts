import { afterEach, describe, expect, it } from "vitest";
import { BotMetrics } from "../../../bot/health/metrics.ts";
import { startHealthServer, type HealthServer } from "../../../bot/health/server.ts";

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("health server", () => {
  it("answers /healthz 503 until ready, then 200; 503 when a dependency breaks", async () => {
    let ready = false;
    let broken: string | undefined;
    const metrics = new BotMetrics();
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      metrics,
      probe: {
        ready: () => ready,
        check: () => {
          if (broken) throw new Error(broken);
        },
        version: "abc123",
        startedAt: Date.now(),
      },
    });
    let res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    ready = true;
    res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", discord: "ready", version: "abc123" });
    broken = "database is locked";
    res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ problem: "database is locked" });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it("exposes Prometheus metrics", async () => {
    const metrics = new BotMetrics();
    metrics.interactions.inc({ command: "status", outcome: "ok" });
    metrics.interactions.inc({ command: "status", outcome: "ok" });
    metrics.latency.observe({ command: "status" }, 0.003);
    metrics.latency.observe({ command: "status" }, 0.2);
    metrics.pluginErrors.inc({ plugin: 'bad"name', kind: "command" });
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      metrics,
      probe: { ready: () => true, check() {}, startedAt: Date.now() },
    });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toContain('ouro_bot_interactions_total{command="status",outcome="ok"} 2');
    expect(text).toContain('ouro_bot_interaction_duration_seconds_bucket{command="status",le="0.005"} 1');
    expect(text).toContain('ouro_bot_interaction_duration_seconds_bucket{command="status",le="+Inf"} 2');
    expect(text).toContain('ouro_bot_interaction_duration_seconds_count{command="status"} 2');
    expect(text).toContain('ouro_bot_plugin_errors_total{plugin="bad\\"name",kind="command"} 1');
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^ouro_bot_up 1$/m);
  });
});
