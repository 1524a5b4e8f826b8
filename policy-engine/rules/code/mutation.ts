// Global mutation: patching a built-in (JSON.parse = …, String.prototype.x = …, console.log
// = …), a prototype, a global name, or state imported from outside the plugin changes what
// the bot core's own code does — a way to intercept its data or its token.
import { posix } from "node:path";
import type { Analysis } from "./analysis.ts";
import { isIdentifier, isMember, type CallExpression, type CallLike, type Identifier, type Node, type Of } from "./ast.ts";
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
export function checkAssignment(a: Analysis, b: Of<"AssignmentExpression"> | Of<"AssignmentPattern">): void {
  checkGlobalMutation(a, b.left, b);
  noteAssigned(a, b.left);
}

/** delete JSON.parse */
export function checkDelete(a: Analysis, d: Of<"UnaryExpression">): void {
  if (d.operator === "delete") checkGlobalMutation(a, d.argument, d);
}

/** x++, --x */
export function noteUpdated(a: Analysis, u: Of<"UpdateExpression">): void {
  noteAssigned(a, u.argument);
}

/** for (x of …), for (x in …) without a declaration assigns to x. */
export function noteLoopTarget(a: Analysis, f: Of<"ForOfStatement"> | Of<"ForInStatement">): void {
  if (f.left.type !== "VariableDeclaration") noteAssigned(a, f.left);
}

/** const p = Object.getPrototypeOf({}): p is a prototype. */
export function notePrototypeBinding(a: Analysis, d: Of<"VariableDeclarator">): void {
  if (d.init && isIdentifier(d.id) && isPrototypeCall(a, d.init)) a.prototypeNames.add(d.id.name);
}

// calls

/** Object.prototype.__defineGetter__("isAdmin", …) defines a property on its receiver. */
export function checkDunderDefiner(a: Analysis, node: CallExpression): void {
  const c = unwrap(node.callee);
  if (isMember(c) && DUNDER_DEFINERS.has(a.scope.memberName(c) ?? "")) checkGlobalMutation(a, c.object, node, true);
}

/** Object.defineProperty(JSON, …), Object.prototype.__defineGetter__.call(target, …). */
export function checkMutatorCall(a: Analysis, node: CallLike, callee: string, arg0: Node | undefined, viaCall: boolean): void {
  if (MUTATORS.has(callee) && arg0) checkGlobalMutation(a, arg0, node, true);
  // Object.prototype.__defineGetter__.call(target, …): the target is the receiver
  const receiver = node.arguments[0] as Node | undefined;
  if (viaCall && DUNDER_DEFINERS.has(callee.split(".").pop() ?? "") && receiver) checkGlobalMutation(a, receiver, node, true);
}

// SETTING_KEYS.push("token"), core.handlers.set(…), Array.prototype.push.call(SETTING_KEYS, …),
// Reflect.apply(Map.prototype.set, handlers, […]): a mutating method on an imported value
export function checkForeignMethodMutation(a: Analysis, node: CallExpression): void {
  if (!a.api.globalMutation) return;
  const { scope } = a;
  const callee = unwrap(node.callee);
  const name = scope.memberName(callee);
  const args = node.arguments as Node[];
  let method = mutatingMethod(a, callee);
  let receiver: Node | undefined;
  if (method !== undefined && isMember(callee)) receiver = callee.object;
  else if ((name === "call" || name === "apply") && isMember(callee) && (method = mutatingMethod(a, unwrap(callee.object))) !== undefined)
    receiver = args[0];
  else if (scope.resolve(callee) === "Reflect.apply" && (method = mutatingMethod(a, args[0] && unwrap(args[0]))) !== undefined)
    receiver = args[1];
  if (method === undefined || receiver === undefined) return;
  let e = unwrap(receiver);
  while (isMember(e)) e = unwrap(e.object);
  if (!isIdentifier(e)) return;
  const path = scope.resolve(e);
  const mod = path === undefined ? undefined : splitModulePath(path);
  if (mod && isForeignModule(a, mod.module)) {
    a.report(
      node,
      "api/global-mutation",
      `calls .${method}() on ${e.name}, imported from "${mod.module}" (this changes state the bot core shares)`,
    );
  }
}

