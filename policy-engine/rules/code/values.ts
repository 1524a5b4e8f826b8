// Static resolution of what an expression refers to, as a dotted "path" string, so the
// rules can see through aliases and the usual evasions:
//   eval, window.eval, globalThis["ev" + "al"], (0, eval)   → "eval"
//   Function.prototype.constructor, (() => {}).constructor   → "Function"
//   require("node:fs").promises.writeFile                    → "module:fs/promises#writeFile"
//   const { env } = process; env.TOKEN                       → "process.env.TOKEN"
// Syntax only (no type checker): names are tracked per file, in source order.
import { ts } from "ts-morph";

/** globalThis and its aliases: a member of one of these is a global. */
export const GLOBAL_OBJECTS = new Set(["globalThis", "global", "window"]);
export const GLOBAL = "<global>";
const STRING_METHODS = new Set([
  "join",
  "concat",
  "replace",
  "replaceAll",
  "slice",
  "substring",
  "substr",
  "toString",
  "trim",
  "padStart",
  "padEnd",
  "repeat",
  "fromCharCode",
  "fromCodePoint",
  "toLowerCase",
  "toUpperCase",
  "normalize",
  "raw",
]);
export const FUNCTION_LITERAL = "<function-literal>";
/** `x.constructor` of a value the check cannot identify: for any function that is Function. */
export const CONSTRUCTOR = "<constructor>";

/** Globals whose paths the rules care about (other identifiers resolve to nothing). */
export const KNOWN_ROOTS = new Set([
  "eval",
  "Function",
  "WebAssembly",
  "require",
  "module",
  "process",
  "Reflect",
  "Object",
  "fetch",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "execScript",
  "WebSocket",
  "EventSource",
  "XMLHttpRequest",
  "navigator",
]);

export function normalizeModule(spec: string): string {
  return spec.startsWith("node:") ? spec.slice(5) : spec;
}

export function modulePath(spec: string): string {
  const m = normalizeModule(spec);
  // node:process is the process object itself
  return m === "process" ? "process" : `module:${m}`;
}

/** Splits "module:fs/promises#writeFile" into ["fs/promises", "writeFile"]. */
export function splitModulePath(path: string): { module: string; member: string } | undefined {
  if (!path.startsWith("module:")) return undefined;
  const hash = path.indexOf("#");
  return hash < 0 ? { module: path.slice(7), member: "" } : { module: path.slice(7, hash), member: path.slice(hash + 1) };
}

export function unwrap(node: ts.Expression): ts.Expression {
  let n = node;
  for (;;) {
    if (
      ts.isParenthesizedExpression(n) ||
      ts.isAsExpression(n) ||
      ts.isNonNullExpression(n) ||
      ts.isSatisfiesExpression(n) ||
      ts.isTypeAssertionExpression(n)
    ) {
      n = n.expression;
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      n = n.right;
    } else return n;
  }
}

export function isFunctionLiteral(node: ts.Expression): boolean {
  const n = unwrap(node);
  return ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isClassExpression(n);
}

export function isPlainLiteral(node: ts.Expression): boolean {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isNumericLiteral(node);
}

/**
 * The path of `base.name`. `objectIsConstructor` says the object expression is itself a
 * `.constructor` access (so this is `x.constructor.constructor`, i.e. Function).
 */
export function member(base: string | undefined, name: string, objectIsConstructor = false): string | undefined {
  // x.constructor.constructor is Function for any x; so is the constructor of a function
  if (
    name === "constructor" &&
    (objectIsConstructor ||
      base === FUNCTION_LITERAL ||
      base === CONSTRUCTOR ||
      base === "Function" ||
      base === "Function.prototype" ||
      base?.endsWith(".constructor"))
  ) {
    return "Function";
  }
  if (base === undefined) return name === "constructor" ? CONSTRUCTOR : undefined;
  if (base === GLOBAL) return GLOBAL_OBJECTS.has(name) ? GLOBAL : name === "process" ? "process" : name;
  if (base === FUNCTION_LITERAL) return undefined;
  const mod = splitModulePath(base);
  if (mod) {
    if (mod.member === "") {
      if (name === "default") return base;
      if ((mod.module === "fs" && name === "promises") || (mod.module === "dns" && name === "promises"))
        return `module:${mod.module}/promises`;
      return `${base}#${name}`;
    }
    return `${base}.${name}`;
  }
  return `${base}.${name}`;
}

/** Per-file knowledge: aliases (name → path) and const strings (name → value). */
export class Scope {
  /** Global names that resolve to a path: the built-in set plus the policy's own. */
  private readonly roots: Set<string>;

  constructor(extraRoots: Iterable<string> = []) {
    this.roots = new Set([...KNOWN_ROOTS, ...extraRoots]);
  }

  readonly aliases = new Map<string, string>();
  /** null: the name was bound to different strings in different places (so: unknown). */
  readonly strings = new Map<string, string | null>();

  bindString(name: string, value: string): void {
    const known = this.strings.get(name);
    this.strings.set(name, known === undefined || known === value ? value : null);
  }

