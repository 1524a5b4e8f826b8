// Calls and `new`: what the callee resolves to (through aliases, `.call`, `.apply` and
// `.bind`) decides which concern judges the call. The first that claims it ends the
// checks, in this order: import(), code from strings (.constructor, timers with strings),
// module loaders, require, network, `import(…).then` bindings, fs.
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { bindThenParameter } from "./bindings.ts";
import { checkClientReflection } from "./client-token.ts";
import { checkFsCall } from "./fs.ts";
import { checkDynamicImport, checkRequireCall, checkTestLoaderCall } from "./module-loads.ts";
import { checkDunderDefiner, checkForeignMethodMutation, checkMutatorCall } from "./mutation.ts";
import { checkCapabilityFetch, checkNetworkCall } from "./network.ts";
import { checkTestFocus } from "./test-calls.ts";
import { isConstructorPath, TIMERS } from "./uses.ts";
import { unwrap } from "./values.ts";

export function visitCall(a: Analysis, node: ts.CallExpression | ts.NewExpression): void {
  const { scope } = a;
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
    checkDynamicImport(a, node);
    return;
  }
  if (ts.isCallExpression(node)) {
    checkTestFocus(a, node);
    checkForeignMethodMutation(a, node);
    checkDunderDefiner(a, node);
  }
  const resolved = scope.resolve(node.expression);
  const viaCall = resolved !== undefined && /\.(call|apply)$/.test(resolved);
  if (resolved === undefined) {
    checkCapabilityFetch(a, node);
    return;
  }
  const target = unbound(resolved, node.arguments ?? []);
  if (target === undefined) return;
  const { callee, args } = target;
  const arg0 = args[0];
  const isNew = ts.isNewExpression(node);
  checkClientReflection(a, callee, args, node);
  if (checkConstructorCall(a, node, callee, args, isNew)) return;
  if (checkTestLoaderCall(a, node, callee, arg0)) return;
  checkMutatorCall(a, node, callee, arg0, viaCall);
  if (!isNew && checkRequireCall(a, node, callee, arg0)) return;
  if (TIMERS.has(callee) && a.api.impliedEval && arg0) {
    if (scope.isStringish(arg0)) a.report(node, "api/implied-eval", `${callee} with a string runs it as code`);
    return;
  }
  if (checkNetworkCall(a, node, callee, args, isNew)) return;
  if (bindThenParameter(a, callee, arg0)) return;
  checkFsCall(a, node, callee, args);
}

/**
 * The function really called and its arguments: f.call(thisArg, ...args) is f(...args),
 * f.bind(thisArg, ...args) binds the call's arguments (none bound: nothing to check yet),
 * f.apply(thisArg, array) hides its arguments unless the array is a literal.
 */
function unbound(callee: string, args: readonly ts.Expression[]): { callee: string; args: readonly ts.Expression[] } | undefined {
  if (callee.endsWith(".call")) return { callee: callee.slice(0, -".call".length), args: args.slice(1) };
  if (callee.endsWith(".bind")) {
    const bound = args.slice(1);
    return bound.length === 0 ? undefined : { callee: callee.slice(0, -".bind".length), args: bound };
  }
  if (callee.endsWith(".apply")) {
    const list = args[1] !== undefined ? unwrap(args[1]) : undefined;
    return { callee: callee.slice(0, -".apply".length), args: list && ts.isArrayLiteralExpression(list) ? list.elements : [] };
  }
  return { callee, args };
}

// x.constructor(src), new x.constructor(src), Reflect.construct(Object.constructor, [src]):
// the constructor of any function is Function, so these build code from a string
function checkConstructorCall(
  a: Analysis,
  node: ts.CallExpression | ts.NewExpression,
  callee: string,
  args: readonly ts.Expression[],
  isNew: boolean,
): boolean {
  if (isConstructorPath(callee) && args.length > 0 && !(isNew && isInstanceConstructor(node.expression))) {
    a.report(
      node,
      "api/function-constructor",
      `${isNew ? "new " : "calls "}${node.expression.getText(a.sf).slice(0, 60)}(…) with arguments: a .constructor of a function is the Function constructor (code from a string)`,
    );
    return true;
  }
  const arg0 = args[0];
  if ((callee === "Reflect.construct" || callee === "Reflect.apply") && arg0 && isConstructorPath(a.scope.resolve(arg0))) {
    a.report(
      node,
      "api/function-constructor",
      `${callee} of a .constructor: the .constructor of a function is the Function constructor (code from a string)`,
    );
    return true;
  }
  return false;
}

/** `this.constructor` inside an instance member of a class: the class, not Function. */
function isInstanceConstructor(callee: ts.Expression): boolean {
  const c = unwrap(callee);
  if (!(ts.isPropertyAccessExpression(c) || ts.isElementAccessExpression(c)) || unwrap(c.expression).kind !== ts.SyntaxKind.ThisKeyword)
    return false;
  for (let n: ts.Node = c.parent; n; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (
      ts.isMethodDeclaration(n) ||
      ts.isConstructorDeclaration(n) ||
      ts.isGetAccessorDeclaration(n) ||
      ts.isSetAccessorDeclaration(n) ||
      ts.isPropertyDeclaration(n)
    ) {
      const isStatic = ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
      return !isStatic && ts.isClassLike(n.parent);
    }
    if (ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isClassStaticBlockDeclaration(n)) return false;
  }
  return false;
}
