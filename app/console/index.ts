// The Ouro console (issue 14): server-rendered pages under /console/ on the app's public
// listener, behind the console's sign-in (auth/). Views: Changes, a change, Live, Policy; live
// updates over /console/events. Every page is plain HTML from template functions (html.ts
// escapes), one stylesheet and one script served from here (no CDN). Actions (rollback,
// stop, resume) are POST forms: signed in, allowed to act (canAct = write access on GitHub,
// or the console token, or local mode), and carrying the session's CSRF token — or refused
// with a plain-words page that changed nothing. They call the same functions as the bot
// link's /rollback, /stop and /resume, and are audited with the viewer's login.
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../context.ts";
import type { HealthReport } from "../health.ts";
import type { ChangeState } from "../lifecycle/states.ts";
import { rollback, RollbackRefused } from "../lifecycle/deployment.ts";
import { setEmergencyStop } from "../switches/emergency-stop.ts";
import type { ConsoleAuth, Viewer } from "./auth/index.ts";
import { AUTH_PREFIX } from "./auth/index.ts";
import { consoleStream } from "./events.ts";
import { GitHubViews } from "./github-data.ts";
import { warmHighlighter } from "./diff.ts";
import { BASE, messagePage } from "./layout.ts";
import { changePage, findChange } from "./pages/change.ts";
import { changesPage } from "./pages/changes.ts";
import { livePage } from "./pages/live.ts";
import { policyPage } from "./pages/policy.ts";

export { BASE };

export interface ConsoleDeps {
  auth: ConsoleAuth;
  /** What /healthz answers now. */
  health: () => HealthReport;
  /** Whether the store can be written now (a rollback is refused with 503 while it cannot). */
  storeWritable: () => boolean;
}

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  "console.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("./assets/console.css", import.meta.url)) },
  "console.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("./assets/console.js", import.meta.url)) },
};

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const FORM_LIMIT = 8 * 1024;
/** Changes with an open PR whose GitHub answers are asked for when the console starts (at most this many recent ones). */
const IN_FLIGHT_WARMED = 20;
const IN_FLIGHT: readonly ChangeState[] = ["pr", "checks", "review", "merged"];

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS }).end(body);
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(303, { location: to, ...SECURITY_HEADERS }).end();
}

/** An url-encoded form body (size-capped); null when it is too large. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > FORM_LIMIT) return null;
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Who did it, as the audit trail records it. */
const actor = (v: Viewer): string => `${v.login} (console, ${v.via === "github" ? "GitHub" : v.via})`;

/** Each running app's GitHub views (one console per app context). */
const viewsOf = new WeakMap<AppContext, GitHubViews>();

/** The console's GitHub views of a running app: what a test or the bench awaits the warm-up with (`ready`). */
export function consoleGitHubViews(ctx: AppContext): GitHubViews | undefined {
  return viewsOf.get(ctx);
}

