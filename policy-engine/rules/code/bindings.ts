// Names and what they are bound to: the declarations the file makes (judged after the walk)
// and the aliases and const strings of the scope (values.ts), so `const e = eval` makes a
// later `e(x)` a use of eval, and `const { env } = process` makes `env.X` an env read.
import type { Analysis } from "./analysis.ts";
import { isFunctionNode, isIdentifier, unwrap, type Node, type Of, type VariableDeclarator } from "./ast.ts";
import { checkValue, isSensitive } from "./uses.ts";
import { GLOBAL, isPlainLiteral, member, splitModulePath } from "./values.ts";

/**
 * A variable declarator or a function parameter, as TypeScript saw both: a name (identifier
 * or pattern), an initializer (the default value of a parameter) and a declared type.
 */
export interface Declaration {
  node: Node;
  name: Node;
  initializer: Node | undefined;
  type: Node | undefined;
}

/** The parts of `const x: T = …` */
export function declaratorParts(d: VariableDeclarator): Declaration {
  return { node: d, name: d.id, initializer: d.init ?? undefined, type: typeOf(d.id) };
}

/** The parts of a parameter: `x`, `x: T = d`, `{ a }`, `...rest`, `private x = d`. */
export function parameterParts(p: Node): Declaration {
  let q = p.type === "TSParameterProperty" ? (p.parameter as Node) : p;
  let initializer: Node | undefined;
  if (q.type === "AssignmentPattern") {
    initializer = q.right;
    q = q.left;
  }
  // ...rest: the name is the argument (TypeScript's dotDotDotToken)
  const name = q.type === "RestElement" ? q.argument : q;
  return { node: p, name, initializer, type: typeOf(q) ?? typeOf(name) };
}

function typeOf(n: Node): Node | undefined {
  const ann = (n as { typeAnnotation?: Of<"TSTypeAnnotation"> | null }).typeAnnotation;
  return ann?.typeAnnotation ?? undefined;
}

/** Records a declared name (every name of a binding pattern). */
export function declare(a: Analysis, name: Node | null | undefined): void {
  if (name === null || name === undefined) return;
  switch (name.type) {
    case "Identifier":
      a.declared.add(name.name);
      return;
    case "ObjectPattern":
      for (const p of name.properties) declare(a, p.type === "RestElement" ? p.argument : p.value);
      return;
    case "ArrayPattern":
      for (const el of name.elements) declare(a, el);
      return;
    case "AssignmentPattern":
      declare(a, name.left);
      return;
    case "RestElement":
      declare(a, name.argument);
      return;
    default:
      return;
  }
}

/** function f, class C, enum E (declarations and named expressions). */
export function declareNamed(a: Analysis, node: Node): void {
  declare(a, (node as { id?: Node | null }).id);
}

/** namespace N (not a string-named ambient module). */
export function declareNamespace(a: Analysis, node: Of<"TSModuleDeclaration">): void {
  if (isIdentifier(node.id)) declare(a, node.id);
}

/** const x = …, let { a, b } = …: the names, their aliases and const strings. */
export function bindVariable(a: Analysis, d: Declaration): void {
  declare(a, d.name);
  if (!d.initializer) return;
  const p = d.node.type === "VariableDeclarator" ? d.node.parent : undefined;
  const isConst = p?.type === "VariableDeclaration" && p.kind === "const";
  bindName(a, d.name, a.scope.resolve(d.initializer), d.initializer, isConst, d.node);
}

/** (x = eval) => …: a parameter with a default value is an alias of it. */
export function bindParameter(a: Analysis, d: Declaration): void {
  declare(a, d.name);
  if (d.initializer) bindName(a, d.name, a.scope.resolve(d.initializer), undefined, false, d.node);
}

