// The ESTree / TS-ESTree tree oxc-parser builds, and the small helpers every visitor uses
// on it: parent links (set by the walk), literal values, unwrapping of parentheses
// and TypeScript's type-only wrappers, and child iteration in source order.
import { visitorKeys } from "oxc-parser";
import type { Node } from "oxc-parser";

export type { Node };
export type Of<T extends Node["type"]> = Extract<Node, { type: T }>;
export type Identifier = Of<"Identifier">;
export type Literal = Of<"Literal">;
export type MemberExpression = Of<"MemberExpression">;
export type CallExpression = Of<"CallExpression">;
export type NewExpression = Of<"NewExpression">;
export type CallLike = CallExpression | NewExpression;
export type TemplateLiteral = Of<"TemplateLiteral">;
export type TemplateElement = Of<"TemplateElement">;
export type VariableDeclarator = Of<"VariableDeclarator">;
export type ObjectPattern = Of<"ObjectPattern">;

const KEYS = visitorKeys as Record<string, readonly string[] | undefined>;

/** Calls `fn` on each child of `node`, in source order (types included). */
export function forEachChild(node: Node, fn: (child: Node, key: string) => void): void {
  const keys = KEYS[node.type];
  if (keys === undefined) return;
  const rec = node as unknown as Record<string, unknown>;
  for (const key of keys) {
    const v = rec[key];
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) {
      for (const c of v as (Node | null)[]) if (c !== null) fn(c, key);
    } else if (typeof v === "object" && typeof (v as Node).type === "string") fn(v as Node, key);
  }
}

export function isIdentifier(n: Node | null | undefined): n is Identifier {
  return n?.type === "Identifier";
}

export function isStringLiteral(n: Node | null | undefined): n is Literal & { value: string } {
  return n?.type === "Literal" && typeof n.value === "string";
}

export function isNumericLiteral(n: Node | null | undefined): n is Literal & { value: number } {
  return n?.type === "Literal" && typeof n.value === "number";
}

/** `…` without ${} */
export function isNoSubstitutionTemplate(n: Node | null | undefined): n is TemplateLiteral {
  return n?.type === "TemplateLiteral" && n.expressions.length === 0;
}

export function isMember(n: Node | null | undefined): n is MemberExpression {
  return n?.type === "MemberExpression";
}

export function isFunctionNode(n: Node): boolean {
  return (
    n.type === "FunctionDeclaration" ||
    n.type === "FunctionExpression" ||
    n.type === "ArrowFunctionExpression" ||
    n.type === "TSDeclareFunction" ||
    n.type === "TSEmptyBodyFunctionExpression"
  );
}

export function isClassNode(n: Node): boolean {
  return n.type === "ClassDeclaration" || n.type === "ClassExpression";
}

/** The text of a template part as TypeScript gives it (cooked, else raw). */
export function templateText(el: TemplateElement): string {
  return el.value.cooked ?? el.value.raw;
}

/** The text of a string or numeric literal or a template without substitutions. */
export function plainText(n: Node | null | undefined): string | undefined {
  if (n?.type === "Literal") {
    if (typeof n.value === "string") return n.value;
    if (typeof n.value === "number") return String(n.value);
    return undefined;
  }
  if (isNoSubstitutionTemplate(n)) return templateText(n.quasis[0]);
  return undefined;
}

/** Name text of a non-computed member's property (`#x` for a private name). */
export function propertyName(m: MemberExpression): string | undefined {
  if (m.computed) return undefined;
  return m.property.type === "PrivateIdentifier" ? `#${m.property.name}` : (m.property as Identifier).name;
}

/** Takes off parentheses, `as`, `!`, `satisfies`, `<T>x`, optional chains and the comma operator. */
export function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    switch (n.type) {
      case "ParenthesizedExpression":
      case "TSAsExpression":
      case "TSNonNullExpression":
      case "TSSatisfiesExpression":
      case "TSTypeAssertion":
      case "ChainExpression":
        n = n.expression;
        break;
      case "SequenceExpression":
        n = n.expressions[n.expressions.length - 1];
        break;
      default:
        return n;
    }
  }
}
