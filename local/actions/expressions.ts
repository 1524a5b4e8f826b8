// GitHub Actions expressions (`${{ … }}`): literals, contexts with `.name` / `['name']`
// access, `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, parentheses, and the functions
// GitHub documents (contains, startsWith, endsWith, format, join, toJSON, fromJSON, hashFiles
// and the status checks success/failure/always/cancelled). Comparison follows GitHub's rules: strings
// compare case-insensitively; values of different types are compared as numbers.
// Written here rather than taken from @actions/expressions because the status functions,
// which every `if:` needs, are the runner's and not in that package.
// Anything else (an unknown function or context, a syntax error) throws ExpressionError.

export class ExpressionError extends Error {}

export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

export interface Scope {
  /** Context name → value (github, env, steps, needs, inputs, secrets, job, runner, …). */
  contexts: Record<string, Value>;
  /** The job's state for success()/failure()/cancelled(); absent: status functions are not allowed here. */
  status?: { failed: boolean; cancelled: boolean };
  /** hashFiles(patterns…) over the job's workspace; absent: hashFiles() is not allowed here. */
  hashFiles?: (patterns: string[]) => string;
}

type Tok = { t: "num"; v: number } | { t: "str"; v: string } | { t: "id"; v: string } | { t: "op"; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionError(`unterminated string in \`${src}\``);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: "str", v: s });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9.]/.test(src[i + 1] ?? "") && !isOperand(out.at(-1)))) {
      const m = /^-?(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?)/.exec(src.slice(i));
      if (!m) throw new ExpressionError(`bad number in \`${src}\``);
      out.push({ t: "num", v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
        out.push({ t: "op", v: two });
        i += 2;
      } else if ("!<>().[],*".includes(c)) {
        out.push({ t: "op", v: c });
        i++;
      } else throw new ExpressionError(`unexpected character "${c}" in \`${src}\``);
    }
  }
  return out;
}

function isOperand(t: Tok | undefined): boolean {
  return !!t && (t.t === "num" || t.t === "str" || t.t === "id" || (t.t === "op" && (t.v === ")" || t.v === "]")));
}

type Node =
  | { k: "lit"; v: Value }
  | { k: "ctx"; name: string }
  | { k: "idx"; obj: Node; key: Node | "*" }
  | { k: "not"; e: Node }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "call"; name: string; args: Node[] };

const FUNCTIONS = new Set([
  "contains",
  "startswith",
  "endswith",
  "format",
  "join",
  "tojson",
  "fromjson",
  "success",
  "failure",
  "always",
  "cancelled",
  "hashfiles",
]);
export const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"];

class Parser {
  private i = 0;
  private readonly toks: Tok[];
  private readonly src: string;
  constructor(src: string) {
    this.src = src;
    this.toks = lex(src);
  }
  parse(): Node {
    if (this.toks.length === 0) throw new ExpressionError("empty expression");
    const n = this.or();
    if (this.i < this.toks.length) throw this.err(`unexpected "${this.toks[this.i].v}"`);
    return n;
  }
  private err(msg: string): ExpressionError {
    return new ExpressionError(`${msg} in \`${this.src}\``);
  }
  private peekOp(v: string): boolean {
    const t = this.toks[this.i];
    return t?.t === "op" && t.v === v;
  }
  private expect(v: string): void {
    if (!this.peekOp(v)) throw this.err(`expected "${v}"`);
    this.i++;
  }
  private or(): Node {
    let a = this.and();
    while (this.peekOp("||")) {
      this.i++;
      a = { k: "bin", op: "||", a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.cmp();
    while (this.peekOp("&&")) {
      this.i++;
      a = { k: "bin", op: "&&", a, b: this.cmp() };
    }
    return a;
  }
  private cmp(): Node {
    let a = this.unary();
    for (;;) {
      const t = this.toks[this.i];
      if (t?.t !== "op" || !["==", "!=", "<", "<=", ">", ">="].includes(t.v)) return a;
      this.i++;
      a = { k: "bin", op: t.v, a, b: this.unary() };
    }
  }
  private unary(): Node {
    if (this.peekOp("!")) {
      this.i++;
      return { k: "not", e: this.unary() };
    }
    return this.postfix(this.primary());
  }
  private postfix(n: Node): Node {
    for (;;) {
      if (this.peekOp(".")) {
        this.i++;
        const t = this.toks[this.i++];
        if (t?.t === "op" && t.v === "*") n = { k: "idx", obj: n, key: "*" };
        else if (t?.t === "id") n = { k: "idx", obj: n, key: { k: "lit", v: t.v } };
        else throw this.err("expected a property name after '.'");
      } else if (this.peekOp("[")) {
        this.i++;
        if (this.peekOp("*")) {
          this.i++;
          n = { k: "idx", obj: n, key: "*" };
        } else n = { k: "idx", obj: n, key: this.or() };
        this.expect("]");
      } else return n;
    }
  }
  private primary(): Node {
    const t = this.toks[this.i++];
    if (!t) throw this.err("unexpected end");
    if (t.t === "num" || t.t === "str") return { k: "lit", v: t.v };
    if (t.t === "op" && t.v === "(") {
      const n = this.or();
      this.expect(")");
      return n;
    }
    if (t.t === "id") {
      if (t.v === "true" || t.v === "false") return { k: "lit", v: t.v === "true" };
      if (t.v === "null") return { k: "lit", v: null };
      if (this.peekOp("(")) {
        this.i++;
        const name = t.v.toLowerCase();
        if (!FUNCTIONS.has(name)) throw this.err(`unknown function ${t.v}()`);
        const args: Node[] = [];
        if (!this.peekOp(")")) {
          args.push(this.or());
          while (this.peekOp(",")) {
            this.i++;
            args.push(this.or());
          }
        }
        this.expect(")");
        return { k: "call", name, args };
      }
      return { k: "ctx", name: t.v };
    }
    throw this.err(`unexpected "${t.v}"`);
  }
}

export function truthy(v: Value): boolean {
  return !(v === null || v === false || v === 0 || v === "" || (typeof v === "number" && Number.isNaN(v)));
}

function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim() === "" ? 0 : Number(v);
  return NaN;
}

/** A value as `${{ }}` writes it into a string. */
export function stringify(v: Value): string {
  if (v === null) return "";
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v === "string") return v;
  return JSON.stringify(v, null, 2);
}

