import { describe, it, expect } from "vitest";
import { MAX_MARKDOWN_ROWS, formatJson, formatMarkdown, formatText, formatVerdict, escapeMarkdown } from "../../policy-engine/format.ts";
import type { Verdict } from "../../policy-engine/types.ts";

const verdict: Verdict = {
  decision: "block",
  risk: "critical",
  requiredApprovals: 2,
  automerge: false,
  mode: "enforce",
  findings: [
    { rule: "limits/files", severity: "warning", message: "7 files changed (limit 5)" },
    { rule: "api/eval", severity: "error", file: "bot/plugins/x/index.ts", line: 3, column: 5, message: "eval is forbidden" },
    { rule: "paths/protected", severity: "error", file: "policies/ouro.yml", message: "protected path" },
  ],
};

describe("formatters", () => {
  it("json is exactly the verdict", () => {
    expect(JSON.parse(formatJson(verdict))).toEqual(verdict);
    expect(formatVerdict(verdict, "json")).toBe(formatJson(verdict));
  });

  it("text has a headline and one line per finding, worst first", () => {
    const lines = formatText(verdict).trimEnd().split("\n");
    expect(lines[0]).toBe("policy-check: BLOCK (risk critical, 2 approvals required, automerge not allowed, mode enforce)");
    expect(lines.slice(1)).toEqual([
      "error   api/eval  bot/plugins/x/index.ts:3:5  eval is forbidden",
      "error   paths/protected  policies/ouro.yml  protected path",
      "warning limits/files  7 files changed (limit 5)",
    ]);
    expect(formatText({ ...verdict, decision: "pass", findings: [] })).toContain("no findings");
  });

  it("markdown has a table and escapes what the PR controls", () => {
    const md = formatMarkdown({
      ...verdict,
      findings: [{ rule: "api/eval", severity: "error", file: "bot/plugins/a|b<img src=x>.ts", line: 1, message: "line1\n# heading" }],
    });
    expect(md).toContain("### ⛔ Policy check: BLOCK");
    expect(md).toContain("| critical | 2 | not allowed | enforce |");
    expect(md).not.toContain("<img");
    expect(md).not.toMatch(/\n# heading/);
    const row = md.split("\n").find((l) => l.startsWith("| error"))!;
    // 4 cells → 5 unescaped pipes; the one in the file name is escaped.
    expect(row.replace(/\\\|/g, "").split("|").length - 1).toBe(5);
    expect(formatMarkdown({ ...verdict, decision: "pass", mode: "evaluate", findings: [] })).toMatch(/No findings[\s\S]*Evaluate mode/);
  });

  it("markdown caps the table so a huge verdict still fits in a job summary", () => {
    const many = Array.from({ length: MAX_MARKDOWN_ROWS + 5 }, (_, i) => ({
      rule: "api/eval",
      severity: "error" as const,
      file: `f${i}.ts`,
      line: 1,
      message: "x",
    }));
    const md = formatMarkdown({ ...verdict, findings: many });
    expect(md.split("\n").filter((l) => l.startsWith("| error")).length).toBe(MAX_MARKDOWN_ROWS);
    expect(md).toContain("…and 5 more findings");
  });

  it("escapeMarkdown neutralises HTML, code spans and links", () => {
    expect(escapeMarkdown("<b>`x`</b> [a](b) (ok)")).toBe("&lt;b&gt;\\`x\\`&lt;/b&gt; \\[a\\](b) (ok)");
  });
});
