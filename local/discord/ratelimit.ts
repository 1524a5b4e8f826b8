// Rate-limit headers on every response (per-route buckets, 1 s windows) and 429s injected by tests,
// in the shape @discordjs/rest reads: Retry-After, X-RateLimit-{Limit,Remaining,Reset,Reset-After,Bucket,Scope,Global}.
import { createHash } from "node:crypto";
import type { RESTRateLimit } from "discord-api-types/v10";

export interface RateLimitInjection {
  /** Substring or RegExp matched against "METHOD /api/v10/path"; absent = any route. */
  route?: string | RegExp;
  /** Seconds the client must wait. */
  retryAfter: number;
  global?: boolean;
  /** How many requests get the 429 (default 1). */
  count?: number;
}

export interface RateLimitResult {
  status: number;
  headers: Record<string, string>;
  body?: RESTRateLimit;
}

export class RateLimiter {
  readonly #limit: number;
  readonly #windows = new Map<string, { resetAt: number; used: number }>();
  readonly #bucketIds = new Map<string, string>();
  readonly #injections: (RateLimitInjection & { left: number })[] = [];
  /** Requests answered with an injected 429. */
  hits: string[] = [];

  constructor(limitPerSecond: number) {
    this.#limit = limitPerSecond;
  }

  inject(i: RateLimitInjection): void {
    this.#injections.push({ ...i, left: i.count ?? 1 });
  }

  /** Route template used as bucket key: ids collapse except the major parameter (channel/guild/webhook). */
  static bucketKey(method: string, path: string): string {
    const route = path.replace(/\/(\d{16,20})(?=\/|$)/g, (m, _id, offset: number) => {
      const before = path.slice(0, offset);
      return /\/(channels|guilds|webhooks)$/.test(before) ? m : "/:id";
    });
    return `${method} ${route.replace(/\/interactions\/:id\/[^/]+/, "/interactions/:id/:token")}`;
  }

  check(method: string, path: string): RateLimitResult {
    const key = RateLimiter.bucketKey(method, path);
    let bucket = this.#bucketIds.get(key);
    if (bucket === undefined) this.#bucketIds.set(key, (bucket = createHash("sha1").update(key).digest("hex").slice(0, 16)));
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) this.#windows.set(key, (w = { resetAt: now + 1000, used: 0 }));
    const target = `${method} ${path}`;
    const inj = this.#injections.find(
      (i) => i.left > 0 && (i.route === undefined || (typeof i.route === "string" ? target.includes(i.route) : i.route.test(target))),
    );
    if (inj) {
      inj.left--;
      this.hits.push(target);
      const headers: Record<string, string> = {
        "retry-after": String(Math.ceil(inj.retryAfter)),
        "x-ratelimit-limit": String(this.#limit),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": ((now + inj.retryAfter * 1000) / 1000).toFixed(3),
        "x-ratelimit-reset-after": inj.retryAfter.toFixed(3),
        "x-ratelimit-bucket": bucket,
        "x-ratelimit-scope": inj.global ? "global" : "user",
      };
      if (inj.global) headers["x-ratelimit-global"] = "true";
      return {
        status: 429,
        headers,
        body: { message: "You are being rate limited.", retry_after: inj.retryAfter, global: inj.global ?? false },
      };
    }
    w.used++;
    return {
      status: 200,
      headers: {
        "x-ratelimit-limit": String(this.#limit),
        "x-ratelimit-remaining": String(Math.max(0, this.#limit - w.used)),
        "x-ratelimit-reset": (w.resetAt / 1000).toFixed(3),
        "x-ratelimit-reset-after": ((w.resetAt - now) / 1000).toFixed(3),
        "x-ratelimit-bucket": bucket,
      },
    };
  }
}
