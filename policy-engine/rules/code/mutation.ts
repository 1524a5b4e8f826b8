// Global mutation: patching a built-in (JSON.parse = …, String.prototype.x = …, console.log
// = …), a prototype, a global name, or state imported from outside the plugin changes what
// the bot core's own code does — a way to intercept its data or its token.
import { posix } from "node:path";
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { GLOBAL_OBJECTS, KNOWN_ROOTS, splitModulePath, unwrap } from "./values.ts";

const MUTATORS = new Set([
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.assign",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.defineProperty",
  "Reflect.setPrototypeOf",
  "Reflect.deleteProperty",
]);
const BUILTIN_OBJECTS = new Set([
  "Object",
  "Array",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "BigInt",
  "Function",
  "JSON",
  "Math",
  "Date",
  "RegExp",
  "Error",
  "Promise",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Reflect",
  "Proxy",
  "Intl",
  "console",
  "Buffer",
  "URL",
  "URLSearchParams",
  "Headers",
  "Request",
  "Response",
  "TextEncoder",
  "TextDecoder",
  "crypto",
  "performance",
]);
// calls whose result is a prototype (Object.getPrototypeOf({}) is Object.prototype)
const PROTOTYPE_GETTERS = new Set(["Object.getPrototypeOf", "Reflect.getPrototypeOf"]);
// legacy accessors that define a property on their receiver (a prototype when it is one)
const DUNDER_DEFINERS = new Set(["__defineGetter__", "__defineSetter__"]);
// methods that change the array/Map/Set/typed array they are called on
const MUTATING_METHODS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
]);
/** Globals assigning to which replaces them for every module (JSON = …, fetch = …). */
export const GLOBAL_NAMES = new Set([
  ...BUILTIN_OBJECTS,
  ...KNOWN_ROOTS,
  ...GLOBAL_OBJECTS,
  "structuredClone",
  "queueMicrotask",
  "atob",
  "btoa",
  "AbortController",
  "Blob",
  "Atomics",
  "SharedArrayBuffer",
  "ArrayBuffer",
  "Uint8Array",
  "Iterator",
  "Intl",
  "globalThis",
]);

// visitors

/** x = …, x.y += …, [a, b] = …: the target must not be a built-in; identifiers are judged at the end. */
export function checkAssignment(a: Analysis, b: ts.BinaryExpression): void {
  const op = b.operatorToken.kind;
  if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) {
    checkGlobalMutation(a, b.left, b);
    noteAssigned(a, b.left);
  }
}

/** delete JSON.parse */
export function checkDelete(a: Analysis, d: ts.DeleteExpression): void {
  checkGlobalMutation(a, d.expression, d);
}

/** x++, --x */
export function noteUpdated(a: Analysis, u: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression): void {
  if (u.operator === ts.SyntaxKind.PlusPlusToken || u.operator === ts.SyntaxKind.MinusMinusToken) noteAssigned(a, u.operand);
}

/** for (x of …), for (x in …) without a declaration assigns to x. */
export function noteLoopTarget(a: Analysis, f: ts.ForOfStatement | ts.ForInStatement): void {
  if (!ts.isVariableDeclarationList(f.initializer)) noteAssigned(a, f.initializer);
}

/** const p = Object.getPrototypeOf({}): p is a prototype. */
export function notePrototypeBinding(a: Analysis, d: ts.VariableDeclaration): void {
  if (d.initializer && ts.isIdentifier(d.name) && isPrototypeCall(a, d.initializer)) a.prototypeNames.add(d.name.text);
}

// calls

/** Object.prototype.__defineGetter__("isAdmin", …) defines a property on its receiver. */
export function checkDunderDefiner(a: Analysis, node: ts.CallExpression): void {
  const c = unwrap(node.expression);
  if (DUNDER_DEFINERS.has(a.scope.memberName(c) ?? "")) checkGlobalMutation(a, (c as ts.PropertyAccessExpression).expression, node, true);
}

/** Object.defineProperty(JSON, …), Object.prototype.__defineGetter__.call(target, …). */
export function checkMutatorCall(
  a: Analysis,
  node: ts.CallExpression | ts.NewExpression,
  callee: string,
  arg0: ts.Expression | undefined,
  viaCall: boolean,
): void {
  if (MUTATORS.has(callee) && arg0) checkGlobalMutation(a, arg0, node, true);
  // Object.prototype.__defineGetter__.call(target, …): the target is the receiver
  const receiver = node.arguments?.[0];
  if (viaCall && DUNDER_DEFINERS.has(callee.split(".").pop() ?? "") && receiver) checkGlobalMutation(a, receiver, node, true);
}

