// Static resolution of what an expression refers to, as a dotted "path" string, so the
// rules can see through aliases and the usual evasions:
//   eval, window.eval, globalThis["ev" + "al"], (0, eval)   → "eval"
//   Function.prototype.constructor, (() => {}).constructor   → "Function"
//   require("node:fs").promises.writeFile                    → "module:fs/promises#writeFile"
//   const { env } = process; env.TOKEN                       → "process.env.TOKEN"
// Syntax only (no type checker): names are tracked per file, in source order.
import { isIdentifier, isMember, plainText, propertyName, templateText, unwrap, type Node } from "./ast.ts";

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

export { unwrap };

export function isFunctionLiteral(node: Node): boolean {
  const n = unwrap(node);
  return n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression" || n.type === "ClassExpression";
}

export function isPlainLiteral(node: Node): boolean {
  return plainText(node) !== undefined;
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
  fold(node: Node): string | undefined {
    const n = unwrap(node);
    const text = plainText(n);
    if (text !== undefined) return text;
    if (n.type === "Identifier") return this.strings.get(n.name) ?? undefined;
    if (n.type === "BinaryExpression" && n.operator === "+") {
      const l = this.fold(n.left);
      if (l === undefined) return undefined;
      const r = this.fold(n.right);
      return r === undefined ? undefined : l + r;
    }
    if (n.type === "TemplateLiteral") {
      let s = templateText(n.quasis[0]);
      for (let i = 0; i < n.expressions.length; i++) {
        const v = this.fold(n.expressions[i]);
        if (v === undefined) return undefined;
        s += v + templateText(n.quasis[i + 1]);
      }
      return s;
    }
    return undefined;
  }

  /** The longest constant prefix of a string expression (for URLs built from a literal base). */
  prefix(node: Node): string {
    const n = unwrap(node);
    const whole = this.fold(n);
    if (whole !== undefined) return whole;
    if (n.type === "BinaryExpression" && n.operator === "+") {
      const l = this.fold(n.left);
      return l === undefined ? this.prefix(n.left) : l + this.prefix(n.right);
    }
    if (n.type === "TemplateLiteral") {
      let s = templateText(n.quasis[0]);
      for (let i = 0; i < n.expressions.length; i++) {
        const v = this.fold(n.expressions[i]);
        if (v === undefined) return s;
        s += v + templateText(n.quasis[i + 1]);
      }
      return s;
    }
    return "";
  }

  /** The (constant) member name when `node` is `x.name` or `x["name"]`. */
  memberName(node: Node | undefined): string | undefined {
    if (node === undefined) return undefined;
    const n = unwrap(node);
    if (!isMember(n)) return undefined;
    return n.computed ? this.fold(n.property) : propertyName(n);
  }

  /** A string built at run time: literals, templates, concatenation, String(), atob(), .join() … */
  isStringish(arg: Node): boolean {
    const a = unwrap(arg);
    if (this.fold(a) !== undefined || a.type === "TemplateLiteral") return true;
    if (a.type === "BinaryExpression" && a.operator === "+") return true;
    if (a.type === "CallExpression") {
      const c = unwrap(a.callee);
      if (isIdentifier(c)) return c.name === "String" || c.name === "atob" || c.name === "decodeURIComponent" || c.name === "unescape";
      if (isMember(c) && !c.computed) return STRING_METHODS.has(propertyName(c) ?? "");
    }
    return false;
  }

  resolve(node: Node): string | undefined {
    const n = unwrap(node);
    switch (n.type) {
      case "Identifier": {
        const name = n.name;
        if (this.aliases.has(name)) return this.aliases.get(name);
        if (GLOBAL_OBJECTS.has(name)) return GLOBAL;
        return this.roots.has(name) ? name : undefined;
      }
      case "MemberExpression": {
        const key = n.computed ? this.fold(n.property) : propertyName(n);
        return key === undefined ? undefined : member(this.resolve(n.object), key, this.memberName(n.object) === "constructor");
      }
      case "AwaitExpression":
        return this.resolve(n.argument);
      case "ConditionalExpression":
        return this.resolve(n.consequent) ?? this.resolve(n.alternate);
      case "LogicalExpression":
        return this.resolve(n.left) ?? this.resolve(n.right);
      case "AssignmentExpression":
        return n.operator === "=" ? this.resolve(n.right) : undefined;
      case "ImportExpression": {
        const spec = this.fold(n.source);
        return spec === undefined ? undefined : modulePath(spec);
      }
      case "CallExpression": {
        const arg0 = n.arguments[0] as Node | undefined;
        const callee = this.resolve(n.callee);
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
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ClassExpression":
        return FUNCTION_LITERAL;
      default:
        return undefined;
    }
  }
}
