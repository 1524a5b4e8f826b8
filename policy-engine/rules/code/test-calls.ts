// Test-runner calls on the syntax tree: added .skip/.only/.skipIf, xit/fit…, run-time
// ctx.skip()/this.skip() in test files, and test files that lose cases.
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { parseCode } from "./parse.ts";
import { unwrap } from "./values.ts";

const TEST_ROOTS = new Set(["describe", "it", "test", "suite", "bench", "context"]);
const TEST_FOCUS_SKIP = new Set(["skip", "only", "skipIf"]);
const TEST_PREFIXED = new Set(["xit", "xtest", "xdescribe", "fit", "fdescribe", "ftest", "xcontext"]);

export function checkTestFocus(a: Analysis, node: ts.CallExpression): void {
  if (!a.policy.tests.flagSkipOnly) return;
  let e: ts.Expression = unwrap(node.expression);
  const names: string[] = [];
  for (;;) {
    if (ts.isPropertyAccessExpression(e)) {
      names.push(e.name.text);
      e = unwrap(e.expression);
    } else if (ts.isElementAccessExpression(e)) {
      names.push(a.scope.fold(e.argumentExpression) ?? "");
      e = unwrap(e.expression);
    } else if (ts.isCallExpression(e)) e = unwrap(e.expression);
    else break;
  }
  // a test skipping itself at run time: ctx.skip(), this.skip(), context.skip()
  if (
    a.inTestFile &&
    names.length === 1 &&
    names[0] === "skip" &&
    (e.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(e) && !TEST_ROOTS.has(e.text)))
  ) {
    a.report(node.expression, "tests/skip-only", "skips a test at run time", a.strict);
    return;
  }
  if (!ts.isIdentifier(e)) return;
  if (names.length === 0 && TEST_PREFIXED.has(e.text)) {
    a.report(node.expression, "tests/skip-only", `${e.text}() skips or focuses tests`, a.strict);
  } else if (TEST_ROOTS.has(e.text)) {
    const hit = names.find((n) => TEST_FOCUS_SKIP.has(n));
    if (hit) a.report(node.expression, "tests/skip-only", `.${hit} ${hit === "only" ? "focuses" : "skips"} tests`, a.strict);
  }
}

/** Test cases in a file: calls of it/test (with any modifiers), e.g. it(), test.each()(), it.skip(). */
export function countTestCases(sf: ts.SourceFile): number {
  let n = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      let e: ts.Expression = node.expression;
      while (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) e = e.expression;
      if (ts.isIdentifier(e) && (e.text === "it" || e.text === "test") && !ts.isCallExpression(node.parent)) n++;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return n;
}

/** After the walk: a test file whose change leaves fewer test cases than it had. */
export function judgeRemovedCases(a: Analysis): void {
  const { file } = a;
  if (!a.inTestFile || !a.policy.tests.flagDeleted || file.before === undefined) return;
  const before = countTestCases(parseCode(file.path, file.before));
  const after = countTestCases(a.sf);
  if (after < before)
    a.emitFinding({
      rule: "tests/removed-cases",
      severity: a.strict,
      file: file.path,
      message: `removes test cases (${before} → ${after})`,
    });
}
