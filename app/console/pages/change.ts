// /console/changes/:id: one change — the request, the agent's summary (its PR's body), why it
// is or is not merging (the merge gate's own last answer, stored with the state), approvals
// and votes against what the policy requires, the policy verdict with each finding at its
// line in the diff, check runs with summaries and annotations, deployments, and the audit
// trail as a timeline. What comes from GitHub (the PR, its diff, checks, reviews, deployments,
// the policy's votes) is waited for only until a short deadline (budget.ts): past it, the page
// shows what the store knows with "loading from GitHub…" in those parts, and the event stream
// makes open pages fetch it again when GitHub answered. If GitHub cannot be reached the page
// still shows what the store knows, and says so.
import type { AppContext } from "../../context.ts";
import type { EffectivePolicy } from "../../policy.ts";
import type { ChangeRow } from "../../store/changes.ts";
import type { AuditRow } from "../../store/audit.ts";
import { html } from "../../../contract/html.ts";
import type { SafeHtml } from "../../../contract/html.ts";
import { BASE, layout, messagePage, time } from "../layout.ts";
import { erasedAt, storedFindings } from "../queries.ts";
import type { StoredFinding } from "../queries.ts";
import { deadline, LATE, within } from "../budget.ts";
import { renderFileDiff } from "../diff.ts";
import type { DeploymentView, GitHubViews, PullView } from "../github-data.ts";
import { checksBadge, requesterOf, stateBadge, titleOf } from "./changes.ts";
import { notAllowedNote, rollbackForm } from "./live.ts";
import type { Viewer } from "../auth/index.ts";

/** The policy a change page last read, per app: shown when reading it again passes the deadline. */
const lastPolicy = new WeakMap<AppContext, EffectivePolicy>();

/** The change named by its id or by the id of the request that opened it. */
export function findChange(ctx: AppContext, id: string): ChangeRow | null {
  return ctx.store.changes.byId(id) ?? ctx.store.changes.byRequest(id);
}

/** Why it is (not) merging, from its state and the merge gate's stored reason. */
export function mergeStory(c: ChangeRow): string {
  const why = c.reason ? `: ${c.reason}` : "";
  switch (c.state) {
    case "queued":
      return `Not merging: the agent has not started yet${why}`;
    case "working":
      return `Not merging: the agent is writing the change${why}`;
    case "pr":
      return `Not merging yet: the pull request is open and waits for its checks${why}`;
    case "checks":
    case "review":
      return `Not merging yet${why || ": waiting for checks and review"}`;
    case "merged":
      return `Merged${c.mergeSha ? ` as ${c.mergeSha.slice(0, 12)}` : ""}; waiting for the deployment${why}`;
    case "deployed":
      return `Merged and deployed${why}`;
    case "rolled-back":
      return `Rolled back${why}`;
    case "failed":
      return `Not merging: the change failed${why}`;
  }
}

/** The PR's body as people read it on GitHub: its hidden markers (HTML comments) left out. */
const summaryOf = (body: string): string => body.replace(/<!--[\s\S]*?-->/g, "").trim();

const LINK_KEYS = new Set(["url", "prUrl", "revertPrUrl", "issueUrl"]);

