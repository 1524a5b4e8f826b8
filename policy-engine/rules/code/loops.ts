// Busy loops: for (;;) {} / while (true) {} with no way out. A synchronous endless loop
// freezes the whole host (the plugin host, and in the bot every command).
import type { Analysis } from "./analysis.ts";
import { forEachChild, isClassNode, isFunctionNode, isNumericLiteral, plainText, unwrap, type Node, type Of } from "./ast.ts";

export function checkBusyLoop(a: Analysis, loop: Of<"ForStatement"> | Of<"WhileStatement"> | Of<"DoWhileStatement">): void {
  if (!alwaysTrue(loop.test) || loopExits(loop.body)) return;
  a.report(
    loop,
    "api/busy-loop",
    "an endless loop with no break, return, throw or await: it would freeze the plugin host (and, in the bot, every command)",
  );
}

/** A loop condition that is always true: absent, `true`, `1`, `!0`, a literal object… */
function alwaysTrue(cond: Node | null): boolean {
  if (cond === null) return true;
  const c = unwrap(cond);
  if ((c.type === "Literal" && c.value === true) || c.type === "ArrayExpression" || c.type === "ObjectExpression") return true;
  if (isNumericLiteral(c)) return c.value !== 0;
  const text = c.type === "Literal" || c.type === "TemplateLiteral" ? plainText(c) : undefined;
  if (text !== undefined) return text !== "";
  if (c.type === "UnaryExpression" && c.operator === "!") {
    const o = unwrap(c.argument);
    return (o.type === "Literal" && o.value === false) || (isNumericLiteral(o) && o.value === 0) || plainText(o) === "";
  }
  return false;
}

const ITERATIONS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement", "SwitchStatement"]);

/** A break (of this loop or a label), return, throw, await or yield in the loop body. */
function loopExits(body: Node): boolean {
  let found = false;
  const look = (n: Node, nested: boolean): void => {
    if (found || isFunctionNode(n) || isClassNode(n) || n.type === "MethodDefinition" || n.type === "PropertyDefinition") return;
    if (
      n.type === "ReturnStatement" ||
      n.type === "ThrowStatement" ||
      n.type === "AwaitExpression" ||
      n.type === "YieldExpression" ||
      (n.type === "ForOfStatement" && n.await)
    )
      found = true;
    else if (n.type === "BreakStatement" && (n.label !== null || !nested)) found = true;
    else {
      const inner = nested || ITERATIONS.has(n.type);
      forEachChild(n, (c) => look(c, inner));
    }
  };
  look(body, false);
  return found;
}
