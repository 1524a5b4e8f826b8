// Forbidden APIs where a value is used: an identifier, `x.name` or `x[key]` that resolves
// (values.ts) to eval, Function, a forbidden global or member, process.env, the global
// object, a network or fs function passed around, an fs writer…; plus computed access on
// sensitive objects, JSFuck-style keys and `arguments` outside a function.
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { FS_READS, FS_WRITES } from "./fs.ts";
import { HTTP_MODULES, NETWORK_FUNCTIONS } from "./network.ts";
import { CONSTRUCTOR, GLOBAL, isPlainLiteral, splitModulePath, unwrap } from "./values.ts";

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

const FUNCTION_SCOPES = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

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
export function checkArguments(a: Analysis, id: ts.Identifier): void {
  if (id.text === "arguments" && isReference(id) && !inFunction(id)) {
    a.report(
      id,
      "api/forbidden-global",
      "uses `arguments` outside a function: in a CommonJS module those are the module wrapper's (require, module …)",
    );
  }
}

export function checkIdentifierValue(a: Analysis, id: ts.Identifier): void {
  if (!isConsumed(id) && isReference(id)) {
    const path = a.scope.resolve(id);
    if (path !== undefined) checkValue(a, path, id, positionOf(id));
  }
}

// x.name and x[key]

/** The value of the outermost access of a chain: process.env.X is judged once, not per link. */
export function checkAccessValue(a: Analysis, node: ts.PropertyAccessExpression | ts.ElementAccessExpression): void {
  if (!isConsumed(node)) {
    const path = a.scope.resolve(node);
    if (path !== undefined) checkValue(a, path, node, positionOf(node));
  }
}

export function checkObfuscatedKey(a: Analysis, ea: ts.ElementAccessExpression): void {
  if (isObfuscatedKey(ea.argumentExpression) && a.scope.fold(ea.argumentExpression) === undefined) {
    a.report(ea, "api/obfuscation", "member name computed from literals only (JSFuck-style obfuscation)");
  }
}

export function checkComputedAccess(a: Analysis, ea: ts.ElementAccessExpression): void {
  if (!a.api.computedAccess || isPlainLiteral(ea.argumentExpression)) return;
  const base = a.scope.resolve(ea.expression);
  if (!isSensitive(a, base)) return;
  if (base === "process.env") {
    const key = a.scope.fold(ea.argumentExpression);
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
export function checkValue(a: Analysis, path: string, node: ts.Node, position: Position): void {
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
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.InKeyword && p.right === node) {
      const name = scope.fold(p.left);
      if (name !== undefined && envAllowed(a, name)) return;
    }
    if (position !== "alias")
      a.report(node, "api/env", `reads process.env as a whole (only ${policy.env.allowed.join(", ") || "nothing"} may be read)`);
    return;
  }
  if (path.startsWith("process.env.")) {
    // a name bound to one env value was reported where it was read, not at each use
    if (ts.isIdentifier(node)) return;
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
function isBuiltinReceiver(a: Analysis, node: ts.Node): boolean {
  const p = node.parent;
  if (!ts.isCallExpression(p) || p.arguments[0] !== node) return false;
  const callee = unwrap(p.expression);
  if (!ts.isPropertyAccessExpression(callee) || !["bind", "call", "apply"].includes(callee.name.text)) return false;
  const target = a.scope.resolve(callee.expression);
  return target !== undefined && (NETWORK_FUNCTIONS.has(target) || TIMERS.has(target));
}

function positionOf(node: ts.Node): Position {
  const p = node.parent;
  if (ts.isTypeOfExpression(p)) return "typeof";
  if (ts.isBinaryExpression(p)) {
    if (p.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword && p.right === node) return "instanceof";
    if (p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === node && ts.isIdentifier(p.left)) return "alias";
  }
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p)) && p.initializer === node) return "alias";
  if (ts.isCallExpression(p) && p.expression === node) return "callee";
  if (ts.isNewExpression(p) && p.expression === node) return "new";
  if (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isSatisfiesExpression(p))
    return positionOf(p);
  return "other";
}

/** The object side of a member access: the access as a whole is what gets judged. */
function isConsumed(node: ts.Node): boolean {
  const p = node.parent;
  return (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === node;
}

/** Inside a function that has its own `arguments` (not at the top level of a module). */
function inFunction(node: ts.Node): boolean {
  for (let n: ts.Node = node.parent; n; n = n.parent) if (FUNCTION_SCOPES.has(n.kind)) return true;
  return false;
}

/** Identifiers that name a value being used (not declarations, property names, labels). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  switch (p.kind) {
    case ts.SyntaxKind.PropertyAssignment:
    case ts.SyntaxKind.PropertyDeclaration:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
    case ts.SyntaxKind.PropertySignature:
    case ts.SyntaxKind.MethodSignature:
    case ts.SyntaxKind.EnumMember:
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.Parameter:
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ClassDeclaration:
    case ts.SyntaxKind.ClassExpression:
    case ts.SyntaxKind.EnumDeclaration:
    case ts.SyntaxKind.ModuleDeclaration:
    case ts.SyntaxKind.TypeParameter:
    case ts.SyntaxKind.JsxAttribute:
      return (p as ts.NamedDeclaration).name !== id;
    case ts.SyntaxKind.BindingElement: {
      const b = p as ts.BindingElement;
      return b.name !== id && b.propertyName !== id;
    }
    case ts.SyntaxKind.ImportSpecifier:
    case ts.SyntaxKind.ExportSpecifier:
    case ts.SyntaxKind.ImportClause:
    case ts.SyntaxKind.NamespaceImport:
    case ts.SyntaxKind.NamespaceExport:
    case ts.SyntaxKind.ImportEqualsDeclaration:
    case ts.SyntaxKind.LabeledStatement:
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
    case ts.SyntaxKind.MetaProperty:
    case ts.SyntaxKind.QualifiedName:
      return false;
    default:
      return true;
  }
}

/** A key built from literals and operators alone, e.g. (![] + [])[+[]] — never how people write code. */
function isObfuscatedKey(key: ts.Expression): boolean {
  const k = unwrap(key);
  if (ts.isStringLiteral(k) || ts.isNumericLiteral(k) || ts.isNoSubstitutionTemplateLiteral(k) || ts.isIdentifier(k)) return false;
  if (ts.isPrefixUnaryExpression(k) && k.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(k.operand)) return false;
  let hasIdentifier = false;
  let hasTrick = false;
  const look = (n: ts.Node): void => {
    if (hasIdentifier) return;
    if (ts.isIdentifier(n)) hasIdentifier = true;
    else if (ts.isArrayLiteralExpression(n) || ts.isObjectLiteralExpression(n)) hasTrick = true;
    else if (
      ts.isPrefixUnaryExpression(n) &&
      (n.operator === ts.SyntaxKind.ExclamationToken || n.operator === ts.SyntaxKind.PlusToken || n.operator === ts.SyntaxKind.TildeToken)
    )
      hasTrick = true;
    ts.forEachChild(n, look);
  };
  look(k);
  return hasTrick && !hasIdentifier;
}