function compare(a: Value, b: Value): number {
  if (typeof a === "string" && typeof b === "string") {
    const x = a.toUpperCase();
    const y = b.toUpperCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a !== null && typeof a === "object") return a === b ? 0 : NaN;
  const x = toNumber(a);
  const y = toNumber(b);
  return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
}

function equal(a: Value, b: Value): boolean {
  if (typeof a !== typeof b && (typeof a === "object" || typeof b === "object") && !(a === null || b === null)) return false;
  return compare(a, b) === 0;
}

function evalNode(n: Node, s: Scope): Value {
  switch (n.k) {
    case "lit":
      return n.v;
    case "ctx": {
      if (!(n.name in s.contexts)) throw new ExpressionError(`unknown context "${n.name}"`);
      return s.contexts[n.name];
    }
    case "idx": {
      const obj = evalNode(n.obj, s);
      if (n.key === "*") {
        if (Array.isArray(obj)) return obj;
        return obj && typeof obj === "object" ? Object.values(obj) : [];
      }
      const key = evalNode(n.key, s);
      // after a `*` filter, a property applies to each element (`labels.*.name`)
      if (projected(n.obj) && Array.isArray(obj)) return obj.map((e) => pick(e, key)).filter((e) => e !== null);
      return pick(obj, key);
    }
    case "not":
      return !truthy(evalNode(n.e, s));
    case "bin": {
      if (n.op === "&&") {
        const a = evalNode(n.a, s);
        return truthy(a) ? evalNode(n.b, s) : a;
      }
      if (n.op === "||") {
        const a = evalNode(n.a, s);
        return truthy(a) ? a : evalNode(n.b, s);
      }
      const a = evalNode(n.a, s);
      const b = evalNode(n.b, s);
      if (n.op === "==") return equal(a, b);
      if (n.op === "!=") return !equal(a, b);
      const c = compare(a, b);
      if (Number.isNaN(c)) return false;
      return n.op === "<" ? c < 0 : n.op === "<=" ? c <= 0 : n.op === ">" ? c > 0 : c >= 0;
    }
    case "call":
      return call(n.name, n.args, s);
  }
}

function projected(n: Node): boolean {
  return n.k === "idx" && (n.key === "*" || projected(n.obj));
}

function pick(obj: Value, key: Value): Value {
  if (Array.isArray(obj)) {
    const i = toNumber(key);
    return Number.isInteger(i) ? (obj[i] ?? null) : null;
  }
  if (obj && typeof obj === "object") {
    const want = stringify(key).toLowerCase();
    const hit = Object.keys(obj).find((k) => k.toLowerCase() === want);
    return hit === undefined ? null : obj[hit];
  }
  return null;
}

