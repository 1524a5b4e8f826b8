// Forbidden APIs where a value is used: an identifier, `x.name` or `x[key]` that resolves
// (values.ts) to eval, Function, a forbidden global or member, process.env, the global
// object, a network or fs function passed around, an fs writer…; plus computed access on
// sensitive objects, JSFuck-style keys and `arguments` outside a function.
import type { Analysis } from "./analysis.ts";
import {
  forEachChild,
  isIdentifier,
  isMember,
  isNumericLiteral,
  plainText,
  propertyName,
  unwrap,
  type Identifier,
  type MemberExpression,
  type Node,
} from "./ast.ts";
import { inBindingPattern } from "./bindings.ts";
import { FS_READS, FS_WRITES } from "./fs.ts";
import { HTTP_MODULES, NETWORK_FUNCTIONS } from "./network.ts";
import { CONSTRUCTOR, GLOBAL, isPlainLiteral, splitModulePath } from "./values.ts";

/** Timers that run a string argument as code, and whose receiver may be the global object. */
export const TIMERS = new Set(["setTimeout", "setInterval", "setImmediate", "execScript"]);

const SENSITIVE_BASES = new Set([
  GLOBAL,
  "process",
  "process.env",
  "Reflect",
  "Function",
  "Function.prototype",
  "module",
  "require",
  "eval",
  "Object",
  "WebAssembly",
  CONSTRUCTOR,
]);

// (methods, constructors and accessors are FunctionExpressions in ESTree; arrows have no `arguments`)
const FUNCTION_SCOPES = new Set(["FunctionDeclaration", "FunctionExpression"]);

export type Position = "alias" | "callee" | "new" | "typeof" | "instanceof" | "other";

export function isSensitive(a: Analysis, path: string | undefined): boolean {
  if (path === undefined) return false;
  if (SENSITIVE_BASES.has(path) || path.endsWith(".constructor")) return true;
  const mod = splitModulePath(path);
  return mod !== undefined && mod.member === "" && a.sensitiveModules.has(mod.module);
}

export function envAllowed(a: Analysis, name: string): boolean {
  return a.policy.env.allowed.includes(name);
}

export function isConstructorPath(path: string | undefined): boolean {
  return path !== undefined && (path === CONSTRUCTOR || path.endsWith(".constructor"));
}

// identifier visitor: `arguments`, then the value it names

/** At the top level of a CommonJS module, `arguments` are the wrapper's: exports, require, module… */
export function checkArguments(a: Analysis, id: Identifier): void {
  if (id.name === "arguments" && isReference(id) && !inFunction(id)) {
    a.report(
      id,
      "api/forbidden-global",
      "uses `arguments` outside a function: in a CommonJS module those are the module wrapper's (require, module …)",
    );
  }
}

export function checkIdentifierValue(a: Analysis, id: Identifier): void {
  if (!isConsumed(id) && isReference(id)) {
    const path = a.scope.resolve(id);
    if (path !== undefined) checkValue(a, path, id, positionOf(id));
  }
}

// x.name and x[key]

/** The value of the outermost access of a chain: process.env.X is judged once, not per link. */
export function checkAccessValue(a: Analysis, node: MemberExpression): void {
  if (!isConsumed(node)) {
    const path = a.scope.resolve(node);
    if (path !== undefined) checkValue(a, path, node, positionOf(node));
  }
}

export function checkObfuscatedKey(a: Analysis, ea: MemberExpression): void {
  if (ea.computed && isObfuscatedKey(ea.property) && a.scope.fold(ea.property) === undefined) {
    a.report(ea, "api/obfuscation", "member name computed from literals only (JSFuck-style obfuscation)");
  }
}

export function checkComputedAccess(a: Analysis, ea: MemberExpression): void {
  if (!ea.computed || !a.api.computedAccess || isPlainLiteral(ea.property)) return;
  const base = a.scope.resolve(ea.object);
  if (!isSensitive(a, base)) return;
  if (base === "process.env") {
    const key = a.scope.fold(ea.property);
    if (key === undefined) a.report(ea, "api/env", "reads process.env with a computed key");
  } else {
    a.report(
      ea,
      "api/computed-access",
      `computed member access on ${base === GLOBAL ? "the global object" : base} hides which member is used`,
    );
  }
}

