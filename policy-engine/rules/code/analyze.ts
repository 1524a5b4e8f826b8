// Forbidden-API analysis of one changed JS/TS file: parse once (syntax only, no type
// checker, no project), walk once, report only on added lines. Aliases are tracked over
// the whole file, so `const e = eval` on an old line still makes an added `e(x)` a finding.
import { posix } from "node:path";
import { ts } from "ts-morph";
import type { ChangedFile, Severity } from "../../types.ts";
import { matcherFor } from "../../policy/globs.ts";
import { extensionOf, strictSeverity, type Emit, type RuleContext } from "../context.ts";
import type { StringLiteral } from "../secrets.ts";
import { isTestFile } from "../tests.ts";
import type { Analysis } from "./analysis.ts";
import {
  checkClientDestructure,
  checkClientEnumeration,
  checkClientMember,
  checkClientReflection,
  noteClientBinding,
} from "./client-token.ts";
import { FS_READS, FS_WRITES, isModuleLocalPath, isReadOnlyOpenFlag } from "./fs.ts";
import { checkModule } from "./imports.ts";
import { checkHttpCall, checkUrl } from "./network.ts";
import { hasNestedQuantifier } from "./regex.ts";
import { checkTestFocus, countTestCases } from "./test-calls.ts";
import { hostAllowed, hostFromPrefix } from "./hosts.ts";
import {
  CONSTRUCTOR,
  FUNCTION_LITERAL,
  GLOBAL,
  GLOBAL_OBJECTS,
  isPlainLiteral,
  KNOWN_ROOTS,
  member,
  modulePath,
  normalizeModule,
  Scope,
  splitModulePath,
  unwrap,
} from "./values.ts";

const SCRIPT_KIND: Record<string, ts.ScriptKind> = {
  ts: ts.ScriptKind.TS,
  mts: ts.ScriptKind.TS,
  cts: ts.ScriptKind.TS,
  tsx: ts.ScriptKind.TSX,
  js: ts.ScriptKind.JS,
  mjs: ts.ScriptKind.JS,
  cjs: ts.ScriptKind.JS,
  jsx: ts.ScriptKind.JSX,
};

