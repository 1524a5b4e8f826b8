// /console/live: what is live and what guards it — the current release and the ones before,
// health (what /healthz answers), the deploy watch window, the circuit breaker, the emergency
// stop and the quotas — with a rollback button per deployed change and stop/resume. Buttons
// are enabled only for a viewer who may act (canAct); each is a POST form with the CSRF token.
import type { AppContext } from "../../context.ts";
import type { HealthReport } from "../../health.ts";
import type { ChangeRow } from "../../store/changes.ts";
import { breakerNow } from "../../switches/circuit-breaker.ts";
import { isStopped } from "../../switches/emergency-stop.ts";
import { html } from "../../../contract/html.ts";
import type { SafeHtml } from "../../../contract/html.ts";
import { age, BASE, layout, time } from "../layout.ts";
import { stateBadge, titleOf } from "./changes.ts";
import { recentInStates } from "../queries.ts";
import type { Viewer } from "../auth/index.ts";

const NOT_ALLOWED = "You may look but not act: rollback, stop and resume need write access to the repository.";

function csrfField(csrf: string | null): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrf ?? ""}" />`;
}

/** A button that is enabled only for a viewer who may act (the server checks again on POST). */
function actionForm(action: string, label: string, viewer: Viewer, csrf: string | null, danger: boolean): SafeHtml {
  const disabled = !viewer.canAct;
  return html`<form class="inline" method="post" action="${action}">
    ${csrfField(csrf)}<button
      type="submit"
      class="${danger ? "danger" : ""}"
      ${disabled ? html` disabled aria-describedby="not-allowed"` : ""}
    >
      ${label}
    </button>
  </form>`;
}

export function rollbackForm(c: ChangeRow, viewer: Viewer, csrf: string | null): SafeHtml {
  return actionForm(`${BASE}/changes/${encodeURIComponent(c.id)}/rollback`, `Roll back ${c.id}`, viewer, csrf, true);
}

/** Once per page with action buttons: why they are disabled for this viewer (the buttons point here). */
export function notAllowedNote(viewer: Viewer): SafeHtml {
  return viewer.canAct ? html`` : html`<p id="not-allowed" class="message">${NOT_ALLOWED}</p>`;
}

export interface LiveDeps {
  health: () => HealthReport;
}