// SETTING_KEYS.push("token"), core.handlers.set(…), Array.prototype.push.call(SETTING_KEYS, …),
// Reflect.apply(Map.prototype.set, handlers, […]): a mutating method on an imported value
export function checkForeignMethodMutation(a: Analysis, node: ts.CallExpression): void {
  if (!a.api.globalMutation) return;
  const { scope } = a;
  const callee = unwrap(node.expression);
  const name = scope.memberName(callee);
  let method = mutatingMethod(a, callee);
  let receiver: ts.Expression | undefined;
  if (method !== undefined) receiver = (callee as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
  else if (
    (name === "call" || name === "apply") &&
    (method = mutatingMethod(a, unwrap((callee as ts.PropertyAccessExpression).expression))) !== undefined
  )
    receiver = node.arguments[0];
  else if (
    scope.resolve(callee) === "Reflect.apply" &&
    (method = mutatingMethod(a, node.arguments[0] && unwrap(node.arguments[0]))) !== undefined
  )
    receiver = node.arguments[1];
  if (method === undefined || receiver === undefined) return;
  let e = unwrap(receiver);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
  if (!ts.isIdentifier(e)) return;
  const path = scope.resolve(e);
  const mod = path === undefined ? undefined : splitModulePath(path);
  if (mod && isForeignModule(a, mod.module)) {
    a.report(
      node,
      "api/global-mutation",
      `calls .${method}() on ${e.text}, imported from "${mod.module}" (this changes state the bot core shares)`,
    );
  }
}

// after the walk, when every declaration is known (function declarations are hoisted)

export function judgeAssignedNames(a: Analysis): void {
  for (const id of a.assigned) {
    const name = id.text;
    if (GLOBAL_NAMES.has(name))
      a.report(id, "api/global-mutation", `assigns to the global ${name} (this replaces it for all code, the bot core's included)`);
    else if (!a.declared.has(name))
      a.report(id, "api/global-mutation", `assigns to ${name}, which is not declared in this file: that creates or replaces a global`);
  }
}

// helpers

function checkGlobalMutation(a: Analysis, target: ts.Expression, node: ts.Node, bareObject = false): void {
  if (!a.api.globalMutation) return;
  const what = builtinTarget(a, target, bareObject);
  if (what) a.report(node, "api/global-mutation", `changes ${what} (this would change how all code, the bot core's included, behaves)`);
}

/** What `target` is when it is a built-in, a global or a prototype. */
function builtinTarget(a: Analysis, target: ts.Expression, bareObject: boolean): string | undefined {
  let e = unwrap(target);
  if (!bareObject && !ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
  let viaPrototype = false;
  let first: string | undefined;
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    const name = a.scope.memberName(e);
    if (name === "prototype" || name === "__proto__") viaPrototype = true;
    first = name;
    e = unwrap(e.expression);
  }
  if (isPrototypeCall(a, e)) return "a prototype";
  const root = ts.isIdentifier(e) ? e.text : undefined;
  if (root === "module" && first === "exports" && !viaPrototype) return undefined; // CommonJS exports
  if (root !== undefined && (BUILTIN_OBJECTS.has(root) || a.scope.resolve(e) !== undefined)) return `the built-in ${root}`;
  return viaPrototype ? "a prototype" : undefined;
}

function isPrototypeCall(a: Analysis, e: ts.Expression): boolean {
  const n = unwrap(e);
  if (ts.isIdentifier(n)) return a.prototypeNames.has(n.text);
  if (!ts.isCallExpression(n)) return false;
  const callee = a.scope.resolve(n.expression);
  return callee !== undefined && PROTOTYPE_GETTERS.has(callee.endsWith(".call") ? callee.slice(0, -".call".length) : callee);
}

/** Identifiers an assignment target writes to (through array and object patterns). */
function noteAssigned(a: Analysis, target: ts.Expression): void {
  const t = unwrap(target);
  if (ts.isIdentifier(t)) a.assigned.push(t);
  else if (ts.isArrayLiteralExpression(t)) for (const el of t.elements) noteAssigned(a, ts.isSpreadElement(el) ? el.expression : el);
  else if (ts.isObjectLiteralExpression(t)) {
    for (const p of t.properties) {
      if (ts.isShorthandPropertyAssignment(p)) a.assigned.push(p.name);
      else if (ts.isPropertyAssignment(p)) noteAssigned(a, p.initializer);
      else if (ts.isSpreadAssignment(p)) noteAssigned(a, p.expression);
    }
  } else if (ts.isBinaryExpression(t) && t.operatorToken.kind === ts.SyntaxKind.EqualsToken) noteAssigned(a, t.left); // [a = 1] = …
}

function mutatingMethod(a: Analysis, e: ts.Expression | undefined): string | undefined {
  const m = e === undefined ? undefined : a.scope.memberName(e);
  return m !== undefined && MUTATING_METHODS.has(m) ? m : undefined;
}

/** A module outside this plugin's folder (a package, a built-in or the bot core). */
function isForeignModule(a: Analysis, mod: string): boolean {
  if (!mod.startsWith(".") && !mod.startsWith("/")) return true;
  const target = posix.normalize(posix.join(posix.dirname(a.file.path), mod));
  return !target.startsWith(`${a.pluginRoot}/`);
}
