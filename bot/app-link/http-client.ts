// The bot's side of contract/app-link.ts over HTTP with a bearer token. Progress arrives on one
// long-lived SSE stream that reconnects with backoff and resumes from Last-Event-ID. A submit
// is retried with the same request id (the app's idempotency key) while the app cannot be
// reached or answers 5xx — it restarts in seconds — within the submit's budget; only the final
// failure reaches the user, and the app cancels a request whose answer never arrived.
import { z } from "zod";
import { AppLinkError, type OuroAppLink } from "./link.ts";
import {
  API_PREFIX,
  appStatusSchema,
  changeRequestSchema,
  changeSummarySchema,
  errorBodySchema,
  forgetResultSchema,
  linkRemovedSchema,
  linkStartedSchema,
  linkStartSchema,
  progressEventSchema,
  rollbackResultSchema,
  runtimeErrorReportSchema,
  stopResultSchema,
  submitResultSchema,
  voteResultSchema,
  type Actor,
  type ProgressEvent,
} from "../../contract/app-link.ts";
import { readSse } from "./sse.ts";

export interface HttpAppLinkOptions {
  url: string;
  token: string;
  /** How long a request may take (default 10 s). */
  requestTimeoutMs?: number;
  /**
   * How long a submit or a rollback may take (default 60 s): the bot defers those interactions
   * while it waits (Discord then allows 15 minutes), and the app does real work for them (an
   * issue, a revert PR), which a busy host does slowly.
   */
  deferredRequestTimeoutMs?: number;
  /** The first wait before a submit is retried (default 250 ms); it doubles, up to 5 s. */
  retryBaseMs?: number;
  /** Called with stream problems (bad events, reconnects) and submit retries, for the bot's log. */
  onWarning?: (message: string) => void;
  /** Where the event stream resumes after a restart, and a hook to store it as it advances. */
  lastEventId?: string;
  onEventId?: (id: string) => void;
}

/** Failures worth another try: no answer at all (status unknown), or the app or a proxy failing. */
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const transient = (e: AppLinkError) => e.status === undefined || TRANSIENT_STATUS.has(e.status);

/** Validates what the bot is about to send; a bad value is the bot's bug, named clearly. */
function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new AppLinkError(`invalid ${what}:\n${z.prettifyError(r.error)}`);
  }
  return r.data;
}

export class HttpAppLink implements OuroAppLink {
  private base: string;
  private token: string;
  private timeoutMs: number;
  private deferredTimeoutMs: number;
  private retryBaseMs: number;
  private listeners = new Set<(e: ProgressEvent, seq?: number) => void>();
  private stream?: AbortController;
  private lastEventId?: string;
  private closed = false;
  private live = false;
  private warn: (m: string) => void;
  private onEventId?: (id: string) => void;
  /** Resolves once the event stream is connected (for tests and start-up ordering). */
  connected: Promise<void>;
  private markConnected!: () => void;

