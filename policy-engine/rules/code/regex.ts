// Regular expressions that backtrack exponentially: a group holding an unbounded quantifier,
// itself repeated — /^(\w+\s?)*$/ takes seconds on a short non-matching line and freezes
// whatever runs it. (Responder triggers are RE2, run by the core; this is plugin code's own.)
import type { Analysis } from "./analysis.ts";
import { isIdentifier, plainText, unwrap, type Literal, type Node } from "./ast.ts";

/** Star height above one: `(a+)*`, `(\w+\s?)+`, `((ab)*c){2,}`. */
export function hasNestedQuantifier(pattern: string): boolean {
  const groups: boolean[] = [false]; // per open group: it holds an unbounded quantifier
  let closed: boolean | undefined; // the group that just closed held one (undefined: no group just closed)
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      closed = undefined;
      continue;
    }
    if (c === "[") {
      i++;
      if (pattern[i] === "^") i++;
      if (pattern[i] === "]") i++;
      while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
      closed = undefined;
      continue;
    }
    if (c === "(") {
      groups.push(false);
      closed = undefined;
      continue;
    }
    if (c === ")") {
      closed = groups.length > 1 ? (groups.pop() ?? false) : false;
      if (closed) groups[groups.length - 1] = true;
      continue;
    }
    const unbounded = c === "*" || c === "+" || (c === "{" && /^\{\d*,\}/.test(pattern.slice(i, i + 12)));
    if (unbounded) {
      if (closed) return true;
      groups[groups.length - 1] = true;
    }
    closed = undefined;
  }
  return false;
}

// visitors (see walk.ts)

/** A regular expression literal such as /(a+)*$/ */
export function checkRegExpLiteral(a: Analysis, node: Literal): void {
  if (!("regex" in node) || node.regex === undefined) return;
  if (hasNestedQuantifier(node.regex.pattern)) reportReDoS(a, node, a.textOf(node));
}

/** new RegExp("(a+)*"), RegExp("(a+)*") on a changed line (a string literal or a template without substitutions). */
export function checkRegExpArgument(a: Analysis, node: Node): void {
  const p = node.parent;
  if (p?.type !== "NewExpression" && p?.type !== "CallExpression") return;
  const callee = unwrap(p.callee);
  const text = plainText(node);
  if (text === undefined || typeof (node as { value?: unknown }).value === "number") return;
  if (p.arguments[0] === node && isIdentifier(callee) && callee.name === "RegExp" && a.touched(node) && hasNestedQuantifier(text))
    reportReDoS(a, node, text);
}

function reportReDoS(a: Analysis, node: Node, pattern: string): void {
  a.report(
    node,
    "api/redos",
    `the regular expression ${pattern.slice(0, 40)} repeats a group that repeats itself: it can take seconds on one line and freeze the plugin`,
  );
}
