// The review pane's HTML: the frame (who you are, the flash), the pull request list and one
// pull request. Every value goes through the console's escaping template. The parts that change
// on GitHub (state, checks, reviews, the list) are rendered alone too, for the page's live poll.
import { createHash } from "node:crypto";
import { html, raw, type SafeHtml } from "../../../contract/html.ts";
import { STYLE, LIVE_SCRIPT } from "./assets.ts";
import type { CheckRun, Comment, CommitStatus, Pull, Review } from "./github.ts";
import type { PullDetail, PullState } from "./load.ts";

export interface Flash {
  kind: "ok" | "error";
  text: string;
}

export interface Frame {
  title: string;
  /** The pane's own path (e.g. "/review"), for links. */
  base: string;
  as: string;
  people: Record<string, string>;
  repo: string;
  /** The person's role on the repository, as GitHub says. */
  role?: string;
  /** Query parameters the "You are" form keeps (e.g. state=all). */
  keep?: Record<string, string>;
  /** Where the page's script polls for its live parts. */
  live?: string;
  flash?: Flash | null;
  body: SafeHtml;
}

export function frame(f: Frame): string {
  const options = Object.entries(f.people).map(
    ([role, login]) => html`<option value="${login}" ${login === f.as ? html`selected` : ""}>${login} (${role})</option>`,
  );
  const keep = Object.entries(f.keep ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`);
  const flash = f.flash
    ? html`<p id="flash" class="flash ${f.flash.kind}" role="${f.flash.kind === "error" ? "alert" : "status"}">${f.flash.text}</p>`
    : html`<p id="flash" class="flash" role="status"></p>`;
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${f.title} · Review pane · Ouro local mode</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header class="banner">
          <p class="brand"><a href="${f.base}/?as=${f.as}">Review</a> · <code>${f.repo}</code> on the GitHub stand-in</p>
          <form method="get" class="who">
            <label for="as">You are</label>
            <select id="as" name="as">
              ${options}
            </select>
            ${keep}
            <button type="submit">Switch</button>
          </form>
          ${f.role ? html`<p class="role">${f.as} has <strong>${f.role}</strong> access to ${f.repo}.</p>` : ""}
        </header>
        <main id="main" ${f.live ? html`data-live="${f.live}"` : ""}>${flash} ${f.body}</main>
        ${
          f.live
            ? html`<script>
                ${raw(LIVE_SCRIPT)};
              </script>`
            : ""
        }
      </body>
    </html>`.text
  }`;
}

const stateOf = (p: Pull): "open" | "merged" | "closed" => (p.merged || p.merged_at ? "merged" : p.state);

/** A live part: an element whose inside the page's script swaps when its version changes. */
export interface Part {
  v: string;
  html: string;
}

export function part(markup: SafeHtml): Part {
  return { v: createHash("sha1").update(markup.text).digest("hex").slice(0, 12), html: markup.text };
}

// ----- the list -----

export function pullsList(pulls: Pull[], base: string, as: string, state: PullState): SafeHtml {
  if (!pulls.length) return html`<li class="empty">No ${state === "open" ? "open " : ""}pull requests.</li>`;
  return html`${pulls.map(
    (p) =>
      html`<li>
        <a href="${base}/pulls/${p.number}?as=${as}">#${p.number} ${p.title}</a>
        <span class="state ${stateOf(p)}">${stateOf(p)}</span>
        <span class="meta">by ${p.user?.login ?? "someone"} · ${p.head.ref} → ${p.base.ref}</span>
      </li>`,
  )}`;
}

export function pullsBody(list: SafeHtml, base: string, as: string, state: PullState): SafeHtml {
  return html`<h1>${state === "open" ? "Open pull requests" : "All pull requests"}</h1>
    <nav aria-label="Which pull requests" class="filter">
      <a href="${base}/?as=${as}" ${state === "open" ? html`aria-current="page"` : ""}>Open</a>
      <a href="${base}/?as=${as}&amp;state=all" ${state === "all" ? html`aria-current="page"` : ""}>All (open, merged, closed)</a>
    </nav>
    <ul id="pulls" data-v="${part(list).v}">
      ${list}
    </ul>`;
}

// ----- one pull request -----

const RUN_WORDS: Record<string, string> = {
  success: "✓ success",
  failure: "✗ failure",
  neutral: "neutral",
  cancelled: "cancelled",
  skipped: "skipped",
  timed_out: "✗ timed out",
  action_required: "action required",
  stale: "stale",
};

function runBadge(r: CheckRun): SafeHtml {
  const text = r.status === "completed" ? (RUN_WORDS[r.conclusion ?? ""] ?? r.conclusion ?? "completed") : r.status.replace(/_/g, " ");
  const tone =
    r.status !== "completed"
      ? "pending"
      : r.conclusion === "success"
        ? "good"
        : r.conclusion === "failure" || r.conclusion === "timed_out"
          ? "bad"
          : "plain";
  return html`<span class="badge ${tone}">${text}</span>`;
}

function runItem(r: CheckRun): SafeHtml {
  const summary = r.output.summary?.trim();
  return html`<li class="check" data-name="${r.name}" data-status="${r.status}" data-conclusion="${r.conclusion ?? ""}">
    <strong>${r.name}</strong> ${runBadge(r)}
    <span class="meta"
      >status: ${r.status}${r.conclusion ? html`, conclusion: ${r.conclusion}` : ""}${r.app?.name ? html` · by ${r.app.name}` : ""}</span
    >
    ${r.output.title ? html`<p class="run-title">${r.output.title}</p>` : ""}
    ${
      summary
        ? html`<details data-key="run-${r.id}">
            <summary>Summary</summary>
            <pre>${summary.length > 6000 ? `…${summary.slice(-6000)}` : summary}</pre>
          </details>`
        : ""
    }
  </li>`;
}

function statusItem(s: CommitStatus): SafeHtml {
  const tone = s.state === "success" ? "good" : s.state === "pending" ? "pending" : "bad";
  return html`<li class="status-item" data-context="${s.context}" data-state="${s.state}">
    <strong>${s.context}</strong> <span class="badge ${tone}">${s.state}</span>
    ${s.description ? html`<span class="meta">${s.description}</span>` : ""}
  </li>`;
}

export function checksPart(d: PullDetail): SafeHtml {
  const done = d.runs.filter((r) => r.status === "completed");
  const count = (c: string) => done.filter((r) => r.conclusion === c).length;
  const summary = d.runs.length
    ? `${d.runs.length} check run${d.runs.length === 1 ? "" : "s"}: ${
        done.length === d.runs.length ? "all completed" : `${done.length} completed, ${d.runs.length - done.length} not yet`
      } (${count("success")} success, ${count("failure") + count("timed_out")} failure).`
    : "No check runs yet.";
  return html`<h2 id="checks-h">Checks</h2>
    <p id="checks-summary" data-complete="${d.runs.length > 0 && done.length === d.runs.length ? "yes" : "no"}">${summary}</p>
    ${
      d.runs.length
        ? html`<ul class="checks">
            ${d.runs.map(runItem)}
          </ul>`
        : ""
    }
    <h3>Commit statuses</h3>
    ${
      d.statuses.length
        ? html`<ul class="statuses">
            ${d.statuses.map(statusItem)}
          </ul>`
        : html`<p>No commit statuses.</p>`
    }`;
}

const REVIEW_WORDS: Record<string, string> = {
  APPROVED: "approved",
  CHANGES_REQUESTED: "requested changes",
  COMMENTED: "reviewed",
  DISMISSED: "reviewed (dismissed)",
  PENDING: "started a review",
};

type Entry = { at: string; html: SafeHtml };

function reviewEntry(r: Review): Entry {
  const who = r.user?.login ?? "someone";
  const word = REVIEW_WORDS[r.state] ?? r.state.toLowerCase();
  return {
    at: r.submitted_at ?? "",
    html: html`<li class="review ${r.state.toLowerCase()}" data-user="${who}" data-state="${r.state}">
      <p>
        <strong>${who}</strong>
        ${word}${r.author_association ? html` <span class="meta">(${r.author_association.toLowerCase()})</span>` : ""}
      </p>
      ${r.body ? html`<div class="text">${r.body}</div>` : ""}
    </li>`,
  };
}

function commentEntry(c: Comment): Entry {
  const who = c.user?.login ?? "someone";
  return {
    at: c.created_at,
    html: html`<li class="comment" data-user="${who}">
      <p><strong>${who}</strong> commented</p>
      <div class="text">${c.body}</div>
    </li>`,
  };
}

export function reviewsPart(d: PullDetail): SafeHtml {
  const entries = [...d.reviews.map(reviewEntry), ...d.comments.map(commentEntry)].sort((x, y) => x.at.localeCompare(y.at));
  return html`<h2 id="reviews-h">Reviews and comments</h2>
    ${
      entries.length
        ? html`<ol class="timeline">
            ${entries.map((e) => e.html)}
          </ol>`
        : html`<p>No reviews or comments yet.</p>`
    }`;
}

export function statePart(p: Pull): SafeHtml {
  const s = stateOf(p);
  const by = s === "merged" && p.merged_by ? html` by ${p.merged_by.login}` : "";
  return html`State: <strong class="state ${s}" data-state="${s}">${s}</strong>${by} · ${p.user?.login ?? "someone"} wants to merge
    <code>${p.head.ref}</code> into <code>${p.base.ref}</code> · head <code>${p.head.sha.slice(0, 7)}</code>`;
}

export interface Forms {
  /** The list of pull requests, for the way back. */
  back: string;
  action: string;
  as: string;
  token: string;
}

function actionForm(f: Forms, action: string, inner: SafeHtml): SafeHtml {
  return html`<form method="post" action="${f.action}" class="act">
    <input type="hidden" name="as" value="${f.as}" />
    <input type="hidden" name="token" value="${f.token}" />
    <input type="hidden" name="action" value="${action}" />
    ${inner}
  </form>`;
}

function formsPart(d: PullDetail, f: Forms): SafeHtml {
  if (stateOf(d.pull) !== "open") return html`<p>This pull request is ${stateOf(d.pull)}: nothing to review or merge.</p>`;
  const n = d.pull.number;
  return html`${actionForm(
    f,
    "approve",
    html`<label for="approve-body">Note with the approval (optional)</label>
      <textarea id="approve-body" name="body" rows="2"></textarea>
      <button type="submit">Approve</button>`,
  )}
  ${actionForm(
    f,
    "request-changes",
    html`<label for="changes-body">What should change (required)</label>
      <textarea id="changes-body" name="body" rows="3" required></textarea>
      <button type="submit">Request changes</button>`,
  )}
  ${actionForm(
    f,
    "comment",
    html`<label for="comment-body">Comment on #${n} (e.g. <code>/ouro …</code>)</label>
      <textarea id="comment-body" name="body" rows="3" required></textarea>
      <button type="submit">Comment</button>`,
  )}
  ${actionForm(
    f,
    "merge",
    html`<input type="hidden" name="sha" value="${d.pull.head.sha}" />
      <label for="merge-method">Merge method</label>
      <select id="merge-method" name="merge_method">
        <option value="merge">Create a merge commit</option>
        <option value="squash">Squash and merge</option>
        <option value="rebase">Rebase and merge</option>
      </select>
      <button type="submit" class="primary">Merge</button>`,
  )}`;
}

export function pullBody(d: PullDetail, f: Forms): SafeHtml {
  const p = d.pull;
  return html`<p><a href="${f.back}">← Pull requests</a></p>
    <h1>${p.title} <span class="num">#${p.number}</span></h1>
    <p id="pr-state" aria-live="polite" data-v="${part(statePart(p)).v}">${statePart(p)}</p>
    <section aria-labelledby="body-h">
      <h2 id="body-h">Description</h2>
      ${p.body?.trim() ? html`<div class="text body">${p.body}</div>` : html`<p>No description.</p>`}
    </section>
    <section id="checks" aria-labelledby="checks-h" data-v="${part(checksPart(d)).v}">${checksPart(d)}</section>
    <section id="reviews" aria-labelledby="reviews-h" data-v="${part(reviewsPart(d)).v}">${reviewsPart(d)}</section>
    <section aria-labelledby="act-h">
      <h2 id="act-h">Your review</h2>
      ${formsPart(d, f)}
    </section>`;
}
