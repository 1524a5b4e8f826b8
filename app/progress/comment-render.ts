// The sticky progress comment: one per change and thread, edited in place.
import type { ChangeState } from "../lifecycle/states.ts";
import { STEPS, stepIndex } from "../lifecycle/states.ts";
import { progressMarker, quoteUser } from "../github/markers.ts";

export interface ProgressView {
  changeId: string;
  state: ChangeState;
  title: string;
  requester: string;
  risk?: string;
  prUrl?: string;
  message?: string;
  revertPrUrl?: string;
}

export function renderProgress(v: ProgressView): string {
  const lines = [progressMarker(v.changeId), `### Ouro progress · \`${v.changeId}\``, ""];
  lines.push(`**${quoteUser(v.title, 120)}** — requested by ${quoteUser(v.requester, 60)}${v.risk ? ` · risk **${v.risk}**` : ""}`, "");
  const at = stepIndex(v.state);
  for (const [i, step] of STEPS.entries()) {
    let mark = "⬜";
    if (v.state === "failed" || v.state === "rolled-back") mark = "⬜";
    else if (i < at || v.state === "deployed") mark = "✅";
    else if (i === at) mark = "⏳";
    lines.push(`- ${mark} ${step.label}`);
  }
  if (v.state === "failed") lines.push("- ❌ Failed");
  if (v.state === "rolled-back") lines.push("- ↩️ Rolled back");
  lines.push("");
  if (v.prUrl) lines.push(`Pull request: ${v.prUrl}`);
  if (v.revertPrUrl) lines.push(`Revert pull request: ${v.revertPrUrl}`);
  if (v.message) lines.push("", `> ${quoteUser(v.message, 500)}`);
  return lines.join("\n").trimEnd() + "\n";
}
