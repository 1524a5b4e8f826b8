// The driver: acts as a human on the stand-in (reviews, comments, merges, issues) and reads
// state. Every action goes through the same REST dispatch as a real client, with the user's
// own personal token, so it emits the same webhooks and gets the same errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Core } from "./domain.ts";
import type { Router } from "./router.ts";
import { HttpError } from "./router.ts";
import { dispatch, readBody, sendJson } from "./server.ts";
import type { z } from "zod";
import { AppBody, AsBody, InstallBody, RepoBody, UserBody, parseBody } from "./driver-schemas.ts";
import type { ApiResponse } from "./server.ts";

export class DriverError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(method: string, path: string, res: ApiResponse) {
    const msg = (res.body as { message?: string } | null)?.message ?? "";
    super(`${method} ${path} → ${res.status}: ${msg}`);
    this.status = res.status;
    this.body = res.body;
  }
}

type Json = Record<string, unknown>;
type RepoName = string; // "owner/name"

/** A human account on the stand-in. */
export class DriverUser {
  readonly login: string;
  readonly token: string;
  private readonly d: Driver;
  constructor(d: Driver, login: string, token: string) {
    this.d = d;
    this.login = login;
    this.token = token;
  }
  /** Any REST call as this user (path below /api/v3). Throws DriverError on non-2xx. */
  request<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    return this.d.request<T>(this.token, method, path, body);
  }
  /** A review; `comments` are its line comments (`{ path, line, body }`). */
  review(
    repo: RepoName,
    number: number,
    event: "APPROVE" | "REQUEST_CHANGES" | "COMMENT",
    body = "",
    comments?: { path: string; line: number; body: string }[],
  ): Promise<Json> {
    return this.request("POST", `/repos/${repo}/pulls/${number}/reviews`, { event, body, ...(comments ? { comments } : {}) });
  }
  approve(repo: RepoName, number: number, body = ""): Promise<Json> {
    return this.review(repo, number, "APPROVE", body);
  }
  requestChanges(repo: RepoName, number: number, body: string, comments?: { path: string; line: number; body: string }[]): Promise<Json> {
    return this.review(repo, number, "REQUEST_CHANGES", body, comments);
  }
  comment(repo: RepoName, number: number, body: string): Promise<Json> {
    return this.request("POST", `/repos/${repo}/issues/${number}/comments`, { body });
  }
  merge(
    repo: RepoName,
    number: number,
    opts: { merge_method?: "merge" | "squash" | "rebase"; sha?: string; commit_title?: string } = {},
  ): Promise<Json> {
    return this.request("PUT", `/repos/${repo}/pulls/${number}/merge`, opts);
  }
  closePull(repo: RepoName, number: number): Promise<Json> {
    return this.request("PATCH", `/repos/${repo}/pulls/${number}`, { state: "closed" });
  }
  createIssue(repo: RepoName, issue: { title: string; body?: string; labels?: string[] }): Promise<Json> {
    return this.request("POST", `/repos/${repo}/issues`, issue);
  }
  closeIssue(repo: RepoName, number: number): Promise<Json> {
    return this.request("PATCH", `/repos/${repo}/issues/${number}`, { state: "closed" });
  }
  createPull(repo: RepoName, pr: { title: string; head: string; base: string; body?: string }): Promise<Json> {
    return this.request("POST", `/repos/${repo}/pulls`, pr);
  }
  addLabels(repo: RepoName, number: number, labels: string[]): Promise<Json[]> {
    return this.request("POST", `/repos/${repo}/issues/${number}/labels`, { labels });
  }
}

export class Driver {
  private readonly core: Core;
  private readonly router: Router;
  constructor(core: Core, router: Router) {
    this.core = core;
    this.router = router;
  }

  /** A personal access token for a human account (created on first use). */
  tokenFor(login: string): string {
    return this.core.userToken(login);
  }

  /** Sets a human's permission on a repository (default for anyone unlisted: "write"; owner: "admin"). */
  setPermission(repo: RepoName, login: string, permission: "admin" | "maintain" | "write" | "triage" | "read" | "none"): void {
    this.core.setPermission(repo.toLowerCase(), login, permission);
  }

  user(login: string): DriverUser {
    return new DriverUser(this, login, this.tokenFor(login));
  }

