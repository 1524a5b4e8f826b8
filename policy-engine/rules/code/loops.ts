// Busy loops: for (;;) {} / while (true) {} with no way out. A synchronous endless loop
// freezes the whole host (the plugin host, and in the bot every command).
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { unwrap } from "./values.ts";

export function checkBusyLoop(a: Analysis, loop: ts.ForStatement | ts.WhileStatement | ts.DoStatement): void {
  if (!alwaysTrue(ts.isForStatement(loop) ? loop.condition : loop.expression) || loopExits(loop.statement)) return;
  a.report(
    loop,
    "api/busy-loop",
    "an endless loop with no break, return, throw or await: it would freeze the plugin host (and, in the bot, every command)",
  );
}

/** A loop condition that is always true: absent, `true`, `1`, `!0`, a literal object… */
function alwaysTrue(cond: ts.Expression | undefined): boolean {
  if (cond === undefined) return true;
  const c = unwrap(cond);
  if (c.kind === ts.SyntaxKind.TrueKeyword || ts.isArrayLiteralExpression(c) || ts.isObjectLiteralExpression(c)) return true;
  if (ts.isNumericLiteral(c)) return Number(c.text) !== 0;
  if (ts.isStringLiteral(c) || ts.isNoSubstitutionTemplateLiteral(c)) return c.text !== "";
  if (ts.isPrefixUnaryExpression(c) && c.operator === ts.SyntaxKind.ExclamationToken) {
    const o = unwrap(c.operand);
    return (
      o.kind === ts.SyntaxKind.FalseKeyword ||
      (ts.isNumericLiteral(o) && Number(o.text) === 0) ||
      ((ts.isStringLiteral(o) || ts.isNoSubstitutionTemplateLiteral(o)) && o.text === "")
    );
  }
  return false;
}

/** A break (of this loop or a label), return, throw, await or yield in the loop body. */
function loopExits(body: ts.Statement): boolean {
  let found = false;
  const look = (n: ts.Node, nested: boolean): void => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (
      ts.isReturnStatement(n) ||
      ts.isThrowStatement(n) ||
      ts.isAwaitExpression(n) ||
      ts.isYieldExpression(n) ||
      (ts.isForOfStatement(n) && n.awaitModifier)
    )
      found = true;
    else if (ts.isBreakStatement(n) && (n.label !== undefined || !nested)) found = true;
    else {
      const inner = nested || ts.isIterationStatement(n, false) || ts.isSwitchStatement(n);
      ts.forEachChild(n, (c) => look(c, inner));
    }
  };
  look(body, false);
  return found;
}