export async function livePage(
  ctx: AppContext,
  deps: LiveDeps,
  viewer: Viewer,
  csrf: string | null,
  notice?: string,
): Promise<{ status: number; html: string }> {
  const { store } = ctx;
  const now = ctx.now();
  const p = await ctx.policy().catch(() => null);
  const last = store.values.lastDeploy();
  const deploys = store.audit.latestDeployments(10);
  const rollbacks = store.audit.latestRollbacks(5);
  const health = deps.health();
  const stop = store.values.stop();
  const stopped = p ? isStopped(ctx, p) : stop.stopped;
  const policyStop = Boolean(p?.policy.emergencyStop);
  const breaker = p ? breakerNow(ctx, p.policy.circuitBreaker) : null;
  const watchSeconds = p?.policy.deploy.watchWindowSeconds ?? null;
  const watchEnds = last && watchSeconds !== null ? Date.parse(last.deployedAt) + watchSeconds * 1000 : null;
  const limits = p?.policy.rateLimits;
  const deployed = recentInStates(store, ["deployed", "merged"], 20, "change");

  const release = html`<section id="live-release" data-live aria-labelledby="release-heading">
    <h2 id="release-heading">Current release</h2>
    ${
      last
        ? html`<dl class="facts">
            <dt>Commit</dt>
            <dd><code>${last.commit}</code></dd>
            <dt>Deployed</dt>
            <dd>${time(last.deployedAt)} (${age(Date.parse(last.deployedAt), now)} ago)</dd>
            ${
              last.changeId
                ? html`<dt>Change</dt>
                    <dd><a href="${BASE}/changes/${encodeURIComponent(last.changeId)}">${last.changeId}</a></dd>`
                : ""
            }
            ${
              last.prUrl
                ? html`<dt>Pull request</dt>
                    <dd><a href="${last.prUrl}">${last.prUrl}</a></dd>`
                : ""
            }
            <dt>Watch window</dt>
            <dd>
              ${
                watchEnds === null
                  ? "not known (the policy did not load)"
                  : watchEnds > now
                    ? html`watching until ${time(new Date(watchEnds).toISOString())} (${watchSeconds} s after the deploy): a failure now
                      rolls back`
                    : `ended ${age(watchEnds, now)} ago (${watchSeconds} s after the deploy)`
              }
            </dd>
          </dl>`
        : html`<p>Nothing deployed yet.</p>`
    }
    <h3>Deployments, newest first</h3>
    ${
      deploys.length
        ? html`<ul>
            ${deploys.map((d) => html`<li>${time(d.at)} <a href="${BASE}/changes/${encodeURIComponent(d.changeId)}">${d.changeId}</a>: ${d.state}${d.sha ? html` (<code>${d.sha.slice(0, 12)}</code>)` : ""}</li>`)}
          </ul>`
        : html`<p>None reported yet.</p>`
    }
    <h3>Rollbacks, newest first</h3>
    ${
      rollbacks.length
        ? html`<ul>
            ${rollbacks.map((r) => html`<li>${time(r.at)} <a href="${BASE}/changes/${encodeURIComponent(r.changeId)}">${r.changeId}</a>: ${r.reason}${r.revertPrUrl ? html` — <a href="${r.revertPrUrl}">revert pull request</a>` : ""}</li>`)}
          </ul>`
        : html`<p>None.</p>`
    }
  </section>`;

  const healthSection = html`<section id="live-health" data-live aria-labelledby="health-heading">
    <h2 id="health-heading">Health</h2>
    <p>
      <span class="badge ${health.ok ? "good" : "bad"}">${health.ok ? "ok" : "not ok"}</span> ${health.ok ? "The app can do its work." : ""}
    </p>
    ${
      health.reasons.length
        ? html`<ul>
            ${health.reasons.map((r) => html`<li>${r}</li>`)}
          </ul>`
        : ""
    }
  </section>`;

  const switches = html`<section id="live-switches" data-live aria-labelledby="switches-heading">
    <h2 id="switches-heading">Emergency stop and circuit breaker</h2>
    <dl class="facts">
      <dt>Emergency stop</dt>
      <dd id="stop-state">
        <span class="badge ${stopped ? "bad" : "good"}">${stopped ? "stopped" : "running"}</span>
        ${stop.stopped ? html` by ${stop.by ?? "someone"}${stop.since ? html` since ${time(stop.since)}` : ""}` : ""}
        ${policyStop ? " — the policy's emergencyStop flag is on: only a policy change lifts it" : ""}
      </dd>
      <dt>Circuit breaker</dt>
      <dd>
        ${
          breaker
            ? html`<span class="badge ${breaker.state === "closed" ? "good" : breaker.state === "open" ? "bad" : "warn"}"
                  >${breaker.state}</span
                >
                ${breaker.failures} recent failure${breaker.failures === 1 ? "" : "s"}${breaker.reason ? ` — ${breaker.reason}` : ""}`
            : "not known (the policy did not load)"
        }
      </dd>
    </dl>
    <p>
      ${stop.stopped ? actionForm(`${BASE}/resume`, "Resume Ouro", viewer, csrf, false) : actionForm(`${BASE}/stop`, "Stop Ouro", viewer, csrf, true)}
    </p>
  </section>`;

  const quotas = html`<section id="live-quotas" data-live aria-labelledby="quotas-heading">
    <h2 id="quotas-heading">Quotas</h2>
    ${
      limits
        ? html`<dl class="facts">
            <dt>Open pull requests</dt>
            <dd>${store.changes.countOpenPrs()} of ${limits.maxOpenPrs}</dd>
            <dt>Requests in the last minute</dt>
            <dd>${store.changes.requestsSince(now - 60_000).length} of ${limits.globalPerMinute}</dd>
            <dt>Per requester</dt>
            <dd>${limits.perRequesterPerHour} an hour</dd>
            <dt>Self-edits started in ${limits.burst.windowSeconds} s</dt>
            <dd>${store.changes.startsSince(now - limits.burst.windowSeconds * 1000).length} of ${limits.burst.edits}</dd>
          </dl>`
        : html`<p>Not known: the policy did not load.</p>`
    }
  </section>`;

  const deployedSection = html`<section id="live-deployed" data-live aria-labelledby="deployed-heading">
    <h2 id="deployed-heading">Merged and deployed changes</h2>
    ${
      deployed.length
        ? html`<ul>
            ${deployed.map((c) => html`<li><a href="${BASE}/changes/${encodeURIComponent(c.id)}">${titleOf(c)}</a> ${stateBadge(c.state)} ${rollbackForm(c, viewer, csrf)}</li>`)}
          </ul>`
        : html`<p>None.</p>`
    }
  </section>`;

  const body = html`${notice ? html`<p class="message" role="status">${notice}</p>` : ""}${notAllowedNote(viewer)}${release}${healthSection}${switches}${quotas}${deployedSection}`;
  return { status: 200, html: layout({ title: "Live", current: "live", viewer, body }) };
}
