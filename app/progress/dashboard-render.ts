// The dashboard issue (like Renovate's dependency dashboard), rendered from the store.
import { DASHBOARD_MARKER, quoteUser } from "../github/markers.ts";

export const DASHBOARD_TITLE = "Ouro Dashboard";

export interface DashboardData {
  pending: { changeId: string; title: string; requester: string; state: string; reason?: string; issueUrl?: string }[];
  openPrs: {
    changeId: string;
    number: number;
    url: string;
    title: string;
    risk?: string;
    checks: string;
    state: string;
    rollback: boolean;
  }[];
  breaker: { state: string; failures: number; reason?: string; openedAt?: string };
  stop: { stopped: boolean; by?: string; since?: string; policy: boolean };
  deploys: { changeId: string; sha: string; state: string; at: string; prUrl?: string }[];
  rollbacks: { changeId: string; at: string; reason: string; revertPrUrl?: string }[];
}

const cell = (s: string) => quoteUser(s, 80).replace(/\|/g, "\\|");

export function renderDashboard(d: DashboardData): string {
  const out: string[] = [DASHBOARD_MARKER, "This issue lists Ouro's work and safety switches. The app rewrites it; edits are lost.", ""];
  out.push("## Safety switches", "");
  const stop = d.stop.stopped
    ? `🛑 **stopped**${d.stop.policy ? " by the policy flag `emergencyStop`" : ""}${d.stop.by ? ` by ${cell(d.stop.by)}` : ""}${d.stop.since ? ` since ${d.stop.since}` : ""} — no new pull requests, no automerge`
    : "✅ running";
  out.push(`- Emergency stop: ${stop}`);
  const b = d.breaker;
  const br =
    b.state === "closed"
      ? `✅ closed (${b.failures} consecutive failures)`
      : `${b.state === "open" ? "🔴 open" : "🟡 half-open"} (${b.failures} failures${b.reason ? `; last: ${cell(b.reason)}` : ""}${b.openedAt ? `; opened ${b.openedAt}` : ""})`;
  out.push(`- Circuit breaker: ${br}`, "");
  out.push("## Pending requests", "");
  if (d.pending.length === 0) out.push("None.");
  else {
    out.push("| change | request | by | state |", "|---|---|---|---|");
    for (const p of d.pending)
      out.push(
        `| \`${p.changeId}\`${p.issueUrl ? ` ([issue](${p.issueUrl}))` : ""} | ${cell(p.title)} | ${cell(p.requester)} | ${p.state}${p.reason ? `: ${cell(p.reason)}` : ""} |`,
      );
  }
  out.push("", "## Open pull requests", "");
  if (d.openPrs.length === 0) out.push("None.");
  else {
    out.push("| PR | change | risk | checks | state |", "|---|---|---|---|---|");
    for (const p of d.openPrs)
      out.push(
        `| [#${p.number}](${p.url})${p.rollback ? " ↩️" : ""} ${cell(p.title)} | \`${p.changeId}\` | ${p.risk ?? "?"} | ${p.checks} | ${p.state} |`,
      );
  }
  out.push("", "## Last deployments", "");
  if (d.deploys.length === 0) out.push("None.");
  for (const x of d.deploys) out.push(`- ${x.at} \`${x.sha.slice(0, 7)}\` ${x.state} — \`${x.changeId}\`${x.prUrl ? ` (${x.prUrl})` : ""}`);
  out.push("", "## Last rollbacks", "");
  if (d.rollbacks.length === 0) out.push("None.");
  for (const r of d.rollbacks) out.push(`- ${r.at} \`${r.changeId}\`: ${cell(r.reason)}${r.revertPrUrl ? ` → ${r.revertPrUrl}` : ""}`);
  return out.join("\n") + "\n";
}