function call(name: string, argNodes: Node[], s: Scope): Value {
  const arity = (min: number, max = min) => {
    if (argNodes.length < min || argNodes.length > max)
      throw new ExpressionError(`${name}() takes ${min === max ? min : `${min}–${max}`} argument(s)`);
  };
  if (STATUS_FUNCTIONS.includes(name)) {
    arity(0);
    if (!s.status) throw new ExpressionError(`${name}() is only allowed in if:`);
    if (name === "always") return true;
    if (name === "cancelled") return s.status.cancelled;
    if (name === "failure") return s.status.failed && !s.status.cancelled;
    return !s.status.failed && !s.status.cancelled;
  }
  const args = argNodes.map((a) => evalNode(a, s));
  switch (name) {
    case "contains": {
      arity(2);
      const [hay, needle] = args;
      if (Array.isArray(hay)) return hay.some((x) => equal(x, needle));
      return stringify(hay).toLowerCase().includes(stringify(needle).toLowerCase());
    }
    case "startswith":
      arity(2);
      return stringify(args[0]).toLowerCase().startsWith(stringify(args[1]).toLowerCase());
    case "endswith":
      arity(2);
      return stringify(args[0]).toLowerCase().endsWith(stringify(args[1]).toLowerCase());
    case "format": {
      if (args.length < 1) throw new ExpressionError("format() needs a format string");
      return stringify(args[0]).replace(/\{(\d+)\}|\{\{|\}\}/g, (m, d: string | undefined) => {
        if (m === "{{") return "{";
        if (m === "}}") return "}";
        const i = Number(d) + 1;
        if (i >= args.length) throw new ExpressionError(`format(): no argument {${d}}`);
        return stringify(args[i]);
      });
    }
    case "join": {
      arity(1, 2);
      const sep = args.length > 1 ? stringify(args[1]) : ",";
      return Array.isArray(args[0]) ? args[0].map(stringify).join(sep) : stringify(args[0]);
    }
    case "tojson":
      arity(1);
      return JSON.stringify(args[0], null, 2);
    case "hashfiles":
      if (!s.hashFiles) throw new ExpressionError("hashFiles() is only available in a job's steps");
      if (!args.length) throw new ExpressionError("hashFiles() needs at least one pattern");
      return s.hashFiles(args.map(stringify));
    case "fromjson":
      arity(1);
      try {
        return JSON.parse(stringify(args[0])) as Value;
      } catch {
        throw new ExpressionError(`fromJSON(): not JSON: ${stringify(args[0]).slice(0, 80)}`);
      }
  }
  throw new ExpressionError(`unknown function ${name}()`);
}

/** Evaluates one expression (the text inside `${{ }}`). */
export function evaluate(expr: string, scope: Scope): Value {
  return evalNode(new Parser(expr).parse(), scope);
}

/** Whether an `if:` expression calls a status function (else GitHub wraps it in `success() && (…)`). */
export function usesStatusFunction(expr: string): boolean {
  return lex(expr).some((t, i, all) => t.t === "id" && STATUS_FUNCTIONS.includes(t.v.toLowerCase()) && all[i + 1]?.v === "(");
}

/** An `if:` condition (with or without `${{ }}`); default `success()`. */
export function condition(src: unknown, scope: Scope): boolean {
  if (src === undefined || src === null || src === "") return truthy(evaluate("success()", scope));
  if (typeof src === "boolean" || typeof src === "number") return truthy(src);
  if (typeof src !== "string") throw new ExpressionError("if: must be a string");
  let e = src.trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(e);
  if (whole && !whole[1].includes("}}")) e = whole[1].trim();
  else if (e.includes("${{")) return truthy(interpolate(e, scope));
  return truthy(evaluate(usesStatusFunction(e) ? e : `success() && (${e})`, scope));
}

/**
 * Replaces every `${{ expr }}` in a string. A string that is one expression keeps the
 * value's type (as GitHub does for `with:` and `fetch-depth`); non-strings pass through.
 */
export function interpolate(v: unknown, scope: Scope): Value {
  if (typeof v !== "string") return (v ?? null) as Value;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(v);
  if (whole && !whole[1].includes("${{") && findClose(v, v.indexOf("${{") + 3) === v.lastIndexOf("}}")) return evaluate(whole[1], scope);
  let out = "";
  let i = 0;
  for (;;) {
    const start = v.indexOf("${{", i);
    if (start < 0) return out + v.slice(i);
    const end = findClose(v, start + 3);
    if (end < 0) throw new ExpressionError(`unclosed \${{ in ${JSON.stringify(v.slice(start, start + 60))}`);
    out += v.slice(i, start) + stringify(evaluate(v.slice(start + 3, end), scope));
    i = end + 2;
  }
}

/** Index of the `}}` closing an expression, skipping `}}` inside string literals. */
function findClose(v: string, from: number): number {
  let inStr = false;
  for (let i = from; i < v.length - 1; i++) {
    if (v[i] === "'") inStr = !inStr;
    else if (!inStr && v[i] === "}" && v[i + 1] === "}") return i;
  }
  return -1;
}

/** interpolate(), as a string. */
export function interpolateString(v: unknown, scope: Scope): string {
  return stringify(interpolate(v, scope));
}
