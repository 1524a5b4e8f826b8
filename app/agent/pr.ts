// The pull request's body, built by deterministic code from what the run did (never written
// by the model): what was asked, what changed and why, files, tests, the verdict, the
// checks, how to roll back, and the change's marker. The title is contract/change-request.ts
// `prTitle`, the same one the app uses.
import type { Verdict } from "../../policy-engine/types.ts";
import { changeMarker, requestedWhere, type ChangeRequest } from "../../contract/change-request.ts";
import { fence, stripHidden } from "./sanitize.ts";
import type { CheckOutcome } from "./checks.ts";

export interface PrContent {
  request: ChangeRequest;
  branch: string;
  baseSha: string;
  /** How the change was made: a recipe name or "model <name>". */
  method: string;
  /** Deterministic summary (recipe) or the model's own summary (labelled as such). */
  summary: string;
  modelTitle?: string;
  files: { path: string; status: "added" | "modified" | "deleted" }[];
  testsAdded: string[];
  verdict: Verdict;
  checks: CheckOutcome[];
  refusals: string[];
}

export function prBody(c: PrContent): string {
  const v = c.verdict;
  const lines: string[] = [];
  lines.push("## What was asked", "");
  lines.push(
    `Requested by **${escapeMd(oneLine(c.request.requester.name))}** ${requestedWhere(c.request.requester)} (change \`${c.request.id}\`).`,
    "",
  );
  lines.push(fence("Request", c.request.text), "");
  lines.push("## What changed and why", "");
  lines.push(`Made by: ${c.method}.`, "");
  lines.push(c.method.startsWith("model") ? fence("The agent's summary", c.summary) : c.summary, "");
  lines.push("## Files", "");
  for (const f of c.files) lines.push(`- \`${f.path}\` (${f.status})`);
  lines.push("", "## Tests added", "");
  if (c.testsAdded.length === 0) lines.push("- none");
  for (const t of c.testsAdded) lines.push(`- \`${t}\``);
  lines.push("", "## Policy verdict (policy from the base branch)", "");
  lines.push(
    `**${v.decision}** · risk **${v.risk}** · approvals required: ${v.requiredApprovals} · automerge: ${v.automerge ? "allowed" : "no"} · mode: ${v.mode}`,
  );
  if (v.findings.length > 0) {
    lines.push("");
    for (const f of v.findings)
      lines.push(
        `- ${f.severity} \`${f.rule}\`${f.file ? ` in \`${f.file}${f.line ? `:${f.line}` : ""}\`` : ""}: ${escapeMd(oneLine(f.message))}`,
      );
  }
  lines.push("", "## Checks run before push (sandboxed)", "");
  for (const ch of c.checks) lines.push(`- ${ch.ok ? "✅" : "❌"} ${ch.name} (${Math.round(ch.durationMs)} ms)`);
  if (c.refusals.length > 0) {
    lines.push("", "## Edits the agent attempted and was refused", "");
    for (const r of c.refusals) lines.push(`- ${escapeMd(oneLine(r))}`);
  }
  lines.push("", "## How to roll back", "");
  lines.push(`- Before merge: close this pull request; the branch \`${c.branch}\` can be deleted.`);
  lines.push(
    `- After merge: \`/rollback ${c.request.id}\` in Discord redeploys the previous release at once and opens a revert PR; or revert the merge commit by hand (\`git revert -m 1 <merge commit>\`).`,
  );
  lines.push(`- Base commit: \`${c.baseSha}\`.`);
  lines.push("", changeMarker(c.request.id));
  return lines.join("\n");
}

const oneLine = (s: string) => stripHidden(s).replace(/\s+/g, " ").trim();

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]<>()#+!|~])/g, "\\$1").replace(/@/g, "@\u200b");
}
