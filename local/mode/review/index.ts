// The review pane (local mode): act as a GitHub user through the GitHub stand-in's real REST
// API (the driver's "as" route), so what the page shows — and what GitHub refuses — is what
// GitHub would show that person. Routes, under the pane's prefix:
//   GET  /?as=&state=open|all          the pull requests      GET /live?… its list, for the poll
//   GET  /pulls/<n>?as=                one pull request       GET /pulls/<n>/live?as= its live parts
//   POST /pulls/<n>  (form)            approve, request changes, comment, merge → 303 back
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { html } from "../../../contract/html.ts";
import type { PaneHandler } from "../page.ts";
import { act, readAction } from "./actions.ts";
import { GitHubAs } from "./github.ts";
import { listPulls, loadPull, roleOf, type PullState } from "./load.ts";
import { checksPart, frame, part, pullBody, pullsBody, pullsList, reviewsPart, statePart, type Flash, type Frame } from "./views.ts";

export interface ReviewPaneOptions {
  /** The GitHub stand-in's base URL (its driver is at `${githubUrl}/_driver`). */
  githubUrl: string;
  /** Its REST API base. */
  apiUrl: string;
  /** "owner/name" of the repository Ouro edits. */
  repo: string;
  /** The people of local mode (role → login). */
  people: Record<string, string>;
}

const FORM_LIMIT = 64 * 1024;

/** Outcomes waiting for the page the POST redirects to (by a random id, so a link cannot forge one). */
class Flashes {
  readonly #all = new Map<string, Flash>();
  put(f: Flash): string {
    const id = randomBytes(8).toString("hex");
    this.#all.set(id, f);
    if (this.#all.size > 200) this.#all.delete(this.#all.keys().next().value!);
    return id;
  }
  take(id: string | null): Flash | null {
    if (!id) return null;
    const f = this.#all.get(id) ?? null;
    this.#all.delete(id);
    return f;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" }).end(body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > FORM_LIMIT) return null;
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** A POST from a page of another site (or a form without this pane's token) is refused. */
function crossSite(req: IncomingMessage, form: URLSearchParams, token: string): string | null {
  const site = req.headers["sec-fetch-site"];
  if (site && site !== "same-origin" && site !== "none") return `the form was sent from another site (${site})`;
  const origin = req.headers.origin;
  if (origin && origin !== `http://${req.headers.host}`) return `the form was sent from ${origin}, not from this page`;
  const given = Buffer.from(form.get("token") ?? "");
  const own = Buffer.from(token);
  if (given.length !== own.length || !timingSafeEqual(given, own))
    return "the form did not come from this page (its token is missing or stale)";
  return null;
}

export function createReviewPane(o: ReviewPaneOptions): PaneHandler {
  const gh = new GitHubAs(o.githubUrl);
  const logins = Object.values(o.people);
  const token = randomBytes(16).toString("hex");
  const flashes = new Flashes();

  const handle: PaneHandler = async (req, res, path) => {
    const url = new URL(req.url ?? "/", "http://pane");
    // The pane's own path, for absolute links ("/review" when mounted there).
    const base = path === "/" ? url.pathname.replace(/\/+$/, "") : url.pathname.slice(0, url.pathname.length - path.length);
    const method = req.method ?? "GET";
    const form = method === "POST" ? await readForm(req) : null;
    const as = (form?.get("as") ?? url.searchParams.get("as") ?? "").trim();
    const page = (f: Omit<Frame, "base" | "as" | "people" | "repo">, status = 200) =>
      send(res, status, "text/html", frame({ ...f, base, as, people: o.people, repo: o.repo }));
    const problem = (status: number, title: string, text: string) =>
      page(
        {
          title,
          flash: { kind: "error", text },
          body: html`<h1>${title}</h1>
            <p><a href="${base}/?as=${as}">The pull requests</a></p>`,
        },
        status,
      );

    if (method === "POST" && form === null) return send(res, 413, "text/plain", "That form is too large.");
    if (!as && method === "GET" && !path.endsWith("/live")) {
      url.searchParams.set("as", o.people.maintainer ?? logins[0]);
      res.writeHead(303, { location: `${url.pathname}${url.search}` }).end();
      return;
    }
    if (!logins.includes(as))
      return problem(400, "Who are you?", `There is nobody called "${as}" here: pick one of ${logins.join(", ")} with "You are".`);

    const pull = /^\/pulls\/(\d{1,9})(\/live)?\/?$/.exec(path);
    if (method === "POST") {
      if (!pull || pull[2]) return send(res, 405, "text/plain", "Only a pull request's forms may be sent here.");
      const why = crossSite(req, form!, token);
      if (why) return send(res, 403, "text/plain", `Refused: ${why}. Nothing was sent to GitHub.`);
      const n = Number(pull[1]);
      const wanted = readAction(form!);
      const flash = "error" in wanted ? { kind: "error" as const, text: wanted.error } : await act(gh, as, o.repo, n, wanted);
      res.writeHead(303, { location: `${base}/pulls/${n}?as=${encodeURIComponent(as)}&flash=${flashes.put(flash)}` }).end();
      return;
    }
    if (method !== "GET" && method !== "HEAD") return send(res, 405, "text/plain", "Use GET to read and the page's forms to act.");

    if (path === "/" || path === "/live") {
      const state: PullState = url.searchParams.get("state") === "all" ? "all" : "open";
      const list = pullsList(await listPulls(gh, as, o.repo, state), base, as, state);
      if (path === "/live") return send(res, 200, "application/json", JSON.stringify({ parts: { pulls: part(list) } }));
      const query = `?as=${encodeURIComponent(as)}${state === "all" ? "&state=all" : ""}`;
      return page({
        title: state === "open" ? "Open pull requests" : "All pull requests",
        role: await roleOf(gh, as, o.repo),
        keep: state === "all" ? { state: "all" } : {},
        live: `${base}/live${query}`,
        flash: flashes.take(url.searchParams.get("flash")),
        body: pullsBody(list, base, as, state),
      });
    }
    if (pull) {
      const n = Number(pull[1]);
      const d = await loadPull(gh, as, o.repo, n);
      if (!d) return problem(404, "No such pull request", `There is no pull request #${n} in ${o.repo}.`);
      if (pull[2])
        return send(
          res,
          200,
          "application/json",
          JSON.stringify({ parts: { "pr-state": part(statePart(d.pull)), checks: part(checksPart(d)), reviews: part(reviewsPart(d)) } }),
        );
      return page({
        title: `#${n} ${d.pull.title}`,
        role: await roleOf(gh, as, o.repo),
        live: `${base}/pulls/${n}/live?as=${encodeURIComponent(as)}`,
        flash: flashes.take(url.searchParams.get("flash")),
        body: pullBody(d, { back: `${base}/?as=${encodeURIComponent(as)}&state=all`, action: `${base}/pulls/${n}`, as, token }),
      });
    }
    return problem(404, "Not found", `There is no page ${path} in the review pane.`);
  };
  // GitHub unreachable or refusing a read: said on the page, in its words, rather than a bare 500.
  return async (req, res, path) => {
    try {
      await handle(req, res, path);
    } catch (err) {
      if (res.headersSent) throw err;
      const text = (err as Error).message;
      send(
        res,
        502,
        "text/html",
        frame({
          title: "GitHub did not answer",
          base: "",
          as: "",
          people: o.people,
          repo: o.repo,
          flash: { kind: "error", text },
          body: html`<h1>GitHub did not answer</h1>`,
        }),
      );
    }
  };
}