// after the walk, when every declaration is known (function declarations are hoisted)

export function judgeAssignedNames(a: Analysis): void {
  for (const id of a.assigned) {
    const name = id.name;
    if (GLOBAL_NAMES.has(name))
      a.report(id, "api/global-mutation", `assigns to the global ${name} (this replaces it for all code, the bot core's included)`);
    else if (!a.declared.has(name))
      a.report(id, "api/global-mutation", `assigns to ${name}, which is not declared in this file: that creates or replaces a global`);
  }
}

// helpers

function checkGlobalMutation(a: Analysis, target: Node, node: Node, bareObject = false): void {
  if (!a.api.globalMutation) return;
  const what = builtinTarget(a, target, bareObject);
  if (what) a.report(node, "api/global-mutation", `changes ${what} (this would change how all code, the bot core's included, behaves)`);
}

/** What `target` is when it is a built-in, a global or a prototype. */
function builtinTarget(a: Analysis, target: Node, bareObject: boolean): string | undefined {
  let e = unwrap(target);
  if (!bareObject && !isMember(e)) return undefined;
  let viaPrototype = false;
  let first: string | undefined;
  while (isMember(e)) {
    const name = a.scope.memberName(e);
    if (name === "prototype" || name === "__proto__") viaPrototype = true;
    first = name;
    e = unwrap(e.object);
  }
  if (isPrototypeCall(a, e)) return "a prototype";
  const root = isIdentifier(e) ? e.name : undefined;
  if (root === "module" && first === "exports" && !viaPrototype) return undefined; // CommonJS exports
  if (root !== undefined && (BUILTIN_OBJECTS.has(root) || a.scope.resolve(e) !== undefined)) return `the built-in ${root}`;
  return viaPrototype ? "a prototype" : undefined;
}

function isPrototypeCall(a: Analysis, e: Node): boolean {
  const n = unwrap(e);
  if (isIdentifier(n)) return a.prototypeNames.has(n.name);
  if (n.type !== "CallExpression") return false;
  const callee = a.scope.resolve(n.callee);
  return callee !== undefined && PROTOTYPE_GETTERS.has(callee.endsWith(".call") ? callee.slice(0, -".call".length) : callee);
}

/** Identifiers an assignment target writes to (through array and object patterns). */
function noteAssigned(a: Analysis, target: Node | null): void {
  if (target === null) return;
  const t = unwrap(target);
  if (isIdentifier(t)) a.assigned.push(t as Identifier);
  else if (t.type === "ArrayPattern" || t.type === "ArrayExpression") for (const el of t.elements) noteAssigned(a, el);
  else if (t.type === "RestElement" || t.type === "SpreadElement") noteAssigned(a, t.argument);
  else if (t.type === "ObjectPattern" || t.type === "ObjectExpression") {
    for (const p of t.properties) noteAssigned(a, p.type === "Property" ? p.value : p.argument);
  } else if (t.type === "AssignmentPattern")
    noteAssigned(a, t.left); // [a = 1] = …
  else if (t.type === "AssignmentExpression" && t.operator === "=") noteAssigned(a, t.left);
}

function mutatingMethod(a: Analysis, e: Node | undefined): string | undefined {
  const m = e === undefined ? undefined : a.scope.memberName(e);
  return m !== undefined && MUTATING_METHODS.has(m) ? m : undefined;
}

/** A module outside this plugin's folder (a package, a built-in or the bot core). */
function isForeignModule(a: Analysis, mod: string): boolean {
  if (!mod.startsWith(".") && !mod.startsWith("/")) return true;
  const target = posix.normalize(posix.join(posix.dirname(a.file.path), mod));
  return !target.startsWith(`${a.pluginRoot}/`);
}