function detailList(row: AuditRow, repoUrl: string | null): SafeHtml {
  const entries = Object.entries(row.detail).filter(([, v]) => v !== undefined && v !== null && v !== "");
  if (entries.length === 0) return html``;
  const value = (k: string, v: unknown): SafeHtml | string => {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    if (LINK_KEYS.has(k) && typeof v === "string" && /^https?:\/\//.test(v)) return html`<a href="${v}">${v}</a>`;
    if (repoUrl && (k === "sha" || k === "mergeSha" || k === "commit") && typeof v === "string" && /^[0-9a-f]{7,40}$/.test(v))
      return html`<a href="${repoUrl}/commit/${v}">${v.slice(0, 12)}</a>`;
    if (repoUrl && k === "pr" && typeof v === "number") return html`<a href="${repoUrl}/pull/${v}">#${v}</a>`;
    // GitHub sends /issues/N on to /pull/N when N is a pull request
    if (repoUrl && (k === "issue" || k === "number") && typeof v === "number") return html`<a href="${repoUrl}/issues/${v}">#${v}</a>`;
    if (repoUrl && (k === "deployment" || (k === "id" && row.event.includes("deployment"))) && typeof v === "number")
      return html`<a href="${repoUrl}/deployments">deployment ${v}</a>`;
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  };
  return html`<ul>
    ${entries.map(([k, v]) => html`<li>${k}: ${value(k, v)}</li>`)}
  </ul>`;
}

function timeline(rows: AuditRow[], repoUrl: string | null): SafeHtml {
  if (rows.length === 0) return html`<p>Nothing recorded yet.</p>`;
  return html`<ol class="timeline">
    ${rows.map(
      (r) =>
        html`<li>
          <span class="event">${r.event}</span> ·
          ${time(r.at)}${r.changeId !== rows[0].changeId ? html` <span class="muted">(${r.changeId})</span>` : ""}${detailList(r, repoUrl)}
        </li>`,
    )}
  </ol>`;
}

function checksSection(pull: PullView): SafeHtml {
  const runs = pull.checkRuns.map(
    (r) =>
      html`<li>
        <h3>
          ${r.url ? html`<a href="${r.url}">${r.name}</a>` : r.name}
          ${checksBadge(r.status !== "completed" ? r.status : r.conclusion === "success" ? "success" : r.conclusion === "failure" ? "failure" : (r.conclusion ?? "pending"))}
        </h3>
        ${r.title ? html`<p><strong>${r.title}</strong></p>` : ""} ${r.summary ? html`<pre class="request">${r.summary}</pre>` : ""}
        ${
          r.annotations.length
            ? html`<ul>
                ${r.annotations.map((a) => html`<li><strong>${a.level}</strong> ${a.path}:${a.line}${a.title ? ` — ${a.title}` : ""}: ${a.message}</li>`)}
              </ul>`
            : ""
        }
      </li>`,
  );
  const statuses = pull.statuses.map(
    (s) =>
      html`<li>
        ${s.url ? html`<a href="${s.url}">${s.context}</a>` : s.context}
        ${checksBadge(s.state === "error" ? "failure" : s.state)}${s.description ? html` — ${s.description}` : ""}
      </li>`,
  );
  if (runs.length === 0 && statuses.length === 0) return html`<p>No check runs or statuses on ${pull.headSha.slice(0, 12)} yet.</p>`;
  return html`<ul class="checks">
    ${runs}${statuses}
  </ul>`;
}

/** A GitHub part the page went out without: it comes with the next fetch (the event stream asks for it). */
const loading = (what: string): SafeHtml => html`<p class="loading">Loading ${what} from GitHub…</p>`;

/** Marks a section whose GitHub part is still coming (assistive technology waits for it). */
const busy = (late: boolean): SafeHtml => (late ? html` aria-busy="true"` : html``);

function approvalsSection(
  c: ChangeRow,
  pull: PullView | null | typeof LATE,
  votes: { required: number | null; up: number; down: number },
): SafeHtml {
  const need = c.verdict?.requiredApprovals;
  const reviews = pull === LATE ? LATE : pull ? pull.reviews.filter((r) => r.state !== "COMMENTED" && r.state !== "PENDING") : null;
  return html`<dl class="facts">
    <dt>The policy requires</dt>
    <dd>
      ${need === undefined ? "not known before the policy verdict" : `${need} approval${need === 1 ? "" : "s"} from users with write access or code owners`}
    </dd>
    <dt>Reviews</dt>
    <dd>
      ${
        reviews === LATE
          ? loading("the reviews")
          : reviews === null
            ? "not available"
            : reviews.length === 0
              ? "none yet"
              : html`<ul>
                  ${reviews.map((r) => html`<li>${r.login}: ${r.state.toLowerCase().replace("_", " ")}${r.commitId && pull && pull !== LATE && r.commitId !== pull.headSha ? " (an earlier commit)" : ""}</li>`)}
                </ul>`
      }
    </dd>
    <dt>Community votes</dt>
    <dd>
      ${
        votes.required === null
          ? `${votes.up} for, ${votes.down} against; the policy’s requirement is being read from GitHub`
          : votes.required > 0
            ? `${votes.up} for, ${votes.down} against; ${votes.required} net required`
            : "not required by the policy"
      }
    </dd>
    <dt>Merge gate</dt>
    <dd>${mergeStory(c)}</dd>
  </dl>`;
}

function verdictSection(
  c: ChangeRow,
  findings: StoredFinding[],
  mode: string | undefined,
  files: Set<string>,
  diffLate: boolean,
): SafeHtml {
  if (!c.verdict) return html`<p>No policy verdict yet (it comes with the pull request).</p>`;
  const v = c.verdict;
  const unplaced = findings.filter((f) => !f.file || !files.has(f.file));
  return html`<dl class="facts">
      <dt>Decision</dt>
      <dd><span class="badge ${v.decision === "pass" ? "good" : v.decision === "block" ? "bad" : "warn"}">${v.decision}</span></dd>
      <dt>Risk</dt>
      <dd>${v.risk}</dd>
      <dt>Required approvals</dt>
      <dd>${v.requiredApprovals}</dd>
      <dt>Automerge</dt>
      <dd>${v.automerge ? "yes" : "no"}</dd>
      ${
        mode
          ? html`<dt>Mode</dt>
              <dd>${mode}</dd>`
          : ""
      }
      <dt>Findings</dt>
      <dd>
        ${
          findings.length === 0
            ? "none"
            : diffLate
              ? `${findings.length} (listed here until the diff comes from GitHub)`
              : `${findings.length} (each shown at its line in the diff below)`
        }
      </dd>
    </dl>
    ${
      unplaced.length
        ? html`<ul>
            ${unplaced.map((f) => html`<li><strong>${f.severity}</strong> ${f.rule}${f.file ? ` in ${f.file}${f.line ? `:${f.line}` : ""}` : ""}: ${f.message}</li>`)}
          </ul>`
        : ""
    }`;
}

function deploymentsSection(deps: DeploymentView[] | null, repoUrl: string | null): SafeHtml {
  if (deps === null) return html`<p>Not merged yet: no deployments.</p>`;
  if (deps.length === 0) return html`<p>No deployments of the merge commit yet.</p>`;
  return html`<ul>
    ${deps.map(
      (d) =>
        html`<li>
          ${repoUrl ? html`<a href="${repoUrl}/deployments">Deployment ${d.id}</a>` : `Deployment ${d.id}`} (${d.task}, ${d.environment},
          ${d.sha.slice(0, 12)}):
          ${d.statuses.length ? d.statuses.map((s, i) => html`${i ? ", then " : ""}${s.state}${s.description ? ` — ${s.description}` : ""}`) : "no status yet"}
        </li>`,
    )}
  </ul>`;
}

export async function changePage(
  ctx: AppContext,
  github: GitHubViews,
  viewer: Viewer,
  id: string,
  csrf: string | null,
): Promise<{ status: number; html: string }> {
  const c = findChange(ctx, id);
  if (!c)
    return {
      status: 404,
      html: messagePage(viewer, "No such change", `There is no change called “${id}”. It may never have existed, or the id is mistyped.`, {
        href: `${BASE}/`,
        label: "All changes",
      }),
    };
  const erased = erasedAt(ctx.store, c.id) !== null;
  const related = [c.id, ...(c.revertChange ? [c.revertChange] : [])];
  const audit = related.flatMap((x) => ctx.store.audit.of(x)).sort((x, y) => x.seq - y.seq);
  const { findings, mode } = storedFindings(ctx.store, c.id);

  // GitHub's parts and the policy (read from the default branch) share one deadline.
  const d = deadline();
  const asked = github.forPage(ctx.client(), c, d.late);
  const policy = ctx.policy().then(
    (x) => {
      lastPolicy.set(ctx, x);
      return x;
    },
    () => null,
  );
  const policyAsked = within(policy, d);
  let pull: PullView | null | typeof LATE = null;
  let deployments: DeploymentView[] | null | typeof LATE = null;
  let problem: string | null = null;
  try {
    const got = await asked;
    if (got === LATE) pull = deployments = LATE;
    else ({ pull, deployments } = got);
  } catch (e) {
    problem = `Could not ask GitHub for the pull request, checks and deployments: ${(e as Error).message}`;
  }
  // A policy read once is good enough for the votes' requirement while GitHub is slow.
  const fresh = await policyAsked;
  const p = fresh === LATE ? (lastPolicy.get(ctx) ?? LATE) : fresh;
  d.cancel();
  if (p === LATE) github.tellWhenDone(c.id, policy, "policy"); // never read yet: the requirement comes with the next fetch
  const votes = { required: p === LATE ? null : (p?.policy.votes.required ?? 0), ...ctx.store.votes.count(c.id) };
  const late = pull === LATE;
  const pr = pull === LATE ? null : pull;
  // The repository's address is known from the PR's address before GitHub answers.
  const repoUrl = pr?.repoUrl ?? c.prUrl?.replace(/\/pull\/\d+$/, "") ?? null;
  const files = new Set(pr?.files.map((f) => f.filename) ?? []);
  const title = erased ? `Change ${c.id} (erased)` : titleOf(c);
  const request = c.request?.text ?? c.text;

  const self = `${BASE}/changes/${encodeURIComponent(c.id)}`;
  const body = html` <div id="change-github" data-live>
      ${problem ? html`<p class="message" role="alert">${problem}</p>` : ""}
      ${
        late
          ? html`<p class="message loading" role="status">
              GitHub has not answered yet: the pull request’s summary, checks, reviews, diff and deployments show here when it does.
              <a href="${self}">Reload</a> to ask again.
            </p>`
          : ""
      }
    </div>
    <section id="change-status" data-live aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <dl class="facts">
        <dt>Change</dt>
        <dd>${c.id}${c.kind === "revert" ? " (a revert)" : ""}</dd>
        <dt>State</dt>
        <dd>${stateBadge(c.state)}</dd>
        <dt>Why</dt>
        <dd>${mergeStory(c)}</dd>
        <dt>Requester</dt>
        <dd>${erased ? "erased" : requesterOf(c)} <span class="muted">(${c.source})</span></dd>
        <dt>Risk</dt>
        <dd>${c.risk ?? "not judged yet"}</dd>
        <dt>Checks</dt>
        <dd>${checksBadge(ctx.store.keys.checksState(c.id))}</dd>
        <dt>Issue</dt>
        <dd>${c.issueUrl ? html`<a href="${c.issueUrl}">#${c.issueNumber}</a>` : "none yet"}</dd>
        <dt>Pull request</dt>
        <dd>${c.prUrl ? html`<a href="${c.prUrl}">#${c.prNumber}</a>` : "none yet"}</dd>
        ${
          c.revertOf
            ? html`<dt>Reverts</dt>
                <dd><a href="${BASE}/changes/${encodeURIComponent(c.revertOf)}">${c.revertOf}</a></dd>`
            : ""
        }
        ${
          c.revertChange
            ? html`<dt>Reverted by</dt>
                <dd><a href="${BASE}/changes/${encodeURIComponent(c.revertChange)}">${c.revertChange}</a></dd>`
            : ""
        }
        <dt>Asked</dt>
        <dd>${time(new Date(c.createdAt).toISOString())}</dd>
        <dt>Last change</dt>
        <dd>${time(new Date(c.updatedAt).toISOString())}</dd>
      </dl>
      ${
        c.kind === "change" && (c.state === "deployed" || c.state === "merged")
          ? html`${notAllowedNote(viewer)}
              <p>${rollbackForm(c, viewer, csrf)}</p>`
          : ""
      }
    </section>

    <section aria-labelledby="request-heading">
      <h2 id="request-heading">The request</h2>
      ${erased ? html`<p>erased (the requester’s personal data was erased; the trail below keeps what happened)</p>` : html`<pre class="request">${request}</pre>`}
    </section>

    <section id="change-summary" data-live aria-labelledby="summary-heading" ${busy(late)}>
      <h2 id="summary-heading">The agent’s summary</h2>
      ${
        late
          ? loading("the pull request’s description")
          : pr
            ? summaryOf(pr.body)
              ? html`<pre class="request">${summaryOf(pr.body)}</pre>`
              : html`<p>The pull request has no description.</p>`
            : html`<p>No pull request yet.</p>`
      }
    </section>

    <section id="change-approvals" data-live aria-labelledby="approvals-heading" ${busy(late || p === LATE)}>
      <h2 id="approvals-heading">Approvals, votes and the merge gate</h2>
      ${approvalsSection(c, pull, votes)}
    </section>

    <section id="change-verdict" data-live aria-labelledby="verdict-heading">
      <h2 id="verdict-heading">Policy verdict</h2>
      ${verdictSection(c, findings, mode, files, late)}
    </section>

    <section id="change-checks" data-live aria-labelledby="checks-heading" ${busy(late)}>
      <h2 id="checks-heading">Check runs</h2>
      ${late ? loading("the check runs and statuses") : pr ? checksSection(pr) : html`<p>No pull request yet.</p>`}
    </section>

    <section id="change-diff" data-live aria-labelledby="diff-heading" ${busy(late)}>
      <h2 id="diff-heading">The diff</h2>
      ${
        late
          ? loading("the diff")
          : pr
            ? pr.files.length
              ? pr.files.map((f, i) =>
                  renderFileDiff(
                    f,
                    findings.filter((x) => x.file === f.filename),
                    i,
                  ),
                )
              : html`<p>The pull request changes no files.</p>`
            : html`<p>No pull request yet.</p>`
      }
    </section>

    <section id="change-deployments" data-live aria-labelledby="deployments-heading" ${busy(late && c.mergeSha !== null)}>
      <h2 id="deployments-heading">Deployments</h2>
      ${deployments === LATE ? (c.mergeSha ? loading("the deployments") : html`<p>Not merged yet: no deployments.</p>`) : deploymentsSection(deployments, repoUrl)}
    </section>

    <section id="change-audit" data-live aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      ${timeline(audit, repoUrl)}
    </section>`;
  return { status: 200, html: layout({ title, current: "changes", viewer, body }) };
}