  async request<T = Json>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await dispatch(this.core, this.router, { method, path, body, headers: { authorization: `token ${token}` } });
    if (res.status >= 400) throw new DriverError(method, path, res);
    return res.body as T;
  }

  // Reads, as the site-admin reader account.
  private read<T = Json>(path: string): Promise<T> {
    return this.request<T>(this.tokenFor("ouro-driver"), "GET", path);
  }
  pull(repo: RepoName, number: number): Promise<Json> {
    return this.read(`/repos/${repo}/pulls/${number}`);
  }
  pulls(repo: RepoName, state: "open" | "closed" | "all" = "all"): Promise<Json[]> {
    return this.read(`/repos/${repo}/pulls?state=${state}&per_page=100`);
  }
  issue(repo: RepoName, number: number): Promise<Json> {
    return this.read(`/repos/${repo}/issues/${number}`);
  }
  issues(repo: RepoName, state: "open" | "closed" | "all" = "all"): Promise<Json[]> {
    return this.read(`/repos/${repo}/issues?state=${state}&per_page=100`);
  }
  comments(repo: RepoName, number: number): Promise<Json[]> {
    return this.read(`/repos/${repo}/issues/${number}/comments?per_page=100`);
  }
  reviews(repo: RepoName, number: number): Promise<Json[]> {
    return this.read(`/repos/${repo}/pulls/${number}/reviews?per_page=100`);
  }
  checkRuns(repo: RepoName, ref: string): Promise<Json> {
    return this.read(`/repos/${repo}/commits/${encodeURIComponent(ref)}/check-runs?per_page=100`);
  }
  combinedStatus(repo: RepoName, ref: string): Promise<Json> {
    return this.read(`/repos/${repo}/commits/${encodeURIComponent(ref)}/status`);
  }
  deployments(repo: RepoName): Promise<Json[]> {
    return this.read(`/repos/${repo}/deployments?per_page=100`);
  }
  deploymentStatuses(repo: RepoName, id: number): Promise<Json[]> {
    return this.read(`/repos/${repo}/deployments/${id}/statuses?per_page=100`);
  }
  /** `login` clicks the check run's action button `identifier` (only the App that created the run gets `check_run.requested_action`). */
  requestCheckRunAction(repo: RepoName, checkRunId: number, identifier: string, login: string): void {
    this.core.requestCheckRunAction(repo.toLowerCase(), checkRunId, identifier, login);
  }
  /** The sha a branch points at, or null. */
  async branchSha(repo: RepoName, branch: string): Promise<string | null> {
    const k = repo.toLowerCase();
    if (!this.core.store.data.repos[k]) throw new Error(`no repository ${repo}`);
    return this.core.bare(k).refSha(`refs/heads/${branch}`);
  }
  /** A file's text at a ref (default branch by default), or null if absent. */
  async readFile(repo: RepoName, path: string, ref?: string): Promise<string | null> {
    const k = repo.toLowerCase();
    const rec = this.core.store.data.repos[k];
    if (!rec) throw new Error(`no repository ${repo}`);
    const git = this.core.bare(k);
    const sha = await git.resolve(ref ?? `refs/heads/${rec.defaultBranch}`);
    if (!sha) return null;
    const r = await git.git(["cat-file", "blob", `${sha}:${path}`], { allowFail: true });
    return r.code === 0 ? r.stdout.toString("utf8") : null;
  }
}

/** The driver over HTTP (`/_driver/…`), for local mode's web pages and other processes. */
export function driverHttp(
  core: Core,
  router: Router,
  driver: Driver,
  hooks: { createRepo: (b: z.infer<typeof RepoBody>) => Promise<Json>; registerApp: (b: z.infer<typeof AppBody>) => Promise<Json> },
) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    let body: Json = {};
    const raw = await readBody(req, 10 * 1024 * 1024);
    if (raw.length) {
      try {
        const v = JSON.parse(raw.toString("utf8")) as unknown;
        if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
        body = v as Json;
      } catch {
        return sendJson(res, 400, { message: "Problems parsing JSON" });
      }
    }
    try {
      if (method === "GET" && path === "/_driver") {
        return sendJson(res, 200, {
          endpoints: [
            "POST /_driver/users {login} → {login, token}",
            "POST /_driver/repos {owner, name, fromDir?, defaultBranch?} → repository",
            "POST /_driver/apps {name?, webhookUrl?, webhookSecret?, events?, callbackUrls?} → {appId, slug, clientId, privateKey, webhookSecret, clientSecret}",
            "POST /_driver/installations {appId, repo: 'owner/name' | 'owner'} → {id}",
            "POST /_driver/as/{login} {method, path, body?} → the REST call made as that user",
            "GET /_driver/deliveries, GET /_driver/deliveries/{id}, POST /_driver/deliveries/{id}/redeliver, POST /_driver/deliveries/idle",
          ],
        });
      }
      if (method === "POST" && path === "/_driver/users") {
        const { login } = parseBody(UserBody, body);
        return sendJson(res, 201, { login, token: driver.tokenFor(login) });
      }
      if (method === "POST" && path === "/_driver/repos") return sendJson(res, 201, await hooks.createRepo(parseBody(RepoBody, body)));
      if (method === "POST" && path === "/_driver/apps") return sendJson(res, 201, await hooks.registerApp(parseBody(AppBody, body)));
      if (method === "POST" && path === "/_driver/installations") {
        const { appId, repo } = parseBody(InstallBody, body);
        return sendJson(res, 201, { id: core.installApp(appId, repo) });
      }
      const as = /^\/_driver\/as\/([^/]+)$/.exec(path);
      if (method === "POST" && as) {
        const call = parseBody(AsBody, body);
        const out = await dispatch(core, router, {
          method: call.method.toUpperCase(),
          path: call.path,
          body: call.body,
          headers: { authorization: `token ${driver.tokenFor(decodeURIComponent(as[1]))}` },
        });
        return sendJson(res, out.status, out.body, { link: out.headers.link ?? "" });
      }
      if (method === "GET" && path === "/_driver/deliveries")
        return sendJson(res, 200, core.deliveries.list({ event: url.searchParams.get("event") ?? undefined }));
      if (method === "POST" && path === "/_driver/deliveries/idle") {
        await core.deliveries.idle();
        return sendJson(res, 200, { idle: true });
      }
      const dm = /^\/_driver\/deliveries\/(\d+)(\/redeliver)?$/.exec(path);
      if (dm && method === "GET" && !dm[2]) {
        const d = core.deliveries.get(Number(dm[1]));
        return d ? sendJson(res, 200, d) : sendJson(res, 404, { message: "Not Found" });
      }
      if (dm && method === "POST" && dm[2]) {
        if (!core.deliveries.get(Number(dm[1]))) return sendJson(res, 404, { message: "Not Found" });
        return sendJson(res, 202, core.deliveries.redeliver(Number(dm[1])));
      }
      return sendJson(res, 404, { message: "Not Found (see GET /_driver)" });
    } catch (e) {
      if (e instanceof HttpError) return sendJson(res, e.status, e.body());
      throw e;
    }
  };
}