  /** Constant string value of an expression (literals, concatenation, templates, const names). */
  fold(node: ts.Expression): string | undefined {
    const n = unwrap(node);
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isNumericLiteral(n)) return n.text;
    if (ts.isIdentifier(n)) return this.strings.get(n.text) ?? undefined;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const l = this.fold(n.left);
      if (l === undefined) return undefined;
      const r = this.fold(n.right);
      return r === undefined ? undefined : l + r;
    }
    if (ts.isTemplateExpression(n)) {
      let s = n.head.text;
      for (const span of n.templateSpans) {
        const v = this.fold(span.expression);
        if (v === undefined) return undefined;
        s += v + span.literal.text;
      }
      return s;
    }
    return undefined;
  }

  /** The longest constant prefix of a string expression (for URLs built from a literal base). */
  prefix(node: ts.Expression): string {
    const n = unwrap(node);
    const whole = this.fold(n);
    if (whole !== undefined) return whole;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const l = this.fold(n.left);
      return l === undefined ? this.prefix(n.left) : l + this.prefix(n.right);
    }
    if (ts.isTemplateExpression(n)) {
      let s = n.head.text;
      for (const span of n.templateSpans) {
        const v = this.fold(span.expression);
        if (v === undefined) return s;
        s += v + span.literal.text;
      }
      return s;
    }
    return "";
  }

  /** The (constant) member name when `node` is `x.name` or `x["name"]`. */
  memberName(node: ts.Expression): string | undefined {
    const n = unwrap(node);
    if (ts.isPropertyAccessExpression(n)) return n.name.text;
    if (ts.isElementAccessExpression(n)) return this.fold(n.argumentExpression);
    return undefined;
  }

  /** A string built at run time: literals, templates, concatenation, String(), atob(), .join() … */
  isStringish(arg: ts.Expression): boolean {
    const a = unwrap(arg);
    if (this.fold(a) !== undefined || ts.isTemplateExpression(a)) return true;
    if (ts.isBinaryExpression(a) && a.operatorToken.kind === ts.SyntaxKind.PlusToken) return true;
    if (ts.isCallExpression(a)) {
      const c = unwrap(a.expression);
      if (ts.isIdentifier(c)) return c.text === "String" || c.text === "atob" || c.text === "decodeURIComponent" || c.text === "unescape";
      if (ts.isPropertyAccessExpression(c)) return STRING_METHODS.has(c.name.text);
    }
    return false;
  }

  resolve(node: ts.Expression): string | undefined {
    const n = unwrap(node);
    switch (n.kind) {
      case ts.SyntaxKind.Identifier: {
        const name = (n as ts.Identifier).text;
        if (this.aliases.has(name)) return this.aliases.get(name);
        if (GLOBAL_OBJECTS.has(name)) return GLOBAL;
        return this.roots.has(name) ? name : undefined;
      }
      case ts.SyntaxKind.ThisKeyword:
        return undefined;
      case ts.SyntaxKind.PropertyAccessExpression: {
        const pa = n as ts.PropertyAccessExpression;
        return member(this.resolve(pa.expression), pa.name.text, this.memberName(pa.expression) === "constructor");
      }
      case ts.SyntaxKind.ElementAccessExpression: {
        const ea = n as ts.ElementAccessExpression;
        const key = this.fold(ea.argumentExpression);
        return key === undefined ? undefined : member(this.resolve(ea.expression), key, this.memberName(ea.expression) === "constructor");
      }
      case ts.SyntaxKind.AwaitExpression:
        return this.resolve((n as ts.AwaitExpression).expression);
      case ts.SyntaxKind.ConditionalExpression: {
        const c = n as ts.ConditionalExpression;
        return this.resolve(c.whenTrue) ?? this.resolve(c.whenFalse);
      }
      case ts.SyntaxKind.BinaryExpression: {
        const b = n as ts.BinaryExpression;
        const op = b.operatorToken.kind;
        if (
          op === ts.SyntaxKind.BarBarToken ||
          op === ts.SyntaxKind.QuestionQuestionToken ||
          op === ts.SyntaxKind.AmpersandAmpersandToken
        ) {
          return this.resolve(b.left) ?? this.resolve(b.right);
        }
        if (op === ts.SyntaxKind.EqualsToken) return this.resolve(b.right);
        return undefined;
      }
      case ts.SyntaxKind.CallExpression: {
        const call = n as ts.CallExpression;
        const arg0 = call.arguments[0];
        if (call.expression.kind === ts.SyntaxKind.ImportKeyword) {
          const spec = arg0 ? this.fold(arg0) : undefined;
          return spec === undefined ? undefined : modulePath(spec);
        }
        const callee = this.resolve(call.expression);
        if (callee === undefined) return undefined;
        if (callee === "require" || callee === "module.require" || callee === "process.getBuiltinModule") {
          const spec = arg0 ? this.fold(arg0) : undefined;
          return spec === undefined ? undefined : modulePath(spec);
        }
        if (callee === "module:module#createRequire") return "require";
        if ((callee === "Object.getPrototypeOf" || callee === "Reflect.getPrototypeOf") && arg0 && isFunctionLiteral(arg0))
          return "Function.prototype";
        // eval.bind(null) is still eval
        if (callee.endsWith(".bind")) return callee.slice(0, -".bind".length);
        return undefined;
      }
      case ts.SyntaxKind.FunctionExpression:
      case ts.SyntaxKind.ArrowFunction:
      case ts.SyntaxKind.ClassExpression:
        return FUNCTION_LITERAL;
      default:
        return undefined;
    }
  }
}
