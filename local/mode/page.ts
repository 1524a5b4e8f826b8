// The page local mode prints: the console's address, what runs where, who you can be, and how
// to drive the loop.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** A pane served under a prefix of the page (`/chat/`, `/review/`): gets the path after the prefix. */
export type PaneHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

export interface PageInfo {
  links: Record<string, string>;
  repo: string;
  people: Record<string, string>;
  dataDir: string;
}

export interface Page {
  url: string;
  /** What the page shows once everything runs (before: "starting"). */
  show(info: PageInfo): void;
  /** Serves `handler` under `prefix` (e.g. "/chat"), from then on. */
  mount(prefix: string, handler: PaneHandler): void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(o: PageInfo): string {
  const rows = Object.entries(o.links)
    .map(([name, url]) => `<tr><th scope="row">${esc(name)}</th><td><a href="${esc(url)}">${esc(url)}</a></td></tr>`)
    .join("");
  const people = Object.entries(o.people)
    .map(([role, name]) => `<li><strong>${esc(name)}</strong> — ${esc(role)}</li>`)
    .join("");
  const discord = o.links.discord;
  // The app serves the console on its public listener; local mode signs nobody in (loopback only).
  const console = o.links.app ? `${o.links.app.replace(/\/+$/, "")}/console/` : null;
  const run = `curl -X POST ${discord}/_driver/commands/run -H 'content-type: application/json' -d '{"user":"${o.people.member}","channel":"requests","name":"feature","subcommand":"add-command","options":{"name":"hello","description":"Say hello","reply":"Hello!"}}'`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Ouro — local mode</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111}code,pre{background:#f3f3f3;padding:.1rem .3rem}pre{white-space:pre-wrap;overflow-wrap:anywhere}th{text-align:left;padding-right:1rem}</style>
</head><body>
<h1>Ouro is running in local mode</h1>
<p>Everything runs on this machine: stand-ins for GitHub (with an Actions runner for <code>.github/workflows</code>), Discord and the model; the Ouro app; and the deploy hook, which runs the bot from releases of merged commits. The repository Ouro edits is <code>${esc(o.repo)}</code> on the GitHub stand-in, a copy of this checkout's HEAD. State: <code>${esc(o.dataDir)}</code> (logs in <code>logs/</code>).</p>
${
  console
    ? `<h2>The console</h2>
<p><a href="${esc(console)}">${esc(console)}</a> — every change with its audit trail, diff, policy verdict and checks; what is live, with rollback and the emergency stop; the effective policy. It updates live.</p>
`
    : ""
}<h2>Be the people</h2>
<ul>
<li><a href="/chat/?as=${esc(o.people.member)}&amp;channel=requests">The chat pane</a> — be someone in the Discord guild: run slash commands, press the bot's buttons, follow a request's thread.</li>
<li><a href="/review/?as=${esc(o.people.maintainer)}">The review pane</a> — be someone on GitHub: read a pull request's checks and reviews, approve, request changes, comment, merge.</li>
</ul>
<h2>Watch the whole loop</h2>
<p>In another terminal: <code>npm run demo</code> — a member asks for <code>/hello</code>, the workflows run, a maintainer merges, the bot deploys it, <code>/rollback</code> takes it back.</p>
<h2>Or drive it yourself</h2>
<p>People in the guild and on GitHub:</p><ul>${people}</ul>
<pre>${esc(run)}</pre>
<h2>Services</h2><table>${rows}</table>
</body></html>`;
}

const STARTING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>Ouro — starting</title></head><body><h1>Ouro local mode is starting…</h1></body></html>`;

/** Listens first (a taken port fails before anything else starts); shows the links once they exist. */
export async function startPage(port: number): Promise<Page> {
  let info: PageInfo | null = null;
  let body = STARTING;
  const panes = new Map<string, PaneHandler>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    const prefix = [...panes.keys()].find((p) => path === p || path.startsWith(`${p}/`));
    if (prefix) {
      panes.get(prefix)!(req, res, path.slice(prefix.length) || "/").catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`the ${prefix.slice(1)} pane failed: ${err.message}`);
      });
      return;
    }
    if (req.url === "/" || req.url === "/index.html") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
    else if (req.url === "/healthz")
      res
        .writeHead(info ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ ready: !!info, links: info?.links ?? {} }));
    else res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : port}`;
  return {
    url,
    show(i) {
      info = i;
      body = html(i);
    },
    mount(prefix, handler) {
      panes.set(prefix.replace(/\/+$/, ""), handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