  constructor(opts: HttpAppLinkOptions) {
    this.base = opts.url.replace(/\/+$/, "") + API_PREFIX;
    this.token = opts.token;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.deferredTimeoutMs = opts.deferredRequestTimeoutMs ?? 60_000;
    this.retryBaseMs = opts.retryBaseMs ?? 250;
    this.warn = opts.onWarning ?? (() => {});
    this.lastEventId = opts.lastEventId;
    this.onEventId = opts.onEventId;
    this.connected = new Promise((r) => (this.markConnected = r));
  }

  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new AppLinkError(`the Ouro app is unreachable (${(err as Error).message})`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new AppLinkError(`the Ouro app's answer was cut off (${(err as Error).message})`); // status unknown: worth a retry
    }
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new AppLinkError(`the Ouro app sent a malformed answer (HTTP ${res.status})`, res.status);
    }
    if (!res.ok) {
      const e = errorBodySchema.safeParse(json);
      throw new AppLinkError(e.success ? e.data.error : `the Ouro app answered HTTP ${res.status}`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AppLinkError(`the Ouro app sent an unexpected answer:\n${z.prettifyError(parsed.error)}`, res.status);
    return parsed.data;
  }

  async submitRequest(request: z.input<typeof changeRequestSchema>) {
    const body = checked(changeRequestSchema, request, "change request");
    return this.retrying("submit", this.deferredTimeoutMs, (left) => this.call("POST", "/changes", submitResultSchema, body, left));
  }

  /**
   * Runs `attempt` (given the time left) again after a transient failure — the app unreachable,
   * the connection dropped, an attempt timed out, or a 5xx — with backoff, until `budgetMs` is
   * spent; any other answer (2xx, 4xx) is final at once.
   */
  private async retrying<T>(what: string, budgetMs: number, attempt: (leftMs: number) => Promise<T>): Promise<T> {
    const end = Date.now() + budgetMs;
    let delay = this.retryBaseMs;
    for (let tries = 1; ; tries++) {
      try {
        return await attempt(Math.max(1, end - Date.now()));
      } catch (err) {
        if (!(err instanceof AppLinkError) || !transient(err)) throw err;
        if (end - Date.now() <= delay)
          throw new AppLinkError(tries > 1 ? `${err.message} (tried ${tries} times)` : err.message, err.status);
        this.warn(`${what}: ${err.message}; trying again in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
  status() {
    return this.call("GET", "/status", appStatusSchema, undefined, this.deferredTimeoutMs); // /status defers when slow
  }
  async changes(limit = 10) {
    const r = await this.call("GET", `/changes?limit=${limit}`, z.object({ changes: z.array(changeSummarySchema) }));
    return r.changes;
  }
  rollback(changeId: string, by: Actor) {
    return this.call("POST", `/changes/${encodeURIComponent(changeId)}/rollback`, rollbackResultSchema, { by }, this.deferredTimeoutMs);
  }
  vote(changeId: string, voter: Actor, vote: "up" | "down") {
    return this.call("POST", `/changes/${encodeURIComponent(changeId)}/votes`, voteResultSchema, { voter, vote });
  }
  stop(by: Actor) {
    return this.call("POST", "/stop", stopResultSchema, { by });
  }
  resume(by: Actor) {
    return this.call("POST", "/resume", stopResultSchema, { by });
  }
  forget(by: Actor) {
    return this.call("POST", "/forget", forgetResultSchema, { by });
  }
  async linkGithub(user: Actor, login: string) {
    // the app makes the link issue the first time: a slow host may take a while (the bot defers)
    const body = checked(linkStartSchema, { user, login }, "link request");
    return this.call("POST", "/links", linkStartedSchema, body, this.deferredTimeoutMs);
  }
  unlinkGithub(by: Actor) {
    return this.call("POST", "/links/remove", linkRemovedSchema, { by });
  }
  async reportError(report: z.input<typeof runtimeErrorReportSchema>) {
    await this.call("POST", "/errors", z.unknown(), checked(runtimeErrorReportSchema, report, "error report"));
  }

  streaming(): boolean {
    return this.live;
  }

  subscribe(listener: (e: ProgressEvent, seq?: number) => void): () => void {
    this.listeners.add(listener);
    if (!this.stream && !this.closed) void this.runStream();
    return () => this.listeners.delete(listener);
  }

  private async runStream(): Promise<void> {
    let delay = 100;
    while (!this.closed) {
      const ctrl = new AbortController();
      this.stream = ctrl;
      try {
        const res = await fetch(this.base + "/events", {
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: "text/event-stream",
            ...(this.lastEventId ? { "last-event-id": this.lastEventId } : {}),
          },
          signal: ctrl.signal,
        });
        if (!res.ok || !res.body) throw new Error(`event stream answered HTTP ${res.status}`);
        this.live = true;
        this.markConnected();
        delay = 100;
        for await (const msg of readSse(res.body)) {
          if (msg.event !== "progress") {
            if (msg.id !== undefined) this.lastEventId = msg.id;
            continue;
          }
          let parsed;
          try {
            parsed = progressEventSchema.safeParse(JSON.parse(msg.data));
          } catch {
            parsed = undefined;
          }
          if (!parsed?.success) {
            this.warn(`ignored a malformed progress event: ${msg.data.slice(0, 200)}`);
            continue;
          }
          // the app's ids are its stream's sequence numbers (app/bot-api/routes/events.ts)
          const seq = msg.id !== undefined && /^[0-9]+$/.test(msg.id) ? Number(msg.id) : undefined;
          for (const l of this.listeners) {
            try {
              l(parsed.data, seq);
            } catch (err) {
              this.warn(`progress listener failed: ${(err as Error).message}`);
            }
          }
          if (msg.id !== undefined) {
            this.lastEventId = msg.id;
            this.onEventId?.(msg.id);
          }
        }
        if (!this.closed) this.warn("event stream ended; reconnecting");
      } catch (err) {
        if (this.closed) break;
        this.warn(`event stream: ${(err as Error).message}; retrying in ${delay} ms`);
      }
      this.live = false;
      if (this.closed) break;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 5_000);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.abort();
    this.listeners.clear();
  }
}
