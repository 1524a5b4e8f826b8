// A small method+path router for the REST API, GitHub's error shape, and pagination.
import type { IncomingHttpHeaders } from "node:http";
import type { AppRec, InstallationRec } from "./store.ts";

export const DOCS = "https://docs.github.com/enterprise-server@3.19/rest";

export class HttpError extends Error {
  readonly status: number;
  readonly errors?: unknown[];
  readonly headers?: Record<string, string>;
  readonly docs: string;
  constructor(status: number, message: string, opts: { errors?: unknown[]; headers?: Record<string, string>; docs?: string } = {}) {
    super(message);
    this.status = status;
    this.errors = opts.errors;
    this.headers = opts.headers;
    this.docs = opts.docs ?? DOCS;
  }
  body(): Record<string, unknown> {
    const b: Record<string, unknown> = { message: this.message, documentation_url: this.docs };
    if (this.errors) b.errors = this.errors;
    b.status = String(this.status);
    return b;
  }
}

export const notFound = (): HttpError => new HttpError(404, "Not Found");
export const invalid = (message: string, field?: string, code = "invalid", resource?: string): HttpError =>
  new HttpError(422, message, { errors: field ? [{ resource: resource ?? "Resource", field, code }] : [{ message, code: "custom" }] });

export type Auth =
  | { kind: "user"; login: string; token: string }
  | { kind: "installation"; installation: InstallationRec; app: AppRec; login: string; token: string }
  | { kind: "app"; app: AppRec };

export interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  auth: Auth;
  /** login of the acting account (user or `slug[bot]`) */
  actor: string;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Promise<Reply | unknown> | Reply | unknown;

interface Route {
  method: string;
  re: RegExp;
  names: string[];
  handler: Handler;
  /** which credentials may call it */
  auth: "jwt" | "token" | "any";
}

export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, auth: Route["auth"] = "token"): void {
    const names: string[] = [];
    const re = new RegExp(
      "^" +
        pattern.replace(/\{(\w+)(\*?)\}/g, (_m, name: string, star: string) => {
          names.push(name);
          return star ? "(.+)" : "([^/]+)";
        }) +
        "/?$",
    );
    this.routes.push({ method, re, names, handler, auth });
  }

  /** The most specific route for the path: fewest parameters, catch-all (`{x*}`) last. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | { methodMismatch: true } | null {
    let pathMatched = false;
    let best: { route: Route; params: Record<string, string>; score: number } | null = null;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const score = r.names.length + (r.re.source.includes("(.+)") ? 10 : 0);
      if (best && best.score <= score) continue;
      const params: Record<string, string> = {};
      try {
        r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      } catch {
        continue;
      }
      best = { route: r, params, score };
    }
    if (best) return { route: best.route, params: best.params };
    return pathMatched ? { methodMismatch: true } : null;
  }
}

/** Slices a list per `per_page`/`page` and builds GitHub's Link header. */
export function paginate<T>(ctx: Ctx, items: T[], baseUrl: string): Reply & { body: T[] } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(ctx.query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const body = items.slice((page - 1) * perPage, page * perPage);
  const link = (p: number, rel: string): string => {
    const q = new URLSearchParams(ctx.query);
    q.set("per_page", String(perPage));
    q.set("page", String(p));
    return `<${baseUrl}${ctx.path}?${q}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return { body, headers: links.length ? { link: links.join(", ") } : {} };
}

// Input readers: a wrong type is a 422 with GitHub's `errors`, never a crash.
export function str(body: Record<string, unknown>, key: string, required: true): string;
export function str(body: Record<string, unknown>, key: string, required?: false): string | undefined;
export function str(body: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(`Invalid request.\n\n"${key}" wasn't supplied.`, key, "missing_field");
    return undefined;
  }
  if (typeof v !== "string") throw invalid(`Invalid request.\n\nFor '${key}', ${JSON.stringify(v)} is not a string.`, key);
  return v;
}

export function bool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid(`Invalid request.\n\nFor '${key}', ${JSON.stringify(v)} is not a boolean.`, key);
  return v;
}

export function strArray(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw invalid(`Invalid request.\n\nFor '${key}', ${JSON.stringify(v)} is not an array of strings.`, key);
  return v as string[];
}

export function oneOf<T extends string>(body: Record<string, unknown>, key: string, values: readonly T[]): T | undefined {
  const v = str(body, key);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v))
    throw invalid(`Invalid request.\n\nFor '${key}', "${v}" is not one of ${values.join(", ")}.`, key);
  return v as T;
}
