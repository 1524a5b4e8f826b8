// An OpenAI-compatible chat completions server for tests and local mode. Scripted by the
// caller (a queue of turns, or a function of the request); records every request.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import type { Model } from "openai/resources/models";
import pino, { type Logger } from "pino";
import { ApiError } from "./errors.ts";
import { parseChatRequest } from "./request.ts";
import { buildTurn, toChunks, toCompletion, type ScriptedTurn } from "./completion.ts";
import { DRIVER_HELP, enqueueSchema, injectSchema, parseDriverBody } from "./driver.ts";

export type { ScriptedTurn, ScriptedToolCall } from "./completion.ts";

/** A scripted failure for one request (the SDK sees the API's error shape). */
export interface ScriptedError {
  error: { status: number; message: string; type?: string; code?: string | null };
}
export type ScriptedResponse = ScriptedTurn | ScriptedError;
export type Handler = (request: ChatCompletionCreateParams) => ScriptedResponse | Promise<ScriptedResponse>;

export interface InjectedError {
  status: 429 | 500 | 502 | 503;
  /** How many consecutive chat requests fail (default 1). */
  times?: number;
  message?: string;
  /** Sent as `retry-after-ms` so clients can back off briefly (the SDK honours it). */
  retryAfterMs?: number;
}

export interface OpenAIStandInOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  /** Model ids listed by GET /v1/models (any model name is accepted by chat completions). */
  models?: string[];
  logger?: Logger;
}

export interface OpenAIStandIn {
  url: string;
  /** For `new OpenAI({ baseURL, apiKey })`. */
  baseURL: string;
  apiKey: string;
  /** Parsed bodies of every chat completion request that passed auth and validation. */
  requests: ChatCompletionCreateParams[];
  enqueue(...responses: ScriptedResponse[]): void;
  /** Answers requests when the queue is empty. `handle(undefined)` removes it. */
  handle(fn: Handler | undefined): void;
  injectError(err: InjectedError): void;
  /** Turns still queued. */
  pending(): number;
  close(): Promise<void>;
}

export const DEFAULT_API_KEY = "sk-ouro-local";
export const DEFAULT_MODELS = ["ouro-local", "gpt-4o-mini"];

export async function startOpenAI(opts: OpenAIStandInOptions = {}): Promise<OpenAIStandIn> {
  const apiKey = opts.apiKey ?? DEFAULT_API_KEY;
  const models = opts.models ?? DEFAULT_MODELS;
  const log = opts.logger ?? pino({ name: "local-openai", level: process.env.LOG_LEVEL ?? "silent" });
  const queue: ScriptedResponse[] = [];
  const errors: { status: number; message: string; retryAfterMs?: number }[] = [];
  const requests: ChatCompletionCreateParams[] = [];
  let handler: Handler | undefined;
  const created = Math.floor(Date.now() / 1000);

  const modelObject = (id: string): Model => ({ id, object: "model", created, owned_by: "ouro-local" });

  async function nextResponse(req: ChatCompletionCreateParams): Promise<ScriptedResponse> {
    const queued = queue.shift();
    if (queued) return queued;
    if (handler) return handler(req);
    throw new ApiError(500, "local/openai: no scripted response — enqueue() a turn or set handle() before calling the model", {
      type: "server_error",
      code: "no_scripted_response",
    });
  }

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = parseChatRequest(await readBody(req));
    const failure = errors.shift();
    if (failure) {
      throw new ApiError(failure.status, failure.message, {
        code: failure.status === 429 ? "rate_limit_exceeded" : null,
        headers: failure.retryAfterMs === undefined ? {} : { "retry-after-ms": String(failure.retryAfterMs) },
      });
    }
    requests.push(request);
    const scripted = await nextResponse(request);
    if ("error" in scripted) {
      throw new ApiError(scripted.error.status, scripted.error.message, { type: scripted.error.type, code: scripted.error.code ?? null });
    }
    const turn = buildTurn(scripted, request);
    if (!request.stream) {
      sendJson(res, 200, toCompletion(turn));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    for (const chunk of toChunks(turn, request.stream_options?.include_usage === true)) {
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/\/+$/, "");
    log.debug({ method: req.method, path }, "request");
    if (path === "/_driver" || path.startsWith("/_driver/")) return driver(req, res, path);
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      const given = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
      throw new ApiError(
        401,
        given
          ? `Incorrect API key provided: ${redact(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        { code: given ? "invalid_api_key" : null },
      );
    }
    if (path === "/v1/chat/completions" && req.method === "POST") return chat(req, res);
    if (path === "/v1/models" && req.method === "GET") {
      return sendJson(res, 200, { object: "list", data: models.map(modelObject) });
    }
    const model = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (model && req.method === "GET") {
      const id = decodeURIComponent(model[1]);
      if (!models.includes(id)) {
        throw new ApiError(404, `The model '${id}' does not exist or you do not have access to it.`, {
          code: "model_not_found",
          param: "model",
        });
      }
      return sendJson(res, 200, modelObject(id));
    }
    throw new ApiError(404, `Invalid URL (${req.method} ${url.pathname})`);
  }

  function injectError({ status, times = 1, message, retryAfterMs }: InjectedError): void {
    const text =
      message ??
      (status === 429
        ? "Rate limit reached for requests (local/openai injected)."
        : "The server had an error while processing your request (local/openai injected).");
    for (let i = 0; i < times; i++) errors.push({ status, message: text, retryAfterMs });
  }

  async function driver(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = `${req.method} ${path}`;
    if (route === "GET /_driver") return sendJson(res, 200, { endpoints: DRIVER_HELP });
    if (route === "GET /_driver/requests") return sendJson(res, 200, { requests });
    if (route === "POST /_driver/enqueue") {
      queue.push(...parseDriverBody(enqueueSchema, await readBody(req)).responses);
      return sendJson(res, 200, { pending: queue.length });
    }
    if (route === "POST /_driver/errors") {
      injectError(parseDriverBody(injectSchema, await readBody(req)));
      return sendJson(res, 200, { injected: errors.length });
    }
    if (route === "POST /_driver/reset") {
      queue.length = 0;
      errors.length = 0;
      requests.length = 0;
      return sendJson(res, 200, {});
    }
    throw new ApiError(404, `driver: no route ${route}; see GET /_driver`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const apiErr = err instanceof ApiError ? err : new ApiError(500, `local/openai internal error: ${String(err)}`);
      log.debug({ status: apiErr.status, message: apiErr.message }, "error response");
      if (res.headersSent) {
        res.end();
        return;
      }
      sendJson(res, apiErr.status, apiErr.toBody(), apiErr.headers);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    apiKey,
    requests,
    enqueue: (...responses) => void queue.push(...responses),
    handle: (fn) => void (handler = fn),
    injectError,
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function redact(key: string): string {
  return key.length <= 8 ? "****" : `${key.slice(0, 3)}****${key.slice(-4)}`;
}

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, "Request body too large."));
        req.destroy();
      } else parts.push(b);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
