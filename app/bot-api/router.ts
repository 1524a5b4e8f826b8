// The server side of the bot ⇄ app link (contract/app-link.ts): bearer-token HTTP under
// /bot/v1, one table of routes. The token is checked, the route found (404, or 405 with
// `Allow`), the body validated with the protocol's schema, and errors shaped as { error }
// here, once; handlers in routes/ only do their route's work.
// One extension: GET /bot/v1/changes/:id/audit → { changeId, state, audit: AuditRow[] }.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { API_PREFIX, changeRequestSchema, linkStartSchema, runtimeErrorReportSchema } from "../../contract/app-link.ts";
import type { AppContext } from "../context.ts";
import { byBody, voteBody } from "./bodies.ts";
import { authorized, HttpError, send } from "./http.ts";
import { get, matchPath, post } from "./route.ts";
import type { Route } from "./route.ts";
import { changeAudit, listChanges, rollbackChange, submitChange, voteOnChange } from "./routes/changes.ts";
import { acceptErrorReport } from "./routes/errors.ts";
import { forgetPerson } from "./routes/forget.ts";
import { progressStream } from "./routes/events.ts";
import { removeLink, startLinking } from "./routes/links.ts";
import { getStatus } from "./routes/status.ts";
import { setStop } from "./routes/stop.ts";

/** Paths are relative to API_PREFIX. */
const routes: Route[] = [
  get("/events", progressStream),
  post("/changes", changeRequestSchema, submitChange),
  get("/changes", listChanges),
  get("/status", getStatus),
  post("/stop", byBody, setStop(true)),
  post("/resume", byBody, setStop(false)),
  post("/errors", runtimeErrorReportSchema, acceptErrorReport),
  get("/changes/:id/audit", changeAudit),
  post("/changes/:id/rollback", byBody, rollbackChange),
  post("/changes/:id/votes", voteBody, voteOnChange),
  post("/forget", byBody, forgetPerson),
  post("/links", linkStartSchema, startLinking),
  post("/links/remove", byBody, removeLink),
];

function find(method: string, rest: string, path: string): { route: Route; params: Record<string, string> } {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, rest);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length) throw new HttpError(405, `${method} is not allowed on ${path}`, { allow: allowed.join(", ") });
  throw new HttpError(404, `no route ${method} ${path}`);
}

export function botApi(ctx: AppContext, token: string, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://local");
    const path = url.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    try {
      if (!authorized(req, token)) throw new HttpError(401, "missing or wrong bearer token");
      const { route, params } = find(method, path.slice(API_PREFIX.length), path);
      const answer = await route.serve({ ctx, log, params, query: url.searchParams, body: undefined, req, res });
      if (answer !== "streaming") send(res, answer.status, answer.body);
    } catch (e) {
      if (e instanceof HttpError) return send(res, e.status, { error: e.message }, e.headers);
      log.error({ err: e }, "bot API request failed");
      send(res, 500, { error: `the Ouro app failed: ${(e as Error).message}` });
    }
  };
}
