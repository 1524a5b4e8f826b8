// Test-runner calls on the syntax tree: added .skip/.only/.skipIf, xit/fit…, run-time
// ctx.skip()/this.skip() in test files, and test files that lose cases.
import type { Analysis } from "./analysis.ts";
import { forEachChild, isIdentifier, isMember, propertyName, unwrap, type CallExpression, type Node } from "./ast.ts";
import { parseCode } from "./parse.ts";

const TEST_ROOTS = new Set(["describe", "it", "test", "suite", "bench", "context"]);
const TEST_FOCUS_SKIP = new Set(["skip", "only", "skipIf"]);
const TEST_PREFIXED = new Set(["xit", "xtest", "xdescribe", "fit", "fdescribe", "ftest", "xcontext"]);

export function checkTestFocus(a: Analysis, node: CallExpression): void {
  if (!a.policy.tests.flagSkipOnly) return;
  let e: Node = unwrap(node.callee);
  const names: string[] = [];
  for (;;) {
    if (isMember(e)) {
      names.push((e.computed ? a.scope.fold(e.property) : propertyName(e)) ?? "");
      e = unwrap(e.object);
    } else if (e.type === "CallExpression") e = unwrap(e.callee);
    else break;
  }
  // a test skipping itself at run time: ctx.skip(), this.skip(), context.skip()
  if (
    a.inTestFile &&
    names.length === 1 &&
    names[0] === "skip" &&
    (e.type === "ThisExpression" || (isIdentifier(e) && !TEST_ROOTS.has(e.name)))
  ) {
    a.report(node.callee, "tests/skip-only", "skips a test at run time", a.strict);
    return;
  }
  if (!isIdentifier(e)) return;
  if (names.length === 0 && TEST_PREFIXED.has(e.name)) {
    a.report(node.callee, "tests/skip-only", `${e.name}() skips or focuses tests`, a.strict);
  } else if (TEST_ROOTS.has(e.name)) {
    const hit = names.find((n) => TEST_FOCUS_SKIP.has(n));
    if (hit) a.report(node.callee, "tests/skip-only", `.${hit} ${hit === "only" ? "focuses" : "skips"} tests`, a.strict);
  }
}

/** Test cases in a file: calls of it/test (with any modifiers), e.g. it(), test.each()(), it.skip(). */
export function countTestCases(program: Node): number {
  let n = 0;
  const visit = (node: Node, parent: Node | undefined): void => {
    if (node.type === "CallExpression") {
      let e: Node = node.callee;
      while (isMember(e) || e.type === "CallExpression") e = isMember(e) ? e.object : e.callee;
      if (isIdentifier(e) && (e.name === "it" || e.name === "test") && parent?.type !== "CallExpression") n++;
    }
    forEachChild(node, (c) => visit(c, node));
  };
  visit(program, undefined);
  return n;
}

/** After the walk: a test file whose change leaves fewer test cases than it had. */
export function judgeRemovedCases(a: Analysis): void {
  const { file } = a;
  if (!a.inTestFile || !a.policy.tests.flagDeleted || file.before === undefined) return;
  const before = countTestCases(parseCode(file.path, file.before).program);
  const after = countTestCases(a.program);
  if (after < before)
    a.emitFinding({
      rule: "tests/removed-cases",
      severity: a.strict,
      file: file.path,
      message: `removes test cases (${before} → ${after})`,
    });
}
