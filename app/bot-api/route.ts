// One route of the bot API: a method, a path pattern under /bot/v1 (`:name` is one path
// segment, URI-decoded), and a handler. `post` routes name the protocol schema their body
// must satisfy; the handler gets the parsed body and never sees raw JSON.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { z } from "zod";
import type { AppContext } from "../context.ts";
import { readJson } from "./http.ts";

/** What a handler gets: the app context, a logger, the path parameters, the query, the parsed body. */
export interface Call<B> {
  ctx: AppContext;
  log: Logger;
  params: Record<string, string>;
  query: URLSearchParams;
  body: B;
  req: IncomingMessage;
  res: ServerResponse;
}

/** A JSON reply; `"streaming"` when the handler answers on `res` itself (the progress stream). */
export type Answer = { status: number; body: unknown } | "streaming";

type Handler<B> = (call: Call<B>) => Answer | Promise<Answer>;

export interface Route {
  method: "GET" | "POST";
  path: string;
  serve: (call: Call<undefined>) => Promise<Answer>;
}

export const get = (path: string, handle: Handler<undefined>): Route => ({
  method: "GET",
  path,
  serve: async (call) => handle(call),
});

export const post = <B>(path: string, schema: z.ZodType<B>, handle: Handler<B>): Route => ({
  method: "POST",
  path,
  serve: async (call) => handle({ ...call, body: await readJson(call.req, schema) }),
});

/** `/changes/:id/votes` against `/changes/x%2Fy/votes` → `{ id: "x/y" }`; null if it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (!want[i].startsWith(":")) {
      if (want[i] !== got[i]) return null;
      continue;
    }
    if (got[i] === "") return null;
    try {
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } catch {
      return null; // a malformed %-escape names no change
    }
  }
  return params;
}
