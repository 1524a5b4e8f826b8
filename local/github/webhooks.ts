// Webhook deliveries to registered App receivers, signed as GitHub signs them.
// Each delivery is recorded (state + payload file) before it is sent, failures are retried
// with a short configurable backoff, and a redelivery reuses the delivery's GUID.
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "./log.ts";
import { now } from "./store.ts";
import type { AppRec, DeliveryRec, Store } from "./store.ts";

export interface DeliveryOptions {
  /** Delays before each retry; its length is the number of retries. Default [100, 500, 2000]. */
  retryDelaysMs?: number[];
  /** Per-attempt timeout. Default 10 s (GitHub allows 10 s). */
  timeoutMs?: number;
}

export interface DeliveryDetail extends DeliveryRec {
  request: { headers: Record<string, string>; payload: unknown };
}

export function sign(secret: string, body: string, algo: "sha256" | "sha1" = "sha256"): string {
  return `${algo}=${createHmac(algo, secret).update(body).digest("hex")}`;
}

export class Deliveries {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly retryDelays: number[];
  private readonly timeoutMs: number;
  private readonly host: string;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private chains = new Map<string, Promise<void>>();
  private closed = false;

  constructor(store: Store, log: Logger, host: string, opts: DeliveryOptions = {}) {
    this.store = store;
    this.log = log;
    this.host = host;
    this.retryDelays = opts.retryDelaysMs ?? [100, 500, 2000];
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Records and schedules a delivery of `payload` to the app's webhook URL. */
  enqueue(
    app: AppRec,
    event: string,
    payload: Record<string, unknown>,
    installationId: number | null,
    repo: string | null,
    guid: string = randomUUID(),
    redelivery = false,
  ): DeliveryRec | null {
    if (!app.webhookUrl) return null;
    if (app.events.length > 0 && !app.events.includes(event)) return null;
    const id = this.store.id();
    const rec: DeliveryRec = {
      id,
      guid,
      event,
      action: typeof payload.action === "string" ? payload.action : null,
      appId: app.id,
      installationId,
      repo,
      url: app.webhookUrl,
      deliveredAt: null,
      status: "pending",
      statusCode: 0,
      attempts: 0,
      redelivery,
      durationMs: 0,
      lastError: null,
      createdAt: now(),
    };
    this.store.data.deliveries[String(id)] = rec;
    writeFileSync(this.store.deliveryFile(id), JSON.stringify(payload));
    this.store.save();
    this.schedule(rec, 0);
    return rec;
  }

  /** Re-sends pending deliveries recorded before a restart. */
  resume(): void {
    for (const d of Object.values(this.store.data.deliveries)) if (d.status === "pending") this.schedule(d, 0);
  }

  list(filter: { event?: string; action?: string; appId?: number } = {}): DeliveryRec[] {
    return Object.values(this.store.data.deliveries)
      .filter(
        (d) =>
          (!filter.event || d.event === filter.event) &&
          (!filter.action || d.action === filter.action) &&
          (!filter.appId || d.appId === filter.appId),
      )
      .sort((a, b) => a.id - b.id);
  }

  get(id: number): DeliveryDetail | null {
    const d = this.store.data.deliveries[String(id)];
    if (!d) return null;
    const payload = JSON.parse(readFileSync(this.store.deliveryFile(id), "utf8")) as Record<string, unknown>;
    const app = this.store.data.apps[String(d.appId)];
    return { ...d, request: { headers: this.headers(d, app, JSON.stringify(payload)), payload } };
  }

  /** Sends a recorded delivery again with the same GUID (`x-github-delivery`); returns the new record. */
  redeliver(id: number): DeliveryRec {
    const d = this.get(id);
    if (!d) throw new Error(`no delivery ${id}`);
    const app = this.store.data.apps[String(d.appId)];
    const rec = this.enqueue(
      { ...app, events: [] },
      d.event,
      d.request.payload as Record<string, unknown>,
      d.installationId,
      d.repo,
      d.guid,
      true,
    );
    if (!rec) throw new Error(`app ${app.id} has no webhook URL`);
    return rec;
  }

  /** Resolves when nothing is in flight or waiting for a retry (including deliveries those trigger). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending = 0;
    this.settle();
  }

  private settle(): void {
    if (this.pending > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private schedule(rec: DeliveryRec, delay: number): void {
    if (this.closed) return;
    this.pending++;
    const run = (): void => {
      // one chain per receiver URL keeps deliveries to a receiver in order
      const prev = this.chains.get(rec.url) ?? Promise.resolve();
      const next = prev.then(() => this.attempt(rec)).catch((e: unknown) => this.log.error(`delivery ${rec.id} crashed: ${String(e)}`));
      this.chains.set(rec.url, next);
      void next.finally(() => {
        if (this.chains.get(rec.url) === next) this.chains.delete(rec.url);
        this.pending = Math.max(0, this.pending - 1);
        this.settle();
      });
    };
    if (delay <= 0) run();
    else {
      const t = setTimeout(() => {
        this.timers.delete(t);
        run();
      }, delay);
      this.timers.add(t);
    }
  }

  private headers(d: DeliveryRec, app: AppRec, body: string): Record<string, string> {
    const h: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/ouro-standin",
      "x-github-event": d.event,
      "x-github-delivery": d.guid,
      "x-github-hook-id": String(app.id),
      "x-github-hook-installation-target-id": String(app.id),
      "x-github-hook-installation-target-type": "integration",
      "x-github-enterprise-host": this.host,
      "x-github-enterprise-version": "3.19.0",
    };
    if (app.webhookSecret) {
      h["x-hub-signature-256"] = sign(app.webhookSecret, body);
      h["x-hub-signature"] = sign(app.webhookSecret, body, "sha1");
    }
    return h;
  }

  private async attempt(rec: DeliveryRec): Promise<void> {
    if (this.closed) return;
    const app = this.store.data.apps[String(rec.appId)];
    const body = readFileSync(this.store.deliveryFile(rec.id), "utf8");
    const headers = this.headers(rec, app, body);
    const started = performance.now();
    rec.attempts++;
    let code = 0;
    let error: string | null = null;
    try {
      code = await post(rec.url, headers, body, this.timeoutMs);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (this.closed) return;
    rec.durationMs = Math.round(performance.now() - started);
    rec.statusCode = code;
    rec.deliveredAt = now();
    rec.lastError = error ?? (code >= 200 && code < 300 ? null : `HTTP ${code}`);
    const ok = code >= 200 && code < 300;
    this.log.debug(
      `webhook ${rec.event}${rec.action ? "." + rec.action : ""} #${rec.id} → ${rec.url}: ${ok ? code : rec.lastError} (attempt ${rec.attempts})`,
    );
    if (ok) rec.status = "OK";
    else if (rec.attempts <= this.retryDelays.length) this.schedule(rec, this.retryDelays[rec.attempts - 1]);
    else rec.status = "failed";
    this.store.touch();
    this.store.save();
  }
}

function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
