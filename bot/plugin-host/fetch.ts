// The plugin API's `fetch`, done by the core (the host has no network): only to the
// policy's `network.allowedHosts`, redirects re-checked hop by hop, bounded in size and time.
// The core adds nothing of its own to the request: no token, no cookie.
import { z } from "zod";
import { hostAllowed } from "../../policy-engine/rules/code/hosts.ts";
import type { FetchResponse } from "../plugin-api/index.ts";

const MAX_BODY = 1024 * 1024;
const MAX_REDIRECTS = 3;

const initSchema = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).optional(),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "header names are letters, digits and dashes"), z.string().max(4096))
    .optional(),
  body: z.string().max(MAX_BODY).optional(),
});

/** Headers a plugin may not set: the transport's own, and the core's identity. */
const FORBIDDEN_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "proxy-authorization",
  "te",
  "trailer",
]);

export interface PluginFetchOptions {
  allowedHosts: readonly string[];
  timeoutMs?: number;
}

function checkUrl(raw: string, allowed: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`fetch: "${String(raw).slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`fetch: only http(s) URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new Error("fetch: URLs with credentials are not allowed");
  if (!hostAllowed(allowed, url.hostname)) throw new Error(`fetch: the host ${url.hostname} is not in the policy's network.allowedHosts`);
  return url;
}

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new Error(`fetch: the response is larger than ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function pluginFetch(rawUrl: unknown, rawInit: unknown, opts: PluginFetchOptions): Promise<FetchResponse> {
  if (typeof rawUrl !== "string") throw new Error("fetch: the URL must be a string");
  const parsed = initSchema.safeParse(rawInit ?? {});
  if (!parsed.success) throw new Error(`fetch: invalid options: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`);
  const init = parsed.data;
  const headers = Object.fromEntries(Object.entries(init.headers ?? {}).filter(([k]) => !FORBIDDEN_HEADERS.has(k.toLowerCase())));
  let url = checkUrl(rawUrl, opts.allowedHosts);
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  for (let hop = 0; ; hop++) {
    const res = await fetch(url, {
      method: init.method ?? "GET",
      headers,
      body: init.body,
      redirect: "manual",
      signal,
      credentials: "omit",
    });
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new Error(`fetch: more than ${MAX_REDIRECTS} redirects`);
      url = checkUrl(new URL(location, url).href, opts.allowedHosts);
      continue;
    }
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await readLimited(res) };
  }
}
