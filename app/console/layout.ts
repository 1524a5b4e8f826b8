// The frame every console page shares: a skip link, a banner with the navigation (one entry
// per view; more panes are added to NAV), the signed-in viewer, one <main>, and a polite live
// region that says when the page was updated from the event stream. Sections that the stream
// may change carry `data-live` and an id: console.js fetches the page again and swaps them.
import { html } from "../../contract/html.ts";
import type { SafeHtml } from "../../contract/html.ts";
import type { Viewer } from "./auth/index.ts";

export const BASE = "/console";

export interface NavEntry {
  key: string;
  href: string;
  label: string;
}

/** The views, in the order the navigation shows them. */
export const NAV: readonly NavEntry[] = [
  { key: "changes", href: `${BASE}/`, label: "Changes" },
  { key: "live", href: `${BASE}/live`, label: "Live" },
  { key: "policy", href: `${BASE}/policy`, label: "Policy" },
];

export interface PageParts {
  title: string;
  /** Which NAV entry is current (none for an error page). */
  current?: string;
  viewer: Viewer | null;
  body: SafeHtml;
}

export function layout(p: PageParts): string {
  const nav = NAV.map((n) => html`<li><a href="${n.href}" ${p.current === n.key ? html` aria-current="page"` : ""}>${n.label}</a></li>`);
  const who = p.viewer
    ? html`<p class="viewer">
        ${p.viewer.via === "local" ? "Local mode" : html`Signed in as <strong>${p.viewer.login}</strong>`} —
        ${p.viewer.canAct ? "may act" : "read only"}
        ${p.viewer.via === "local" ? "" : html` · <a href="${BASE}/auth/sign-out">Sign out</a>`}
      </p>`
    : "";
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${p.title} · Ouro console</title>
        <link rel="stylesheet" href="${BASE}/assets/console.css" />
        <script src="${BASE}/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="banner">
          <p class="brand"><a href="${BASE}/">Ouro console</a></p>
          <nav aria-label="Views">
            <ul>
              ${nav}
            </ul>
          </nav>
          ${who}
        </header>
        <main id="main" tabindex="-1">
          <h1>${p.title}</h1>
          ${p.body}
        </main>
        <p id="live-status" class="live-status" role="status" aria-live="polite"></p>
      </body>
    </html>`.text
  }\n`;
}

/** A page that says what went wrong in plain words (404, 403, 409, 503). */
export function messagePage(viewer: Viewer | null, title: string, message: string, back?: { href: string; label: string }): string {
  return layout({
    title,
    viewer,
    body: html`<p class="message">${message}</p>
      ${back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ""}`,
  });
}

/** "3 min ago" for a time in ms before `now`. */
export function age(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** A timestamp as an element a person and a machine can both read. */
export function time(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>`;
}
