// /console/policy: the effective policy the app reads from the default branch (policies/,
// through the same loader as the checker), every setting with its value and whether it is
// the default, and the load errors when it did not load (the app then runs on the defaults,
// with automerge off).
import type { AppContext } from "../../context.ts";
import { DEFAULT_POLICY } from "../../policy.ts";
import { html } from "../../../contract/html.ts";
import { layout } from "../layout.ts";
import type { Viewer } from "../auth/index.ts";

/** `{ a: { b: 1 } }` → [["a.b", 1]]; arrays are values. */
function flatten(value: unknown, prefix = ""): [string, unknown][] {
  if (value && typeof value === "object" && !Array.isArray(value))
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, value]];
}

const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

export async function policyPage(ctx: AppContext, viewer: Viewer): Promise<{ status: number; html: string }> {
  let loaded;
  try {
    loaded = await ctx.policy();
  } catch (e) {
    const body = html`<p class="message" role="alert">Could not read the policy from the default branch: ${(e as Error).message}</p>`;
    return { status: 200, html: layout({ title: "Policy", current: "policy", viewer, body }) };
  }
  const defaults = new Map(flatten(DEFAULT_POLICY).map(([k, v]) => [k, JSON.stringify(v)]));
  const rows = flatten(loaded.policy).map(([key, value]) => {
    const isDefault = defaults.get(key) === JSON.stringify(value);
    return html`<tr>
      <th scope="row"><code>${key}</code></th>
      <td><code>${show(value)}</code></td>
      <td>
        ${isDefault ? html`<span class="badge plain">default</span>` : html`<span class="badge warn">set</span> <span class="muted">default ${defaults.has(key) ? defaults.get(key) : "none"}</span>`}
      </td>
    </tr>`;
  });
  const body = html`<section id="policy-source" data-live aria-labelledby="source-heading">
      <h2 id="source-heading">Where it comes from</h2>
      <p>The <code>policies/</code> folder of the default branch at <code>${loaded.sha}</code>, read through the checker's own loader.</p>
      ${
        loaded.error
          ? html`<div role="alert">
              <h3>The policy did not load</h3>
              <p>The app runs on the defaults shown below, with automerge off, until this is fixed:</p>
              <pre class="request">${loaded.error}</pre>
            </div>`
          : html`<p><span class="badge good">loaded</span> No load errors.</p>`
      }
    </section>
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Effective settings</h2>
      <p>Each setting with its value; <strong>default</strong> means the policy files leave it at its default.</p>
      <div class="scroll" role="region" aria-label="Policy settings" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
      </div>
    </section>`;
  return { status: 200, html: layout({ title: "Policy", current: "policy", viewer, body }) };
}