const TIMERS = new Set(["setTimeout", "setInterval", "setImmediate", "execScript"]);
const HTTP_MODULES = new Set(["http", "https"]);
const NETWORK_FUNCTIONS = new Set(["fetch", "WebSocket", "EventSource"]);
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
const NON_ASCII = /[^\x00-\x7F]/;
const ALWAYS_SENSITIVE_MODULES = ["fs", "fs/promises", "http", "https", "module", "child_process", "vm"];
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
// vitest's module loaders: vi.importActual("node:child_process") is an import by another name
const VI_LOADERS = new Set(["importActual", "importMock", "mock", "doMock", "unmock", "doUnmock"]);
// globals assigning to which replaces them for every module (JSON = …, fetch = …)
const GLOBAL_NAMES = new Set([
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
// a literal naming a file that holds the process's secrets (/proc/self/environ, .env) or a device
const SECRET_PATH = /^(?:file:\/\/)?\/(?:proc|sys|dev)\/|(?:^|\/)\.env(?:\.[\w.-]+)?$/;
const FUNCTION_SCOPES = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

type Position = "alias" | "callee" | "new" | "typeof" | "instanceof" | "other";

export function analyzeCode(ctx: RuleContext, file: ChangedFile, emit: Emit): StringLiteral[] {
  const text = file.after ?? "";
  const kind = SCRIPT_KIND[extensionOf(file.path)] ?? ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file.path, text, ts.ScriptTarget.Latest, true, kind);
  const policy = ctx.policy;
  const api = policy.forbiddenApis;
  // a copy, a rename (e.g. notes.txt → run.ts) or a type change brings in text that was never
  // analysed as code at this path: all of it counts as added
  const allAdded = file.status === "added" || file.status === "copied" || file.status === "renamed" || file.status === "type-changed";
  const added = new Set(file.addedLines);
  // globals named in the policy resolve too (a maintainer may forbid Atomics or Buffer.allocUnsafe)
  const scope = new Scope([...api.globals, ...api.members.map((m) => m.split(".")[0]), "vi"]);
  const strings: StringLiteral[] = [];
  const strict = strictSeverity(ctx);
  const inTestFile = isTestFile(ctx, file.path);
  const sensitiveModules = new Set([
    ...ALWAYS_SENSITIVE_MODULES,
    ...api.modules.map(normalizeModule),
    ...policy.network.modules.map(normalizeModule),
  ]);

  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos);
  const touched = (node: ts.Node): boolean => {
    if (allAdded) return true;
    const start = lineOf(node.getStart(sf)).line + 1;
    const end = lineOf(node.end).line + 1;
    for (let l = start; l <= end; l++) if (added.has(l)) return true;
    return false;
  };
  // forbidden-API, network and env rules: every file of a self-edit, apiPaths for everyone
  const apiRules = ctx.selfEdit || matcherFor(policy.code.apiPaths)(file.path);
  // names (re)bound on an added line: an unchanged line that uses one changes meaning too
  const tainted = new Set<string>();
  const usesTainted = (node: ts.Node): boolean => {
    if (tainted.size === 0) return false;
    let found = false;
    const look = (n: ts.Node): void => {
      if (found) return;
      if (ts.isIdentifier(n) && tainted.has(n.text)) found = true;
      else ts.forEachChild(n, look);
    };
    look(node);
    return found;
  };
  const bind = (name: string, path: string | undefined, declaration: ts.Node) => {
    // never forgotten: names are tracked per file, not per block, so a harmless
    // redeclaration elsewhere must not hide a dangerous binding (fail closed)
    if (path !== undefined) scope.aliases.set(name, path);
    if (!allAdded && touched(declaration)) tainted.add(name);
  };
  const report = (node: ts.Node, rule: string, message: string, severity: Severity = "error") => {
    if (!apiRules && rule.startsWith("api/")) return;
    if (!touched(node) && !usesTainted(node)) return;
    const { line, character } = lineOf(node.getStart(sf));
    emit({ rule, severity, file: file.path, line: line + 1, column: character + 1, message });
  };

  const a: Analysis = { policy, file, sf, scope, inTestFile, strict, report };

  // Names declared anywhere in the file (per file, like the aliases), identifiers assigned to,
  // and names exported: judged after the walk, when every declaration has been seen.
  const declared = new Set<string>();
  const declare = (name: ts.BindingName | ts.Identifier | undefined): void => {
    if (name === undefined) return;
    if (ts.isIdentifier(name)) declared.add(name.text);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) declare(el.name);
  };
  const assigned: ts.Identifier[] = [];
  const assignTarget = (target: ts.Expression): void => {
    const t = unwrap(target);
    if (ts.isIdentifier(t)) assigned.push(t);
    else if (ts.isArrayLiteralExpression(t)) for (const el of t.elements) assignTarget(ts.isSpreadElement(el) ? el.expression : el);
    else if (ts.isObjectLiteralExpression(t)) {
      for (const p of t.properties) {
        if (ts.isShorthandPropertyAssignment(p)) assigned.push(p.name);
        else if (ts.isPropertyAssignment(p)) assignTarget(p.initializer);
        else if (ts.isSpreadAssignment(p)) assignTarget(p.expression);
      }
    } else if (ts.isBinaryExpression(t) && t.operatorToken.kind === ts.SyntaxKind.EqualsToken) assignTarget(t.left); // [a = 1] = …
  };
  const exported: { name: string; node: ts.Node }[] = [];
  // fs reads let through as "next to the module" that rely on URL or __dirname meaning the real ones
  const localReads: { node: ts.Node; helper: string }[] = [];

  /** What exporting a value with this path hands to other files, if that is dangerous. */
  const exportRisk = (path: string | undefined): string | undefined => {
    if (path === undefined || path === FUNCTION_LITERAL) return undefined;
    const mod = splitModulePath(path);
    if (mod) return isSensitive(`module:${mod.module}`) ? `the "${mod.module}" module${mod.member ? `'s ${mod.member}` : ""}` : undefined;
    if (path.startsWith("process.env.") && envAllowed(path.slice("process.env.".length))) return undefined;
    if (path === GLOBAL) return "the global object";
    if (path === CONSTRUCTOR) return "a .constructor (the Function constructor for any function)";
    return path;
  };

  /** `this.constructor` inside an instance member of a class: the class, not Function. */
  const isInstanceConstructor = (callee: ts.Expression): boolean => {
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
  };

  /** Inside a function that has its own `arguments` (not at the top level of a module). */
  const inFunction = (node: ts.Node): boolean => {
    for (let n: ts.Node = node.parent; n; n = n.parent) if (FUNCTION_SCOPES.has(n.kind)) return true;
    return false;
  };

  const isSensitive = (path: string | undefined): boolean => {
    if (path === undefined) return false;
    if (SENSITIVE_BASES.has(path) || path.endsWith(".constructor")) return true;
    const mod = splitModulePath(path);
    return mod !== undefined && mod.member === "" && sensitiveModules.has(mod.module);
  };

  // fetch.bind(globalThis), setTimeout.call(globalThis, …): the global object is only the
  // receiver of a built-in (for a function of our own it would become `this`: still flagged)
  const isBuiltinReceiver = (node: ts.Node): boolean => {
    const p = node.parent;
    if (!ts.isCallExpression(p) || p.arguments[0] !== node) return false;
    const callee = unwrap(p.expression);
    if (!ts.isPropertyAccessExpression(callee) || !["bind", "call", "apply"].includes(callee.name.text)) return false;
    const target = scope.resolve(callee.expression);
    return target !== undefined && (NETWORK_FUNCTIONS.has(target) || TIMERS.has(target));
  };

  // names bound to a prototype: const p = Object.getPrototypeOf({}); p.isAdmin = true
  const prototypeNames = new Set<string>();
  const isPrototypeCall = (e: ts.Expression): boolean => {
    const n = unwrap(e);
    if (ts.isIdentifier(n)) return prototypeNames.has(n.text);
    if (!ts.isCallExpression(n)) return false;
    const callee = scope.resolve(n.expression);
    return callee !== undefined && PROTOTYPE_GETTERS.has(callee.endsWith(".call") ? callee.slice(0, -".call".length) : callee);
  };

  // a module outside this plugin's folder (a package, a built-in or the bot core): its
  // exported values are shared with the core, so changing them changes the core
  const pluginRoot = /^(.*?\/plugins\/[^/]+)\//.exec(file.path)?.[1] ?? posix.dirname(file.path);
  const isForeignModule = (mod: string): boolean => {
    if (!mod.startsWith(".") && !mod.startsWith("/")) return true;
    const target = posix.normalize(posix.join(posix.dirname(file.path), mod));
    return !target.startsWith(`${pluginRoot}/`);
  };
  // SETTING_KEYS.push("token"), core.handlers.set(…), Array.prototype.push.call(SETTING_KEYS, …),
  // Reflect.apply(Map.prototype.set, handlers, […]): a mutating method on an imported value
  const mutatingMethod = (e: ts.Expression | undefined): string | undefined => {
    const m = e === undefined ? undefined : scope.memberName(e);
    return m !== undefined && MUTATING_METHODS.has(m) ? m : undefined;
  };
  const checkForeignMethodMutation = (node: ts.CallExpression) => {
    if (!api.globalMutation) return;
    const callee = unwrap(node.expression);
    const name = scope.memberName(callee);
    let method = mutatingMethod(callee);
    let receiver: ts.Expression | undefined;
    if (method !== undefined) receiver = (callee as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
    else if (
      (name === "call" || name === "apply") &&
      (method = mutatingMethod(unwrap((callee as ts.PropertyAccessExpression).expression))) !== undefined
    )
      receiver = node.arguments[0];
    else if (
      scope.resolve(callee) === "Reflect.apply" &&
      (method = mutatingMethod(node.arguments[0] && unwrap(node.arguments[0]))) !== undefined
    )
      receiver = node.arguments[1];
    if (method === undefined || receiver === undefined) return;
    let e = unwrap(receiver);
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
    if (!ts.isIdentifier(e)) return;
    const path = scope.resolve(e);
    const mod = path === undefined ? undefined : splitModulePath(path);
    if (mod && isForeignModule(mod.module)) {
      report(
        node,
        "api/global-mutation",
        `calls .${method}() on ${e.text}, imported from "${mod.module}" (this changes state the bot core shares)`,
      );
    }
  };

  // patching a built-in (JSON.parse = …, String.prototype.x = …, console.log = …) changes
  // what the bot core's own code does: a way to intercept its data or its token.
  // Returns what `target` is when it is a built-in, a global or a prototype.
  const builtinTarget = (target: ts.Expression, bareObject: boolean): string | undefined => {
    let e = unwrap(target);
    if (!bareObject && !ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
    let viaPrototype = false;
    let first: string | undefined;
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const name = scope.memberName(e);
      if (name === "prototype" || name === "__proto__") viaPrototype = true;
      first = name;
      e = unwrap(e.expression);
    }
    if (isPrototypeCall(e)) return "a prototype";
    const root = ts.isIdentifier(e) ? e.text : undefined;
    if (root === "module" && first === "exports" && !viaPrototype) return undefined; // CommonJS exports
    if (root !== undefined && (BUILTIN_OBJECTS.has(root) || scope.resolve(e) !== undefined)) return `the built-in ${root}`;
    return viaPrototype ? "a prototype" : undefined;
  };
  const checkGlobalMutation = (target: ts.Expression, node: ts.Node, bareObject = false) => {
    if (!api.globalMutation) return;
    const what = builtinTarget(target, bareObject);
    if (what) report(node, "api/global-mutation", `changes ${what} (this would change how all code, the bot core's included, behaves)`);
  };

  const envAllowed = (name: string) => policy.env.allowed.includes(name);

  /** Rules on a value path at a use site. */
  const checkValue = (path: string, node: ts.Node, position: Position) => {
    if (position === "typeof") return;
    if (path === GLOBAL || path === "process") {
      const what = path === GLOBAL ? "the global object" : "the process object";
      if (position !== "alias" && !isBuiltinReceiver(node))
        report(node, "api/global-object", `uses ${what} as a value (reflection on globals)`);
      return;
    }
    for (const g of api.globals) {
      if (path === g || path.startsWith(`${g}.`)) {
        if (position === "instanceof" && path === g) return;
        const rule = g === "eval" ? "api/eval" : g === "Function" ? "api/function-constructor" : "api/forbidden-global";
        const what =
          g === "Function" ? "the Function constructor (code from strings)" : g === "eval" ? "eval (code from strings)" : `the ${g} global`;
        report(node, rule, `uses ${what}${path !== g ? ` via ${path}` : ""}`);
        return;
      }
    }
    for (const m of api.members) {
      if (path === m || path.startsWith(`${m}.`)) {
        report(node, "api/forbidden-member", `uses ${m}`);
        return;
      }
    }
    if (path === "require" && position !== "callee" && position !== "alias" && api.dynamicModules) {
      report(node, "api/dynamic-require", "passes require around as a value");
      return;
    }
    if (path === "process.env") {
      // "NODE_ENV" in process.env asks about one allowed name
      const p = node.parent;
      if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.InKeyword && p.right === node) {
        const name = scope.fold(p.left);
        if (name !== undefined && envAllowed(name)) return;
      }
      if (position !== "alias")
        report(node, "api/env", `reads process.env as a whole (only ${policy.env.allowed.join(", ") || "nothing"} may be read)`);
      return;
    }
    if (path.startsWith("process.env.")) {
      // a name bound to one env value was reported where it was read, not at each use
      if (ts.isIdentifier(node)) return;
      const name = path.slice("process.env.".length);
      if (!envAllowed(name)) report(node, "api/env", `reads process.env.${name} (allowed: ${policy.env.allowed.join(", ") || "none"})`);
      return;
    }
    if (NETWORK_FUNCTIONS.has(path) && position === "other") {
      report(node, "api/network", `passes ${path} around as a value (its URL cannot be checked)`);
      return;
    }
    const mod = splitModulePath(path);
    // importing or destructuring a writer is not yet a write; its uses are checked
    if (mod && position === "other" && HTTP_MODULES.has(mod.module) && (mod.member === "get" || mod.member === "request")) {
      report(node, "api/network", `passes ${mod.module}.${mod.member} around as a value (its URL cannot be checked)`);
    } else if (
      mod &&
      position === "other" &&
      api.fsReads &&
      (mod.module === "fs" || mod.module === "fs/promises") &&
      FS_READS.has(mod.member)
    ) {
      report(node, "api/fs-read", `passes ${mod.module}.${mod.member} around as a value (its path cannot be checked)`);
    } else if (mod && position !== "alias") {
      const fnName = mod.member.split(".")[0];
      if (mod.module === "module" && fnName === "createRequire" && api.dynamicModules) {
        report(node, "api/create-require", "uses createRequire (a require that escapes import analysis)");
      } else if (api.fsWrites && (mod.module === "fs" || mod.module === "fs/promises") && FS_WRITES.has(fnName)) {
        report(node, "api/fs-write", `writes to the filesystem (${mod.module}.${fnName})`);
      } else if (HTTP_MODULES.has(mod.module) && (fnName === "createServer" || fnName === "Server")) {
        report(node, "api/network", `starts a ${mod.module} server`);
      }
    }
  };

  const positionOf = (node: ts.Node): Position => {
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
  };

  const bindName = (
    name: ts.BindingName,
    path: string | undefined,
    initializer: ts.Expression | undefined,
    isConst: boolean,
    declaration: ts.Node,
    objectIsConstructor = false,
  ) => {
    if (ts.isIdentifier(name)) {
      bind(name.text, path, declaration);
      if (isConst && initializer) {
        const s = scope.fold(initializer);
        if (s !== undefined) scope.bindString(name.text, s);
      }
      return;
    }
    if (ts.isObjectBindingPattern(name)) destructure(name, path, declaration, objectIsConstructor);
  };

  const destructure = (pattern: ts.ObjectBindingPattern, base: string | undefined, declaration: ts.Node, objectIsConstructor: boolean) => {
    for (const el of pattern.elements) {
      if (el.dotDotDotToken) {
        if (base === "process.env") report(el, "api/env", "copies all of process.env (rest destructuring)");
        else if (base === GLOBAL) report(el, "api/global-object", "copies the global object (rest destructuring)");
        if (ts.isIdentifier(el.name)) bind(el.name.text, base, declaration);
        continue;
      }
      const keyNode = el.propertyName ?? el.name;
      let key: string | undefined;
      if (ts.isIdentifier(keyNode) || ts.isStringLiteral(keyNode) || ts.isNumericLiteral(keyNode)) key = keyNode.text;
      else if (ts.isComputedPropertyName(keyNode)) {
        key = scope.fold(keyNode.expression);
        if (!isPlainLiteral(keyNode.expression) && isSensitive(base) && api.computedAccess) {
          report(
            el,
            base === "process.env" ? "api/env" : "api/computed-access",
            `destructures ${base === GLOBAL ? "the global object" : base} with a computed key`,
          );
        }
      }
      const path = key === undefined ? undefined : member(base, key, objectIsConstructor);
      if (path !== undefined && ts.isIdentifier(el.name)) checkValue(path, el, "alias");
      bindName(el.name, path, undefined, false, declaration, key === "constructor");
    }
  };

  const checkCall = (node: ts.CallExpression | ts.NewExpression) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = node.arguments[0] ? scope.fold(node.arguments[0]) : undefined;
      if (spec !== undefined) checkModule(a, spec, node);
      else if (api.dynamicModules) report(node, "api/dynamic-import", "import() with a non-literal specifier");
      return;
    }
    if (ts.isCallExpression(node)) {
      checkTestFocus(a, node);
      checkForeignMethodMutation(node);
      // Object.prototype.__defineGetter__("isAdmin", …) defines a property on its receiver
      const c = unwrap(node.expression);
      if (DUNDER_DEFINERS.has(scope.memberName(c) ?? "")) checkGlobalMutation((c as ts.PropertyAccessExpression).expression, node, true);
    }
    let callee = scope.resolve(node.expression);
    const viaCall = callee !== undefined && /\.(call|apply)$/.test(callee);
    if (callee === undefined) {
      checkCapabilityFetch(node);
      return;
    }
    let args: readonly ts.Expression[] = node.arguments ?? [];
    // f.call(thisArg, ...args) is f(...args); f.apply(thisArg, array) hides its arguments
    if (callee.endsWith(".call")) {
      callee = callee.slice(0, -".call".length);
      args = args.slice(1);
    } else if (callee.endsWith(".bind")) {
      // f.bind(thisArg, ...args): the bound arguments are the call's arguments
      callee = callee.slice(0, -".bind".length);
      args = args.slice(1);
      if (args.length === 0) return;
    } else if (callee.endsWith(".apply")) {
      callee = callee.slice(0, -".apply".length);
      const list = args[1] !== undefined ? unwrap(args[1]) : undefined;
      args = list && ts.isArrayLiteralExpression(list) ? list.elements : [];
    }
    const arg0 = args[0];
    const isNew = ts.isNewExpression(node);
    checkClientReflection(a, callee, args, node);
    // x.constructor(src), new x.constructor(src), Reflect.construct(Object.constructor, [src]):
    // the constructor of any function is Function, so these build code from a string
    if (isConstructorPath(callee) && args.length > 0 && !(isNew && isInstanceConstructor(node.expression))) {
      report(
        node,
        "api/function-constructor",
        `${isNew ? "new " : "calls "}${node.expression.getText(sf).slice(0, 60)}(…) with arguments: a .constructor of a function is the Function constructor (code from a string)`,
      );
      return;
    }
    if ((callee === "Reflect.construct" || callee === "Reflect.apply") && arg0 && isConstructorPath(scope.resolve(arg0))) {
      report(
        node,
        "api/function-constructor",
        `${callee} of a .constructor: the .constructor of a function is the Function constructor (code from a string)`,
      );
      return;
    }
    const vi = /^(?:vi|module:vitest#(?:vi|vitest))\.(\w+)$/.exec(callee);
    if (vi && VI_LOADERS.has(vi[1])) {
      const spec = arg0 ? scope.fold(arg0) : undefined;
      if (spec !== undefined) checkModule(a, spec, node);
      else report(node, "api/dynamic-import", `vi.${vi[1]}() with a non-literal specifier`);
      return;
    }
    if (MUTATORS.has(callee) && arg0) checkGlobalMutation(arg0, node, true);
    // Object.prototype.__defineGetter__.call(target, …): the target is the receiver
    const receiver = node.arguments?.[0];
    if (viaCall && DUNDER_DEFINERS.has(callee.split(".").pop() ?? "") && receiver) checkGlobalMutation(receiver, node, true);
    if (!isNew && (callee === "require" || callee === "module.require" || callee === "process.getBuiltinModule")) {
      const spec = arg0 ? scope.fold(arg0) : undefined;
      if (spec !== undefined) checkModule(a, spec, node);
      else if (api.dynamicModules) report(node, "api/dynamic-require", "require() with a non-literal specifier");
      return;
    }
    if (TIMERS.has(callee) && api.impliedEval && arg0) {
      if (scope.isStringish(arg0)) {
        report(node, "api/implied-eval", `${callee} with a string runs it as code`);
      }
      return;
    }
    if (callee === "fetch" && !isNew) return checkUrl(a, arg0, node, "fetch");
    if ((callee === "WebSocket" || callee === "EventSource") && isNew) return checkUrl(a, arg0, node, `new ${callee}`);
    if (callee === "XMLHttpRequest" || callee === "navigator.sendBeacon") {
      report(node, "api/network", `uses ${callee} (use fetch to an allowed host)`);
      return;
    }
    const mod = splitModulePath(callee);
    // import("fs").then((fs) => …): the callback's parameter is the module
    if (mod && mod.member === "then" && arg0) {
      const fn = unwrap(arg0);
      const param = (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters[0];
      if (param) bindName(param.name, `module:${mod.module}`, undefined, false, param);
      return;
    }
    if (mod && HTTP_MODULES.has(mod.module) && (mod.member === "get" || mod.member === "request")) {
      return checkHttpCall(a, args, node, `${mod.module}.${mod.member}`);
    }
    const isFs = mod !== undefined && (mod.module === "fs" || mod.module === "fs/promises");
    if (isFs && (mod.member === "open" || mod.member === "openSync") && api.fsWrites) {
      const flags = args[1] === undefined ? "r" : scope.fold(args[1]);
      if (flags === undefined || !isReadOnlyOpenFlag(flags))
        report(node, "api/fs-write", `opens a file for writing (${mod.module}.${mod.member} with flags ${flags ?? "(non-literal)"})`);
    }
    const helper = isFs && FS_READS.has(mod.member) && api.fsReads ? isModuleLocalPath(scope, arg0) : false;
    if (typeof helper === "string") localReads.push({ node, helper });
    else if (isFs && FS_READS.has(mod.member) && api.fsReads && !helper) {
      report(
        node,
        "api/fs-read",
        `reads ${arg0 && scope.fold(arg0) !== undefined ? `"${scope.fold(arg0)}"` : "a computed path"}; only files next to the module may be read (new URL("./file", import.meta.url))`,
      );
    }
  };

  // for (;;) {} / while (true) {} with no way out: a synchronous loop freezes the whole host
  const checkBusyLoop = (loop: ts.ForStatement | ts.WhileStatement | ts.DoStatement) => {
    if (!alwaysTrue(ts.isForStatement(loop) ? loop.condition : loop.expression) || loopExits(loop.statement)) return;
    report(
      loop,
      "api/busy-loop",
      "an endless loop with no break, return, throw or await: it would freeze the plugin host (and, in the bot, every command)",
    );
  };

  const isConstructorPath = (path: string | undefined): boolean =>
    path !== undefined && (path === CONSTRUCTOR || path.endsWith(".constructor"));

  // call.fetch("https://…"): the plugin API's fetch, enforced by the core; a literal host that
  // is not allowed is reported here already (a computed one is left to the core)
  const checkCapabilityFetch = (node: ts.CallExpression | ts.NewExpression) => {
    if (!ts.isCallExpression(node) || scope.memberName(node.expression) !== "fetch" || !node.arguments[0]) return;
    const arg = node.arguments[0];
    const whole = scope.fold(arg);
    const host = whole !== undefined ? hostFromPrefix(whole, true) : hostFromPrefix(scope.prefix(arg), false);
    if (host === undefined || !/^(https?|wss?):/i.test(whole ?? scope.prefix(arg))) return;
    if (!hostAllowed(policy.network.allowedHosts, host)) {
      report(
        node,
        "api/network",
        `fetch to ${host || "a URL without a host"}, which is not an allowed host (allowed: ${policy.network.allowedHosts.join(", ") || "none"})`,
      );
    }
  };

  // identifiers that look like others (Cyrillic а in isАdmin) deceive reviewers
  const mayHaveEscapes = text.includes("\\u");
  const checkIdentifierText = (id: ts.Identifier | ts.PrivateIdentifier) => {
    if (NON_ASCII.test(id.text)) {
      report(
        id,
        "unicode/identifier",
        `identifier "${id.text}" contains non-ASCII characters that can impersonate another name`,
        "warning",
      );
    } else if (mayHaveEscapes && id.getText(sf).includes("\\u")) {
      report(id, "unicode/identifier", `identifier "${id.getText(sf)}" is written with unicode escapes`, "warning");
    }
  };

  const isConsumed = (node: ts.Node): boolean => {
    const p = node.parent;
    return (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === node;
  };

  const visit = (node: ts.Node): void => {
    const k = node.kind;
    if (
      (k >= ts.SyntaxKind.FirstTypeNode && k <= ts.SyntaxKind.LastTypeNode) ||
      k === ts.SyntaxKind.InterfaceDeclaration ||
      k === ts.SyntaxKind.TypeAliasDeclaration
    )
      return;
    switch (k) {
      case ts.SyntaxKind.ImportDeclaration: {
        const d = node as ts.ImportDeclaration;
        if (!ts.isStringLiteral(d.moduleSpecifier)) break;
        const clause = d.importClause;
        if (clause?.isTypeOnly) return;
        const spec = d.moduleSpecifier.text;
        checkModule(a, spec, d);
        const base = modulePath(spec);
        declare(clause?.name);
        if (clause?.name) bind(clause.name.text, base, d);
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) {
          declare(bindings.name);
          bind(bindings.name.text, base, d);
        } else if (bindings && ts.isNamedImports(bindings)) {
          for (const el of bindings.elements) {
            declare(el.name);
            if (el.isTypeOnly) continue;
            const imported = (el.propertyName ?? el.name).text;
            // import { default as p } from "node:process" is the process object itself
            const path = imported === "default" ? base : member(base, imported);
            if (path !== undefined) {
              bind(el.name.text, path, d);
              checkValue(path, el, "alias");
            }
          }
        }
        return;
      }
      case ts.SyntaxKind.ExportDeclaration: {
        const d = node as ts.ExportDeclaration;
        if (d.isTypeOnly) return;
        if (d.moduleSpecifier && ts.isStringLiteral(d.moduleSpecifier)) checkModule(a, d.moduleSpecifier.text, d);
        else if (d.exportClause && ts.isNamedExports(d.exportClause)) {
          for (const el of d.exportClause.elements)
            if (!el.isTypeOnly) exported.push({ name: (el.propertyName ?? el.name).text, node: el });
        }
        break;
      }
      case ts.SyntaxKind.ExportAssignment: {
        // export default process, export default x.constructor
        const e = (node as ts.ExportAssignment).expression;
        const risk = exportRisk(scope.resolve(e));
        if (risk) report(node, "api/exported-alias", `exports ${risk}: another file could use it where the check cannot see what it is`);
        break;
      }
      case ts.SyntaxKind.VariableStatement: {
        const v = node as ts.VariableStatement;
        if ((ts.getModifiers(v) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
          const names = (n: ts.BindingName): void => {
            if (ts.isIdentifier(n)) exported.push({ name: n.text, node: n });
            else for (const el of n.elements) if (!ts.isOmittedExpression(el)) names(el.name);
          };
          for (const d of v.declarationList.declarations) names(d.name);
        }
        break;
      }
      case ts.SyntaxKind.FunctionDeclaration:
      case ts.SyntaxKind.FunctionExpression:
      case ts.SyntaxKind.ClassDeclaration:
      case ts.SyntaxKind.ClassExpression:
      case ts.SyntaxKind.EnumDeclaration:
        declare((node as ts.FunctionDeclaration | ts.ClassLikeDeclaration | ts.EnumDeclaration).name);
        break;
      case ts.SyntaxKind.ModuleDeclaration: {
        const name = (node as ts.ModuleDeclaration).name;
        if (ts.isIdentifier(name)) declare(name);
        break;
      }
      case ts.SyntaxKind.PrefixUnaryExpression:
      case ts.SyntaxKind.PostfixUnaryExpression: {
        const u = node as ts.PrefixUnaryExpression | ts.PostfixUnaryExpression;
        if (u.operator === ts.SyntaxKind.PlusPlusToken || u.operator === ts.SyntaxKind.MinusMinusToken) assignTarget(u.operand);
        break;
      }
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.ForInStatement: {
        const f = node as ts.ForOfStatement | ts.ForInStatement;
        if (!ts.isVariableDeclarationList(f.initializer)) assignTarget(f.initializer);
        if (k === ts.SyntaxKind.ForInStatement) checkClientEnumeration(a, f.expression, node);
        break;
      }
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
        checkBusyLoop(node as ts.ForStatement | ts.WhileStatement | ts.DoStatement);
        break;
      case ts.SyntaxKind.ImportEqualsDeclaration: {
        const d = node as ts.ImportEqualsDeclaration;
        declare(d.name);
        if (ts.isExternalModuleReference(d.moduleReference) && ts.isStringLiteral(d.moduleReference.expression)) {
          checkModule(a, d.moduleReference.expression.text, d);
          bind(d.name.text, modulePath(d.moduleReference.expression.text), d);
        }
        break;
      }
      case ts.SyntaxKind.VariableDeclaration: {
        const d = node as ts.VariableDeclaration;
        declare(d.name);
        if (d.initializer && ts.isObjectBindingPattern(d.name)) checkClientDestructure(a, d.name, d.initializer);
        if (d.initializer && ts.isIdentifier(d.name) && isPrototypeCall(d.initializer)) prototypeNames.add(d.name.text);
        noteClientBinding(a, d.name, d.initializer, d.type);
        if (d.initializer) {
          const isConst = ts.isVariableDeclarationList(d.parent) && (d.parent.flags & ts.NodeFlags.Const) !== 0;
          bindName(d.name, scope.resolve(d.initializer), d.initializer, isConst, d);
        }
        break;
      }
      case ts.SyntaxKind.Parameter: {
        const d = node as ts.ParameterDeclaration;
        declare(d.name);
        noteClientBinding(a, d.name, d.initializer, d.type);
        if (d.initializer) bindName(d.name, scope.resolve(d.initializer), undefined, false, d);
        break;
      }
      case ts.SyntaxKind.BinaryExpression: {
        const b = node as ts.BinaryExpression;
        if (b.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(b.left)) {
          const path = scope.resolve(b.right);
          if (path !== undefined) bind(b.left.text, path, b);
        }
        const op = b.operatorToken.kind;
        if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) {
          checkGlobalMutation(b.left, b);
          assignTarget(b.left);
        }
        break;
      }
      case ts.SyntaxKind.DeleteExpression:
        checkGlobalMutation((node as ts.DeleteExpression).expression, node);
        break;
      case ts.SyntaxKind.CallExpression:
      case ts.SyntaxKind.NewExpression:
        checkCall(node as ts.CallExpression | ts.NewExpression);
        break;
      case ts.SyntaxKind.ElementAccessExpression: {
        const ea = node as ts.ElementAccessExpression;
        if (isObfuscatedKey(ea.argumentExpression) && scope.fold(ea.argumentExpression) === undefined) {
          report(ea, "api/obfuscation", "member name computed from literals only (JSFuck-style obfuscation)");
        }
        if (api.computedAccess && !isPlainLiteral(ea.argumentExpression)) {
          const base = scope.resolve(ea.expression);
          if (isSensitive(base)) {
            if (base === "process.env") {
              const key = scope.fold(ea.argumentExpression);
              if (key === undefined) report(ea, "api/env", "reads process.env with a computed key");
            } else {
              report(
                ea,
                "api/computed-access",
                `computed member access on ${base === GLOBAL ? "the global object" : base} hides which member is used`,
              );
            }
          }
        }
        checkClientMember(a, ea, ea.expression, scope.fold(ea.argumentExpression));
        if (!isConsumed(node)) {
          const path = scope.resolve(ea);
          if (path !== undefined) checkValue(path, ea, positionOf(ea));
        }
        break;
      }
      case ts.SyntaxKind.PropertyAccessExpression: {
        checkClientMember(a, node, (node as ts.PropertyAccessExpression).expression, (node as ts.PropertyAccessExpression).name.text);
        if (!isConsumed(node)) {
          const path = scope.resolve(node as ts.PropertyAccessExpression);
          if (path !== undefined) checkValue(path, node, positionOf(node));
        }
        // the name identifier is not a reference; only the object side needs a visit
        checkIdentifierText((node as ts.PropertyAccessExpression).name);
        visit((node as ts.PropertyAccessExpression).expression);
        return;
      }
      case ts.SyntaxKind.Identifier: {
        checkIdentifierText(node as ts.Identifier);
        // at the top level of a CommonJS module, arguments are the wrapper's: exports, require, module…
        if ((node as ts.Identifier).text === "arguments" && isReference(node as ts.Identifier) && !inFunction(node)) {
          report(
            node,
            "api/forbidden-global",
            "uses `arguments` outside a function: in a CommonJS module those are the module wrapper's (require, module …)",
          );
        }
        if (!isConsumed(node) && isReference(node as ts.Identifier)) {
          const path = scope.resolve(node as ts.Identifier);
          if (path !== undefined) checkValue(path, node, positionOf(node));
        }
        return;
      }
      case ts.SyntaxKind.StringLiteral:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
      case ts.SyntaxKind.TemplateHead:
      case ts.SyntaxKind.TemplateMiddle:
      case ts.SyntaxKind.TemplateTail: {
        const p = node.parent;
        const isSpecifier = ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p);
        if (!isSpecifier && touched(node)) {
          const { line, character } = lineOf(node.getStart(sf));
          const value = (node as ts.LiteralLikeNode).text;
          strings.push({ value, line: line + 1, column: character + 1 });
          if (k !== ts.SyntaxKind.TemplateMiddle && k !== ts.SyntaxKind.TemplateTail && SECRET_PATH.test(value)) {
            report(
              node,
              "api/secret-path",
              `names "${value.slice(0, 40)}", a file that holds the process's secrets or a device: plugin code has no files to name`,
            );
          }
          // new RegExp("(a+)*")
          if (ts.isNewExpression(p) || ts.isCallExpression(p)) {
            const callee = unwrap(p.expression);
            if (p.arguments?.[0] === node && ts.isIdentifier(callee) && callee.text === "RegExp" && hasNestedQuantifier(value)) {
              report(
                node,
                "api/redos",
                `the regular expression ${value.slice(0, 40)} repeats a group that repeats itself: it can take seconds on one line and freeze the plugin`,
              );
            }
          }
        }
        return;
      }
      case ts.SyntaxKind.RegularExpressionLiteral: {
        const text = (node as ts.RegularExpressionLiteral).text;
        if (hasNestedQuantifier(text.slice(1, text.lastIndexOf("/")))) {
          report(
            node,
            "api/redos",
            `the regular expression ${text.slice(0, 40)} repeats a group that repeats itself: it can take seconds on one line and freeze the plugin`,
          );
        }
        return;
      }
    }
    ts.forEachChild(node, visit);
  };

  visit(sf);
  // after the walk every declaration is known (function declarations are hoisted)
  for (const id of assigned) {
    const name = id.text;
    if (GLOBAL_NAMES.has(name))
      report(id, "api/global-mutation", `assigns to the global ${name} (this replaces it for all code, the bot core's included)`);
    else if (!declared.has(name))
      report(id, "api/global-mutation", `assigns to ${name}, which is not declared in this file: that creates or replaces a global`);
  }
  for (const { name, node } of exported) {
    const global = GLOBAL_NAMES.has(name) && !declared.has(name) ? (GLOBAL_OBJECTS.has(name) ? GLOBAL : name) : undefined;
    const risk = exportRisk(scope.aliases.get(name) ?? global);
    if (risk)
      report(
        node,
        "api/exported-alias",
        `exports ${risk === name ? name : `${name}, which is ${risk}`}: another file could use it where the check cannot see what it is`,
      );
  }
  for (const { node, helper } of localReads) {
    if (declared.has(helper))
      report(
        node,
        "api/fs-read",
        `reads a path built with ${helper}, which this file declares itself (only the real ${helper} makes a path next to the module)`,
      );
  }
  // dangerous commands and statements inside string literals (rm -rf, DROP TABLE …): a
  // reviewer should see them, even though a plugin has no shell or database to run them on
  if (apiRules && policy.dangerousStrings.length > 0) {
    const patterns = policy.dangerousStrings.map((d) => ({ name: d.name, regex: new RegExp(d.regex, "iu") }));
    for (const lit of strings) {
      const hit = patterns.find((p) => p.regex.test(lit.value));
      if (hit)
        emit({
          rule: "api/dangerous-string",
          severity: "warning",
          file: file.path,
          line: lit.line,
          column: lit.column,
          message: `string contains a dangerous pattern (${hit.name})`,
        });
    }
  }
  if (inTestFile && policy.tests.flagDeleted && file.before !== undefined) {
    const before = countTestCases(ts.createSourceFile(file.path, file.before, ts.ScriptTarget.Latest, true, kind));
    const after = countTestCases(sf);
    if (after < before)
      emit({ rule: "tests/removed-cases", severity: strict, file: file.path, message: `removes test cases (${before} → ${after})` });
  }
  return strings;
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

