// Renders a verdict for people (text for a terminal, Markdown for a job summary or a PR
// comment) and for programs (JSON: exactly the Verdict). File paths and messages can come
// from the PR itself, so Markdown output escapes everything it interpolates.
import type { Finding, Verdict } from "./types.ts";

export const FORMATS = ["json", "text", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

const LABEL: Record<Verdict["decision"], string> = {
  pass: "PASS",
  "needs-approval": "NEEDS APPROVAL",
  block: "BLOCK",
};

const ICON: Record<Verdict["decision"], string> = {
  pass: "✅",
  "needs-approval": "🟡",
  block: "⛔",
};

const SEVERITY_ORDER: Record<Finding["severity"], number> = { error: 0, warning: 1, info: 2 };

/** Findings worst first, then by file and line, so output is stable. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.file ?? "").localeCompare(b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
}

export function location(f: Finding): string {
  if (!f.file) return "";
  if (f.line === undefined) return f.file;
  return f.column === undefined ? `${f.file}:${f.line}` : `${f.file}:${f.line}:${f.column}`;
}

function summaryLine(v: Verdict): string {
  const approvals = `${v.requiredApprovals} approval${v.requiredApprovals === 1 ? "" : "s"} required`;
  return `risk ${v.risk}, ${approvals}, automerge ${v.automerge ? "allowed" : "not allowed"}, mode ${v.mode}`;
}

export function formatText(v: Verdict): string {
  const lines = [`policy-check: ${LABEL[v.decision]} (${summaryLine(v)})`];
  const findings = sortFindings(v.findings);
  if (findings.length === 0) lines.push("no findings");
  for (const f of findings) {
    const loc = location(f);
    lines.push(`${f.severity.padEnd(7)} ${f.rule}${loc ? `  ${loc}` : ""}  ${oneLine(f.message)}`);
  }
  return lines.join("\n") + "\n";
}

/** Markdown-safe inline text: no HTML, no table breaks, no line breaks, no code spans. */
export function escapeMarkdown(s: string): string {
  return oneLine(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|~])/g, "\\$1");
}

function oneLine(s: string): string {
  return s.replace(/\r?\n|\r/g, " ");
}

/** A job summary is capped at 1 MiB by GitHub; the worst findings come first anyway. */
export const MAX_MARKDOWN_ROWS = 300;

export function formatMarkdown(v: Verdict): string {
  const out = [
    `### ${ICON[v.decision]} Policy check: ${LABEL[v.decision]}`,
    "",
    "| risk | required approvals | automerge | mode |",
    "|---|---|---|---|",
    `| ${v.risk} | ${v.requiredApprovals} | ${v.automerge ? "allowed" : "not allowed"} | ${v.mode} |`,
    "",
  ];
  const findings = sortFindings(v.findings);
  if (findings.length === 0) {
    out.push("No findings.");
  } else {
    out.push("| severity | rule | location | message |", "|---|---|---|---|");
    for (const f of findings.slice(0, MAX_MARKDOWN_ROWS)) {
      out.push(`| ${f.severity} | ${escapeMarkdown(f.rule)} | ${escapeMarkdown(location(f))} | ${escapeMarkdown(f.message)} |`);
    }
    if (findings.length > MAX_MARKDOWN_ROWS) {
      out.push("", `…and ${findings.length - MAX_MARKDOWN_ROWS} more findings (see the log or \`--format json\`).`);
    }
  }
  if (v.mode === "evaluate") out.push("", "_Evaluate mode: reported only, nothing is blocked._");
  return out.join("\n") + "\n";
}

export function formatJson(v: Verdict): string {
  return JSON.stringify(v, null, 2) + "\n";
}

export function formatVerdict(v: Verdict, format: Format): string {
  if (format === "json") return formatJson(v);
  if (format === "markdown") return formatMarkdown(v);
  return formatText(v);
}
