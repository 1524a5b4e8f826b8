// Forbidden-API analysis of one changed JS/TS file: parse once with oxc-parser (syntax
// only, no type checker, no project), walk once (walk.ts dispatches each node by kind to the visitors of
// each concern, which share one Analysis), report only on added lines, then judge what
// needs the whole file seen. Aliases are tracked over the whole file, so `const e = eval`
// on an old line still makes an added `e(x)` a finding. A file that does not parse fails
// closed: an error finding says so (the analysis still runs on what oxc recovered, if anything).
import type { ChangedFile } from "../../types.ts";
import type { Emit, RuleContext } from "../context.ts";
import type { StringLiteral } from "../secrets.ts";
import { Analysis } from "./analysis.ts";
import { judgeExports } from "./exports.ts";
import { judgeLocalReads } from "./fs.ts";
import { judgeDangerousStrings } from "./literals.ts";
import { judgeAssignedNames } from "./mutation.ts";
import { parseCode } from "./parse.ts";
import { judgeRemovedCases } from "./test-calls.ts";
import { walk } from "./walk.ts";

/** Emits the file's findings; returns its string literals on changed lines (for the secrets check). */
export function analyzeCode(ctx: RuleContext, file: ChangedFile, emit: Emit): StringLiteral[] {
  const { program, error } = parseCode(file.path, file.after ?? "");
  const a = new Analysis(ctx, file, program, emit);
  if (error !== undefined) {
    const { line, character } = a.lineOf(error.pos);
    a.emitFinding({
      rule: "engine/error",
      severity: "error",
      file: file.path,
      line: line + 1,
      column: character + 1,
      message: `could not parse this file (${error.message}), so its code could not be checked`,
    });
  }
  walk(a, program);
  // after the walk every declaration is known (function declarations are hoisted)
  judgeAssignedNames(a);
  judgeExports(a);
  judgeLocalReads(a);
  judgeDangerousStrings(a);
  judgeRemovedCases(a);
  return a.strings;
}