/** x = eval: the name now holds what the right side resolves to (also `[x = eval] = …`). */
export function bindAssignment(a: Analysis, b: Of<"AssignmentExpression"> | Of<"AssignmentPattern">): void {
  if ((b.type === "AssignmentPattern" || b.operator === "=") && isIdentifier(b.left)) {
    const path = a.scope.resolve(b.right);
    if (path !== undefined) a.bind(b.left.name, path, b);
  }
}

/** import("fs").then((fs) => …): the callback's parameter is the module. */
export function bindThenParameter(a: Analysis, callee: string, arg0: Node | undefined): boolean {
  const mod = splitModulePath(callee);
  if (!mod || mod.member !== "then" || !arg0) return false;
  const fn = unwrap(arg0);
  const param = (fn.type === "ArrowFunctionExpression" || fn.type === "FunctionExpression") && (fn.params[0] as Node | undefined);
  if (param) bindName(a, parameterParts(param).name, `module:${mod.module}`, undefined, false, param);
  return true;
}

export function bindName(
  a: Analysis,
  name: Node,
  path: string | undefined,
  initializer: Node | undefined,
  isConst: boolean,
  declaration: Node,
  objectIsConstructor = false,
): void {
  if (isIdentifier(name)) {
    a.bind(name.name, path, declaration);
    if (isConst && initializer) {
      const s = a.scope.fold(initializer);
      if (s !== undefined) a.scope.bindString(name.name, s);
    }
    return;
  }
  if (name.type === "ObjectPattern") destructure(a, name, path, declaration, objectIsConstructor);
}

/** The key of `{ key: … }` in a pattern or literal: its text, or for `[expr]` the folded expression. */
export function propertyKey(a: Analysis, p: Of<"Property">): string | undefined {
  if (p.computed) return a.scope.fold(p.key);
  const k = p.key as Node;
  if (isIdentifier(k)) return k.name;
  if (k.type === "Literal" && (typeof k.value === "string" || typeof k.value === "number")) return String(k.value);
  return undefined;
}

function destructure(
  a: Analysis,
  pattern: Of<"ObjectPattern">,
  base: string | undefined,
  declaration: Node,
  objectIsConstructor: boolean,
): void {
  for (const el of pattern.properties) {
    if (el.type === "RestElement") {
      if (base === "process.env") a.report(el, "api/env", "copies all of process.env (rest destructuring)");
      else if (base === GLOBAL) a.report(el, "api/global-object", "copies the global object (rest destructuring)");
      if (isIdentifier(el.argument)) a.bind(el.argument.name, base, declaration);
      continue;
    }
    const key = propertyKey(a, el);
    if (el.computed && !isPlainLiteral(el.key) && isSensitive(a, base) && a.api.computedAccess) {
      a.report(
        el,
        base === "process.env" ? "api/env" : "api/computed-access",
        `destructures ${base === GLOBAL ? "the global object" : base} with a computed key`,
      );
    }
    // { a = d }: the name is the left side of the default
    const target = el.value.type === "AssignmentPattern" ? el.value.left : el.value;
    const path = key === undefined ? undefined : member(base, key, objectIsConstructor);
    if (path !== undefined && isIdentifier(target)) checkValue(a, path, el, "alias");
    bindName(a, target, path, undefined, false, declaration, key === "constructor");
  }
}

/** The node is (part of) a pattern that declares names: a declarator's, a parameter's or a catch clause's (not an assignment target). */
export function inBindingPattern(n: Node): boolean {
  let child: Node = n;
  for (let p = child.parent; p; child = p, p = p.parent) {
    switch (p.type) {
      case "ObjectPattern":
      case "ArrayPattern":
      case "RestElement":
      case "TSParameterProperty":
        continue;
      case "Property":
        if (p.parent?.type === "ObjectPattern" && p.value === child) continue;
        return false;
      case "AssignmentPattern":
        if (p.left === child) continue;
        return false;
      case "VariableDeclarator":
        return p.id === child;
      case "CatchClause":
        return p.param === child;
      default:
        return isFunctionNode(p) && (p as { params: Node[] }).params.includes(child);
    }
  }
  return false;
}
