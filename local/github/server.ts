// The HTTP front: REST under /api/v3, GraphQL reserved at /api/graphql, git smart HTTP at
// /{owner}/{repo}.git, and the driver at /_driver. One dispatch path serves both HTTP and the
// in-process driver, so a driver action is exactly an API call.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "./auth.ts";
import type { Core } from "./domain.ts";
import { HttpError, Router } from "./router.ts";
import type { Auth, Ctx, Reply } from "./router.ts";
import { registerAppRoutes } from "./routes/app.ts";
import { registerCheckRoutes } from "./routes/checks.ts";
import { registerGitDataRoutes } from "./routes/gitdata.ts";
import { registerIssueRoutes } from "./routes/issues.ts";
import { manifestFormOwner, registerManifestRoutes, serveManifestForm } from "./routes/manifest.ts";
import { registerPullRoutes } from "./routes/pulls.ts";
import { registerRepoRoutes } from "./routes/repos.ts";
import { isWebSignInPath, serveWebSignIn } from "./oauth.ts";
import { GIT_PATH_RE, serveGit } from "./smart-http.ts";

export interface ApiRequest {
  method: string;
  /** path below /api/v3, may include a query string */
  path: string;
  body?: unknown;
  headers?: Record<string, string | undefined>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export function buildRouter(core: Core): Router {
  const r = new Router();
  registerAppRoutes(r, core);
  registerRepoRoutes(r, core);
  registerGitDataRoutes(r, core);
  registerPullRoutes(r, core);
  registerIssueRoutes(r, core);
  registerCheckRoutes(r, core);
  registerManifestRoutes(r, core);
  r.add("GET", "/meta", () => ({ installed_version: "3.19.0", verifiable_password_authentication: true }), "any");
  r.add(
    "GET",
    "/rate_limit",
    () => {
      const reset = Math.floor(Date.now() / 1000) + 3600;
      const core = { limit: 5000, remaining: 5000, reset, used: 0 };
      return { resources: { core, search: core }, rate: core };
    },
    "any",
  );
  return r;
}

const BASE_HEADERS = (): Record<string, string> => ({
  "content-type": "application/json; charset=utf-8",
  "x-github-media-type": "github.v3; format=json",
  "x-github-request-id": randomUUID(),
  "x-github-enterprise-version": "3.19.0",
  "x-ratelimit-limit": "5000",
  "x-ratelimit-remaining": "4999",
  "x-ratelimit-used": "1",
  "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
  "x-ratelimit-resource": "core",
});

/** Runs one REST request through routing, authentication and the handler. Never throws. */
export async function dispatch(core: Core, router: Router, req: ApiRequest): Promise<ApiResponse> {
  const headers = BASE_HEADERS();
  const started = performance.now();
  const u = new URL(req.path, "http://x");
  const path = u.pathname.replace(/\/+$/, "") || "/";
  try {
    const found = router.match(req.method, path);
    if (!found) throw new HttpError(404, "Not Found");
    if ("methodMismatch" in found) throw new HttpError(404, "Not Found");
    let auth: Auth | null;
    try {
      auth = authenticate(core.store, req.headers?.authorization);
    } catch (e) {
      if (e instanceof HttpError && found.route.auth === "jwt" && e.message === "Bad credentials")
        throw new HttpError(401, "A JSON web token could not be decoded");
      throw e;
    }
    if (!auth) {
      if (found.route.auth !== "any") throw new HttpError(401, "Requires authentication");
    } else if (found.route.auth === "jwt" && auth.kind !== "app") throw new HttpError(401, "A JSON web token could not be decoded");
    else if (found.route.auth === "token" && auth.kind === "app") throw new HttpError(401, "Bad credentials");
    if (req.body !== undefined && req.body !== null && (typeof req.body !== "object" || Array.isArray(req.body)))
      throw new HttpError(400, "Problems parsing JSON");
    const actor = !auth ? "" : auth.kind === "app" ? auth.app.slug : auth.login;
    const ctx: Ctx = {
      method: req.method,
      path,
      params: found.params,
      query: u.searchParams,
      body: (req.body as Record<string, unknown> | undefined) ?? {},
      headers: req.headers ?? {},
      auth: auth ?? ({ kind: "user", login: "", token: "" } as Auth),
      actor,
    };
    const out = await found.route.handler(ctx);
    const reply: Reply =
      out &&
      typeof out === "object" &&
      ("body" in out || "status" in out) &&
      !Array.isArray(out) &&
      Object.keys(out).every((k) => k === "status" || k === "body" || k === "headers")
        ? (out as Reply)
        : { body: out };
    const status = reply.status ?? 200;
    core.log.debug(`${req.method} ${req.path} → ${status} (${(performance.now() - started).toFixed(1)} ms)`);
    return { status, body: status === 204 ? null : (reply.body ?? null), headers: { ...headers, ...(reply.headers ?? {}) } };
  } catch (e) {
    if (e instanceof HttpError) {
      core.log.debug(`${req.method} ${req.path} → ${e.status} ${e.message}`);
      return { status: e.status, body: e.body(), headers: { ...headers, ...(e.headers ?? {}) } };
    }
    core.log.error(`${req.method} ${req.path} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return {
      status: 500,
      body: {
        message: `Server Error: ${e instanceof Error ? e.message : String(e)}`,
        documentation_url: "https://docs.github.com/rest",
        status: "500",
      },
      headers,
    };
  } finally {
    core.store.save();
  }
}

export async function readBody(req: IncomingMessage, limit = 100 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, "Payload too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // A raw media type (Accept: application/vnd.github.raw) answers with the bytes themselves.
  const raw = typeof body === "string" && headers["content-type"] && !headers["content-type"].startsWith("application/json");
  const text = body === null || status === 204 ? "" : raw ? (body as string) : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    ...headers,
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export type DriverHttp = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function createHandler(core: Core, router: Router, driverHttp: DriverHttp) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    try {
      if (url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/")) {
        const raw = await readBody(req);
        let body: unknown;
        if (raw.length > 0) {
          try {
            body = JSON.parse(raw.toString("utf8"));
          } catch {
            return sendJson(res, 400, {
              message: "Problems parsing JSON",
              documentation_url: "https://docs.github.com/rest",
              status: "400",
            });
          }
        }
        const path = url.pathname.slice("/api/v3".length) + url.search;
        const out = await dispatch(core, router, {
          method: req.method ?? "GET",
          path: path || "/",
          body,
          headers: { authorization: req.headers.authorization, accept: req.headers.accept },
        });
        return sendJson(res, out.status, out.body, out.headers);
      }
      if (url.pathname.startsWith("/api/graphql")) {
        return sendJson(res, 501, {
          message: "The GraphQL API is not implemented by the Ouro GitHub stand-in; use the REST API under /api/v3.",
          documentation_url: "https://docs.github.com/graphql",
        });
      }
      if (url.pathname === "/_driver" || url.pathname.startsWith("/_driver/")) return await driverHttp(req, res, url);
      if (isWebSignInPath(url.pathname)) return await serveWebSignIn(core, req, res, url);
      const manifestOwner = manifestFormOwner(url.pathname);
      if (manifestOwner) return await serveManifestForm(core, req, res, url, manifestOwner);
      const m = GIT_PATH_RE.exec(url.pathname);
      if (m) return await serveGit(core, req, res, url, m);
      if (url.pathname === "/")
        return sendJson(res, 200, { name: "ouro GitHub stand-in", api: `${core.web}/api/v3`, driver: `${core.web}/_driver` });
      return sendJson(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500)
        core.log.error(`${req.method} ${url.pathname} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent)
        sendJson(res, status, { message: e instanceof Error ? e.message : String(e), documentation_url: "https://docs.github.com/rest" });
      else res.end();
    }
  };
}