/** Rules on a value path at a use site. */
export function checkValue(a: Analysis, path: string, node: Node, position: Position): void {
  const { api, policy, scope } = a;
  if (position === "typeof") return;
  if (path === GLOBAL || path === "process") {
    const what = path === GLOBAL ? "the global object" : "the process object";
    if (position !== "alias" && !isBuiltinReceiver(a, node))
      a.report(node, "api/global-object", `uses ${what} as a value (reflection on globals)`);
    return;
  }
  for (const g of api.globals) {
    if (path === g || path.startsWith(`${g}.`)) {
      if (position === "instanceof" && path === g) return;
      const rule = g === "eval" ? "api/eval" : g === "Function" ? "api/function-constructor" : "api/forbidden-global";
      const what =
        g === "Function" ? "the Function constructor (code from strings)" : g === "eval" ? "eval (code from strings)" : `the ${g} global`;
      a.report(node, rule, `uses ${what}${path !== g ? ` via ${path}` : ""}`);
      return;
    }
  }
  for (const m of api.members) {
    if (path === m || path.startsWith(`${m}.`)) {
      a.report(node, "api/forbidden-member", `uses ${m}`);
      return;
    }
  }
  if (path === "require" && position !== "callee" && position !== "alias" && api.dynamicModules) {
    a.report(node, "api/dynamic-require", "passes require around as a value");
    return;
  }
  if (path === "process.env") {
    // "NODE_ENV" in process.env asks about one allowed name
    const p = node.parent;
    if (p?.type === "BinaryExpression" && p.operator === "in" && p.right === node) {
      const name = scope.fold(p.left);
      if (name !== undefined && envAllowed(a, name)) return;
    }
    if (position !== "alias")
      a.report(node, "api/env", `reads process.env as a whole (only ${policy.env.allowed.join(", ") || "nothing"} may be read)`);
    return;
  }
  if (path.startsWith("process.env.")) {
    // a name bound to one env value was reported where it was read, not at each use
    if (isIdentifier(node)) return;
    const name = path.slice("process.env.".length);
    if (!envAllowed(a, name)) a.report(node, "api/env", `reads process.env.${name} (allowed: ${policy.env.allowed.join(", ") || "none"})`);
    return;
  }
  if (NETWORK_FUNCTIONS.has(path) && position === "other") {
    a.report(node, "api/network", `passes ${path} around as a value (its URL cannot be checked)`);
    return;
  }
  const mod = splitModulePath(path);
  // importing or destructuring a writer is not yet a write; its uses are checked
  if (mod && position === "other" && HTTP_MODULES.has(mod.module) && (mod.member === "get" || mod.member === "request")) {
    a.report(node, "api/network", `passes ${mod.module}.${mod.member} around as a value (its URL cannot be checked)`);
  } else if (
    mod &&
    position === "other" &&
    api.fsReads &&
    (mod.module === "fs" || mod.module === "fs/promises") &&
    FS_READS.has(mod.member)
  ) {
    a.report(node, "api/fs-read", `passes ${mod.module}.${mod.member} around as a value (its path cannot be checked)`);
  } else if (mod && position !== "alias") {
    const fnName = mod.member.split(".")[0];
    if (mod.module === "module" && fnName === "createRequire" && api.dynamicModules) {
      a.report(node, "api/create-require", "uses createRequire (a require that escapes import analysis)");
    } else if (api.fsWrites && (mod.module === "fs" || mod.module === "fs/promises") && FS_WRITES.has(fnName)) {
      a.report(node, "api/fs-write", `writes to the filesystem (${mod.module}.${fnName})`);
    } else if (HTTP_MODULES.has(mod.module) && (fnName === "createServer" || fnName === "Server")) {
      a.report(node, "api/network", `starts a ${mod.module} server`);
    }
  }
}

// fetch.bind(globalThis), setTimeout.call(globalThis, …): the global object is only the
// receiver of a built-in (for a function of our own it would become `this`: still flagged)
function isBuiltinReceiver(a: Analysis, node: Node): boolean {
  const p = node.parent;
  if (p?.type !== "CallExpression" || p.arguments[0] !== node) return false;
  const callee = unwrap(p.callee);
  if (!isMember(callee) || !["bind", "call", "apply"].includes(propertyName(callee) ?? "")) return false;
  const target = a.scope.resolve(callee.object);
  return target !== undefined && (NETWORK_FUNCTIONS.has(target) || TIMERS.has(target));
}