/** A loop condition that is always true: absent, `true`, `1`, `!0`, a literal object… */
function alwaysTrue(cond: ts.Expression | undefined): boolean {
  if (cond === undefined) return true;
  const c = unwrap(cond);
  if (c.kind === ts.SyntaxKind.TrueKeyword || ts.isArrayLiteralExpression(c) || ts.isObjectLiteralExpression(c)) return true;
  if (ts.isNumericLiteral(c)) return Number(c.text) !== 0;
  if (ts.isStringLiteral(c) || ts.isNoSubstitutionTemplateLiteral(c)) return c.text !== "";
  if (ts.isPrefixUnaryExpression(c) && c.operator === ts.SyntaxKind.ExclamationToken) {
    const o = unwrap(c.operand);
    return (
      o.kind === ts.SyntaxKind.FalseKeyword ||
      (ts.isNumericLiteral(o) && Number(o.text) === 0) ||
      ((ts.isStringLiteral(o) || ts.isNoSubstitutionTemplateLiteral(o)) && o.text === "")
    );
  }
  return false;
}

/** A break (of this loop or a label), return, throw, await or yield in the loop body. */
function loopExits(body: ts.Statement): boolean {
  let found = false;
  const look = (n: ts.Node, nested: boolean): void => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (
      ts.isReturnStatement(n) ||
      ts.isThrowStatement(n) ||
      ts.isAwaitExpression(n) ||
      ts.isYieldExpression(n) ||
      (ts.isForOfStatement(n) && n.awaitModifier)
    )
      found = true;
    else if (ts.isBreakStatement(n) && (n.label !== undefined || !nested)) found = true;
    else {
      const inner = nested || ts.isIterationStatement(n, false) || ts.isSwitchStatement(n);
      ts.forEachChild(n, (c) => look(c, inner));
    }
  };
  look(body, false);
  return found;
}