/** The console's request handler: resolves false for a path outside /console. */
export function createConsole(ctx: AppContext, deps: ConsoleDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const log = ctx.log.child({ name: "console" });
  const { auth } = deps;
  const github = new GitHubViews(ctx.events, {
    change: (id) => ctx.store.changes.byId(id),
    client: () => ctx.client(),
    track: (work) => ctx.background.track(work, "console: GitHub view"),
  });
  viewsOf.set(ctx, github);
  warmHighlighter(); // off the first change page's path
  // The changes in flight are the pages people open: their GitHub answers are asked for now.
  // (In flight by state, not among the most recently touched: many newer changes without a PR must not hide them.)
  github.warm(
    ctx.store.changes
      .inStates(IN_FLIGHT)
      .filter((c) => c.prNumber !== null)
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, IN_FLIGHT_WARMED)
      .map((c) => c.id),
  );

  async function act(req: IncomingMessage, res: ServerResponse, viewer: Viewer, what: string, run: () => Promise<string>): Promise<void> {
    const form = await readForm(req);
    if (form === null) return sendHtml(res, 413, messagePage(viewer, "Too large", "That form was too large; nothing was done."));
    if (!auth.verifyCsrf(req, form.get("csrf") ?? undefined))
      return sendHtml(
        res,
        403,
        messagePage(
          viewer,
          "Not done",
          `This ${what} form did not come from your current session (its security token is missing or old). Nothing was done: open the page again and retry.`,
          {
            href: `${BASE}/live`,
            label: "Back to Live",
          },
        ),
      );
    if (!viewer.canAct)
      return sendHtml(
        res,
        403,
        messagePage(viewer, "Not allowed", `You may look but not act: ${what} needs write access to the repository. Nothing was done.`, {
          href: `${BASE}/live`,
          label: "Back to Live",
        }),
      );
    const notice = await run();
    redirect(res, `${BASE}/live?done=${encodeURIComponent(notice)}`);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (method === "GET" && path.startsWith(`${BASE}/assets/`)) {
      const asset = ASSETS[path.slice(`${BASE}/assets/`.length)];
      if (!asset) return sendHtml(res, 404, messagePage(null, "Not found", "There is no such file."));
      res.writeHead(200, { "content-type": asset.type, "cache-control": "no-cache", "x-content-type-options": "nosniff" }).end(asset.body);
      return;
    }
    if (path === AUTH_PREFIX || path.startsWith(`${AUTH_PREFIX}/`)) {
      if (await auth.handle(req, res)) return;
    }
    if (path === BASE) return redirect(res, `${BASE}/`);
    const viewer = await auth.viewer(req);
    if (!viewer) {
      if (method === "GET" && path !== `${BASE}/events`)
        return redirect(res, `${AUTH_PREFIX}/sign-in?next=${encodeURIComponent(path + url.search)}`);
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS }).end("Sign in to the Ouro console first.\n");
      return;
    }
    const csrf = auth.csrfToken(req);
    const rollbackMatch = /^\/console\/changes\/([^/]+)\/rollback$/.exec(path);
    const changeMatch = /^\/console\/changes\/([^/]+)$/.exec(path);

    if (method === "GET" || method === "HEAD") {
      let page: { status: number; html: string } | null = null;
      if (path === `${BASE}/`) page = changesPage(ctx, viewer, url.searchParams);
      else if (path === `${BASE}/live`) page = await livePage(ctx, deps, viewer, csrf, url.searchParams.get("done") ?? undefined);
      else if (path === `${BASE}/policy`) page = await policyPage(ctx, viewer);
      else if (path === `${BASE}/events`) return consoleStream(ctx, req, res, github);
      else if (changeMatch) page = await changePage(ctx, github, viewer, decodeOr(changeMatch[1]), csrf);
      if (page) return sendHtml(res, page.status, page.html);
    }
    if (method === "POST") {
      if (path === `${BASE}/stop` || path === `${BASE}/resume`) {
        const stop = path.endsWith("/stop");
        return act(req, res, viewer, stop ? "stopping Ouro" : "resuming Ouro", async () => {
          const s = setEmergencyStop(ctx, stop, actor(viewer), `from the console by ${viewer.login}`);
          log.info({ login: viewer.login, via: viewer.via }, stop ? "console: emergency stop" : "console: resumed");
          return s.stopped ? "Ouro is stopped: no new pull requests and no automerge." : "Ouro runs again.";
        });
      }
      if (rollbackMatch) {
        const id = decodeOr(rollbackMatch[1]);
        const c = findChange(ctx, id);
        if (!c)
          return sendHtml(res, 404, messagePage(viewer, "No such change", `There is no change called “${id}”; nothing was rolled back.`));
        return act(req, res, viewer, "a rollback", async () => {
          if (!deps.storeWritable())
            throw new Refusal(
              503,
              `The app cannot write its store now (${ctx.store.unwritable ?? "unwritable"}); nothing was rolled back. Try again once /healthz is ok.`,
            );
          try {
            const r = await rollback(ctx, c.id, actor(viewer), `rollback by ${viewer.login} in the console`, log.child({ changeId: c.id }));
            return r.prUrl
              ? `Rolling back ${c.id}: revert pull request ${r.prUrl}`
              : `Rolling back ${c.id}: revert ${r.id} is ${r.state}${r.reason ? ` (${r.reason})` : ""}.`;
          } catch (e) {
            if (e instanceof RollbackRefused) throw new Refusal(409, `${c.id} was not rolled back: ${e.message}.`);
            throw e;
          }
        });
      }
    }
    if (method !== "GET" && method !== "POST" && method !== "HEAD") {
      res.writeHead(405, { allow: "GET, POST", "content-type": "text/plain; charset=utf-8" }).end(`${method} is not allowed here.\n`);
      return;
    }
    sendHtml(
      res,
      404,
      messagePage(viewer, "Not found", `There is no console page at ${path}.`, { href: `${BASE}/`, label: "All changes" }),
    );
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://console.local");
    if (url.pathname !== BASE && !url.pathname.startsWith(`${BASE}/`)) return false;
    try {
      await serve(req, res, url);
    } catch (e) {
      const viewer = await auth.viewer(req).catch(() => null);
      if (e instanceof Refusal)
        sendHtml(res, e.status, messagePage(viewer, "Not done", e.message, { href: `${BASE}/live`, label: "Back to Live" }));
      else {
        log.error({ err: e }, "console request failed");
        if (!res.headersSent)
          sendHtml(res, 500, messagePage(viewer, "Something went wrong", "The console could not show this page; the app's log says why."));
        else res.end();
      }
    }
    return true;
  };
}

/** A refused action: its status and plain-words message; nothing was done. */
class Refusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function decodeOr(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