function positionOf(node: Node): Position {
  const p = node.parent;
  if (p === undefined || p === null) return "other";
  switch (p.type) {
    case "UnaryExpression":
      return p.operator === "typeof" ? "typeof" : "other";
    case "BinaryExpression":
      return p.operator === "instanceof" && p.right === node ? "instanceof" : "other";
    case "AssignmentExpression":
      return p.operator === "=" && p.right === node && isIdentifier(p.left) ? "alias" : "other";
    case "VariableDeclarator":
      return p.init === node ? "alias" : "other";
    case "AssignmentPattern": {
      // a parameter's default, or `[x = value] = …` (TypeScript's `x = value`): an alias
      if (p.right !== node) return "other";
      const q = p.parent;
      const isParameter =
        q?.type === "TSParameterProperty" || (q !== undefined && q !== null && "params" in q && q.params.includes(p as never));
      const isAssignment = !inBindingPattern(p) && isIdentifier(p.left) && !(q?.type === "Property" && q.shorthand);
      return isParameter || isAssignment ? "alias" : "other";
    }
    case "CallExpression":
      return p.callee === node ? "callee" : "other";
    case "NewExpression":
      return p.callee === node ? "new" : "other";
    case "ParenthesizedExpression":
    case "TSAsExpression":
    case "TSNonNullExpression":
    case "TSSatisfiesExpression":
    case "ChainExpression":
      return positionOf(p);
    default:
      return "other";
  }
}

/** The object side of a member access: the access as a whole is what gets judged. */
function isConsumed(node: Node): boolean {
  const p = node.parent;
  return p?.type === "MemberExpression" && p.object === node;
}

/** Inside a function that has its own `arguments` (not at the top level of a module). */
function inFunction(node: Node): boolean {
  for (let n = node.parent; n; n = n.parent) if (FUNCTION_SCOPES.has(n.type)) return true;
  return false;
}

/** Identifiers that name a value being used (not declarations, property names, labels). */
function isReference(id: Identifier): boolean {
  const p = id.parent;
  if (p === undefined || p === null) return true;
  switch (p.type) {
    case "Property":
    case "PropertyDefinition":
    case "MethodDefinition":
    case "AccessorProperty":
    case "TSAbstractPropertyDefinition":
    case "TSAbstractMethodDefinition":
    case "TSAbstractAccessorProperty":
      if (p.key === id && !p.computed) return false;
      break;
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "TSDeclareFunction":
    case "ClassDeclaration":
    case "ClassExpression":
    case "TSEnumDeclaration":
    case "TSEnumMember":
    case "TSModuleDeclaration":
    case "TSImportEqualsDeclaration":
      if (p.id === id) return false;
      break;
    case "ImportSpecifier":
    case "ImportDefaultSpecifier":
    case "ImportNamespaceSpecifier":
    case "ExportSpecifier":
    case "ExportAllDeclaration":
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
    case "MetaProperty":
    case "TSQualifiedName":
    case "TSTypeParameter":
      return false;
    default:
      break;
  }
  // a name a declaration or parameter binds; an assignment target (`[x] = …`) is a reference
  return !inBindingPattern(id);
}

/** A key built from literals and operators alone, e.g. (![] + [])[+[]] — never how people write code. */
function isObfuscatedKey(key: Node): boolean {
  const k = unwrap(key);
  if (plainText(k) !== undefined || isIdentifier(k)) return false;
  if (k.type === "UnaryExpression" && k.operator === "-" && isNumericLiteral(k.argument)) return false;
  let hasIdentifier = false;
  let hasTrick = false;
  const look = (n: Node): void => {
    if (hasIdentifier) return;
    if (isIdentifier(n)) hasIdentifier = true;
    else if (n.type === "ArrayExpression" || n.type === "ObjectExpression") hasTrick = true;
    else if (n.type === "UnaryExpression" && (n.operator === "!" || n.operator === "+" || n.operator === "~")) hasTrick = true;
    forEachChild(n, look);
  };
  look(k);
  return hasTrick && !hasIdentifier;
}
