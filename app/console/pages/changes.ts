// /console/: every change with its state, requester, risk, checks and age, newest first,
// filtered by state, one page of PER_PAGE at a time (the query reads only that page).
import type { AppContext } from "../../context.ts";
import { CHANGE_STATES as STATES } from "../../../contract/change-state.ts";
import type { ChangeState } from "../../lifecycle/states.ts";
import type { ChangeRow } from "../../store/changes.ts";
import { ERASED } from "../../store/changes.ts";
import { html } from "../../../contract/html.ts";
import type { SafeHtml } from "../../../contract/html.ts";
import { age, BASE, layout } from "../layout.ts";
import { changePage, stateCounts } from "../queries.ts";
import type { Viewer } from "../auth/index.ts";

export const PER_PAGE = 50;

/** The badge colour of a state (its name is always written too). */
export function stateClass(state: string): string {
  if (state === "deployed") return "good";
  if (state === "failed" || state === "rolled-back") return "bad";
  if (state === "review" || state === "checks" || state === "merged") return "warn";
  return "plain";
}

export const stateBadge = (state: string): SafeHtml => html`<span class="badge ${stateClass(state)}">${state}</span>`;

export const checksBadge = (checks: string | null): SafeHtml =>
  checks
    ? html`<span class="badge ${checks === "success" ? "good" : checks === "failure" ? "bad" : "warn"}"
        >${checks === "success" ? "passed" : checks === "failure" ? "failed" : checks}</span
      >`
    : html`<span class="muted">none yet</span>`;

/** A change's title, or "erased" when its personal data was erased. */
export const titleOf = (c: ChangeRow): string => (c.title === ERASED ? "erased" : c.title);
export const requesterOf = (c: ChangeRow): string => (c.requester === ERASED ? "erased" : c.requester);

export function changesPage(ctx: AppContext, viewer: Viewer, query: URLSearchParams): { status: number; html: string } {
  const wanted = query.get("state") ?? "";
  const state = (STATES as readonly string[]).includes(wanted) ? (wanted as ChangeState) : undefined;
  const bad = wanted !== "" && !state;
  const pageNo = Math.max(1, Math.floor(Number(query.get("page") ?? "1")) || 1);
  const p = changePage(ctx.store, { state, page: pageNo, perPage: PER_PAGE });
  const counts = stateCounts(ctx.store);
  const now = ctx.now();
  const rows = p.rows.map((c) => {
    const title = titleOf(c);
    return html`<tr id="change-${c.id}">
      <td data-label="Change">
        <div>
          <a href="${BASE}/changes/${encodeURIComponent(c.id)}">${title}</a
          >${c.kind === "revert" ? html` <span class="badge plain">revert</span>` : ""}<br /><span class="muted">${c.id}</span>
        </div>
      </td>
      <td data-label="State">${stateBadge(c.state)}</td>
      <td data-label="Requester">${requesterOf(c)}</td>
      <td data-label="Risk">${c.risk ?? html`<span class="muted">not judged</span>`}</td>
      <td data-label="Checks">${checksBadge(ctx.store.keys.checksState(c.id))}</td>
      <td data-label="Age">${age(c.createdAt, now)}</td>
      <td data-label="PR">${c.prUrl ? html`<a href="${c.prUrl}">#${c.prNumber}</a>` : html`<span class="muted">none</span>`}</td>
    </tr>`;
  });
  const link = (page: number) => `${BASE}/?${new URLSearchParams({ ...(state ? { state } : {}), page: String(page) }).toString()}`;
  const options = STATES.map((s) => html`<option value="${s}" ${s === state ? html` selected` : ""}>${s} (${counts.get(s) ?? 0})</option>`);
  const body = html` <form class="filters" method="get" action="${BASE}/">
      <label for="state"
        >State
        <select id="state" name="state">
          <option value="">all states (${p.total === 0 && state ? 0 : [...counts.values()].reduce((a, b) => a + b, 0)})</option>
          ${options}
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
    ${bad ? html`<p class="message" role="alert">There is no state called “${wanted}”; showing every change.</p>` : ""}
    <section id="changes-list" data-live aria-labelledby="changes-heading">
      <h2 id="changes-heading">${state ? `Changes in state ${state}` : "All changes"}: ${p.total}</h2>
      ${
        p.rows.length === 0
          ? html`<p>No changes${state ? ` in state ${state}` : ""} yet.</p>`
          : html`<div class="scroll" role="region" aria-label="Changes table" tabindex="0">
              <table class="changes">
                <thead>
                  <tr>
                    <th scope="col">Change</th>
                    <th scope="col">State</th>
                    <th scope="col">Requester</th>
                    <th scope="col">Risk</th>
                    <th scope="col">Checks</th>
                    <th scope="col">Age</th>
                    <th scope="col">Pull request</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
      }
      ${
        p.pages > 1
          ? html`<nav class="pager" aria-label="Pages">
              ${p.page > 1 ? html`<a href="${link(p.page - 1)}" rel="prev">Newer</a>` : ""}
              <span>Page ${p.page} of ${p.pages}</span>
              ${p.page < p.pages ? html`<a href="${link(p.page + 1)}" rel="next">Older</a>` : ""}
            </nav>`
          : ""
      }
    </section>`;
  return { status: 200, html: layout({ title: "Changes", current: "changes", viewer, body }) };
}
