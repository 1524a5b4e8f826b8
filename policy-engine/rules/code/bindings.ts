// Names and what they are bound to: the declarations the file makes (judged after the walk)
// and the aliases and const strings of the scope (values.ts), so `const e = eval` makes a
// later `e(x)` a use of eval, and `const { env } = process` makes `env.X` an env read.
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { checkValue, isSensitive } from "./uses.ts";
import { GLOBAL, isPlainLiteral, member, splitModulePath, unwrap } from "./values.ts";

/** Records a declared name (every name of a binding pattern). */
export function declare(a: Analysis, name: ts.BindingName | ts.Identifier | undefined): void {
  if (name === undefined) return;
  if (ts.isIdentifier(name)) a.declared.add(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) declare(a, el.name);
}

/** function f, class C, enum E (declarations and named expressions). */
export function declareNamed(
  a: Analysis,
  node: ts.FunctionDeclaration | ts.FunctionExpression | ts.ClassLikeDeclaration | ts.EnumDeclaration,
): void {
  declare(a, node.name);
}

/** namespace N (not a string-named ambient module). */
export function declareNamespace(a: Analysis, node: ts.ModuleDeclaration): void {
  if (ts.isIdentifier(node.name)) declare(a, node.name);
}

/** const x = …, let { a, b } = …: the names, their aliases and const strings. */
export function bindVariable(a: Analysis, d: ts.VariableDeclaration): void {
  declare(a, d.name);
  if (!d.initializer) return;
  const isConst = ts.isVariableDeclarationList(d.parent) && (d.parent.flags & ts.NodeFlags.Const) !== 0;
  bindName(a, d.name, a.scope.resolve(d.initializer), d.initializer, isConst, d);
}

/** (x = eval) => …: a parameter with a default value is an alias of it. */
export function bindParameter(a: Analysis, d: ts.ParameterDeclaration): void {
  declare(a, d.name);
  if (d.initializer) bindName(a, d.name, a.scope.resolve(d.initializer), undefined, false, d);
}

/** x = eval: the name now holds what the right side resolves to. */
export function bindAssignment(a: Analysis, b: ts.BinaryExpression): void {
  if (b.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(b.left)) {
    const path = a.scope.resolve(b.right);
    if (path !== undefined) a.bind(b.left.text, path, b);
  }
}

/** import("fs").then((fs) => …): the callback's parameter is the module. */
export function bindThenParameter(a: Analysis, callee: string, arg0: ts.Expression | undefined): boolean {
  const mod = splitModulePath(callee);
  if (!mod || mod.member !== "then" || !arg0) return false;
  const fn = unwrap(arg0);
  const param = (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters[0];
  if (param) bindName(a, param.name, `module:${mod.module}`, undefined, false, param);
  return true;
}

export function bindName(
  a: Analysis,
  name: ts.BindingName,
  path: string | undefined,
  initializer: ts.Expression | undefined,
  isConst: boolean,
  declaration: ts.Node,
  objectIsConstructor = false,
): void {
  if (ts.isIdentifier(name)) {
    a.bind(name.text, path, declaration);
    if (isConst && initializer) {
      const s = a.scope.fold(initializer);
      if (s !== undefined) a.scope.bindString(name.text, s);
    }
    return;
  }
  if (ts.isObjectBindingPattern(name)) destructure(a, name, path, declaration, objectIsConstructor);
}

function destructure(
  a: Analysis,
  pattern: ts.ObjectBindingPattern,
  base: string | undefined,
  declaration: ts.Node,
  objectIsConstructor: boolean,
): void {
  const { scope } = a;
  for (const el of pattern.elements) {
    if (el.dotDotDotToken) {
      if (base === "process.env") a.report(el, "api/env", "copies all of process.env (rest destructuring)");
      else if (base === GLOBAL) a.report(el, "api/global-object", "copies the global object (rest destructuring)");
      if (ts.isIdentifier(el.name)) a.bind(el.name.text, base, declaration);
      continue;
    }
    const keyNode = el.propertyName ?? el.name;
    let key: string | undefined;
    if (ts.isIdentifier(keyNode) || ts.isStringLiteral(keyNode) || ts.isNumericLiteral(keyNode)) key = keyNode.text;
    else if (ts.isComputedPropertyName(keyNode)) {
      key = scope.fold(keyNode.expression);
      if (!isPlainLiteral(keyNode.expression) && isSensitive(a, base) && a.api.computedAccess) {
        a.report(
          el,
          base === "process.env" ? "api/env" : "api/computed-access",
          `destructures ${base === GLOBAL ? "the global object" : base} with a computed key`,
        );
      }
    }
    const path = key === undefined ? undefined : member(base, key, objectIsConstructor);
    if (path !== undefined && ts.isIdentifier(el.name)) checkValue(a, path, el, "alias");
    bindName(a, el.name, path, undefined, false, declaration, key === "constructor");
  }
}
