// git over smart HTTP: `git http-backend` (CGI) behind the server, with GitHub's
// `x-access-token:TOKEN` basic auth. A push is detected by comparing refs before and after
// receive-pack, then handled like any other ref change (webhooks, PR synchronize).
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolveToken } from "./auth.ts";
import type { Core, RefChange } from "./domain.ts";
import { ZERO_SHA, gitEnv } from "./git.ts";
import { HttpError } from "./router.ts";
import type { Auth } from "./router.ts";

export const GIT_PATH_RE = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(text + "\n");
}

function gitAuth(core: Core, header: string | undefined): Auth | null {
  if (!header) return null;
  const m = /^basic\s+(\S+)$/i.exec(header.trim());
  if (!m) {
    const t = /^(token|bearer)\s+(\S+)$/i.exec(header.trim());
    return t ? resolveToken(core.store, t[2]) : null;
  }
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
  const pass = colon >= 0 ? decoded.slice(colon + 1) : "";
  const token = !pass || pass === "x-oauth-basic" ? user : pass;
  return resolveToken(core.store, token);
}

export async function serveGit(core: Core, req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): Promise<void> {
  const [, owner, name, rest] = m;
  const service = rest === "info/refs" ? url.searchParams.get("service") : rest;
  if (service !== "git-upload-pack" && service !== "git-receive-pack")
    return plain(res, 403, "Dumb HTTP is not supported; use a git client with smart HTTP.");
  let auth: Auth | null;
  try {
    auth = gitAuth(core, req.headers.authorization);
  } catch (e) {
    auth = null;
    if (!(e instanceof HttpError)) throw e;
  }
  if (!auth) return plain(res, 401, "Invalid username or token. Use x-access-token:TOKEN.", { "www-authenticate": 'Basic realm="GitHub"' });
  const key = `${owner}/${name}`.toLowerCase();
  if (!core.store.data.repos[key] || !core.canAccess(auth, key)) return plain(res, 404, "Repository not found.");
  const actor = auth.kind === "user" ? auth.login : auth.kind === "installation" ? auth.login : auth.app.slug;
  const isPushService = service === "git-receive-pack";
  if (isPushService && auth.kind === "user" && !["write", "maintain", "admin"].includes(core.permission(key, actor))) {
    return plain(res, 403, `Permission to ${owner}/${name}.git denied to ${actor}.`);
  }
  if (isPushService && auth.kind === "installation" && auth.app.permissions.contents !== "write") {
    return plain(res, 403, `Permission to ${owner}/${name}.git denied to ${actor}.`);
  }
  core.log.debug(`git ${req.method} ${url.pathname} (${service}) by ${actor}`);

  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: join(core.store.dataDir, "repos"),
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
    PATH_INFO: `/${key}.git/${rest}`,
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: actor,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
  };
  if (req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
  if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
  // read by the repository's pre-receive hook (see BareRepo.installHooks)
  if (auth.kind === "installation" && auth.app.permissions.workflows !== "write") env.OURO_DENY_WORKFLOWS = "1";

  const isPush = rest === "git-receive-pack";
  const run = async (): Promise<void> => {
    const git = core.bare(key);
    const before = isPush ? await git.refs() : null;
    await cgi(req, res, env);
    if (!before) return void res.end();
    const after = await git.refs();
    const changes: RefChange[] = [];
    for (const [ref, v] of after)
      if (before.get(ref)?.sha !== v.sha) changes.push({ ref, before: before.get(ref)?.sha ?? ZERO_SHA, after: v.sha });
    for (const [ref, v] of before) if (!after.has(ref)) changes.push({ ref, before: v.sha, after: ZERO_SHA });
    // The push's webhooks are queued before the client sees the push finish.
    await core.refsChanged(key, changes, actor).finally(() => res.end());
  };
  await (isPush ? core.withRepoLock(key, run) : run());
}

function cgi(req: IncomingMessage, res: ServerResponse, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["http-backend"], { env: gitEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let headerDone = false;
    let buf = Buffer.alloc(0);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => {});
    req.pipe(child.stdin);
    child.stdout.on("data", (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      let end = buf.indexOf("\r\n\r\n");
      let sepLen = 4;
      if (end < 0) {
        end = buf.indexOf("\n\n");
        sepLen = 2;
      }
      if (end < 0) return;
      headerDone = true;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of buf.subarray(0, end).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        if (k === "status") status = Number(v.split(" ")[0]) || 200;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(buf.subarray(end + sepLen));
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!headerDone) {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`git http-backend failed (${code}): ${stderr}`);
      }
      resolve();
    });
  });
}
