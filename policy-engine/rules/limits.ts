// Size anomalies: a change much larger than a self-edit normally is deserves a human look.
import { addedLinesOf, strictSeverity, type Emit, type RuleContext } from "./context.ts";

export function checkLimits(ctx: RuleContext, emit: Emit): void {
  const { limits } = ctx.policy;
  const files = ctx.change.files;
  const newFiles = files.filter((f) => f.status === "added" || f.status === "copied").length;
  let lines = 0;
  let chars = 0;
  for (const f of files) {
    lines += f.addedLines.length + f.removedLineCount;
    for (const { text } of addedLinesOf(f)) chars += text.length;
  }
  const sev = strictSeverity(ctx);
  const over = (rule: string, what: string, value: number, limit: number) => {
    if (value > limit) emit({ rule: `limits/${rule}`, severity: sev, message: `${value} ${what} (limit ${limit})` });
  };
  over("files", "files changed", files.length, limits.files);
  over("lines", "lines added or removed", lines, limits.lines);
  over("chars-added", "characters added", chars, limits.charsAdded);
  over("new-files", "new files", newFiles, limits.newFiles);
}
