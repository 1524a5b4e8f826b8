// The common case of loading a policy without zod: a valid policy. Loading zod and building
// the ~100-key schema costs a cold policy check more than everything else it does before
// judging a change (~0.1 s of CPU), so a policy is first read against the JSON Schema that is
// generated from the zod schema (policies/policy.schema.json; a test keeps the two equal),
// plus the checks JSON Schema cannot say (globs, regular expressions, built-in module names,
// override rule ids). Only a policy this reading accepts is used from here — with its
// defaults filled in exactly as zod fills them; anything else, and anything this reader does
// not know, goes to zod, which decides and words the errors. A test holds the two to the
// same answers over a corpus and every mutation of every key.
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import type { Policy } from "./schema.ts";
import { globProblem } from "./globs.ts";
import { BUILTIN_SECRET_NAMES, RULE_IDS } from "../rules/ids.ts";

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | false;
  propertyNames?: Schema;
  required?: string[];
  items?: Schema;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** Keywords this reader implements; a schema with any other makes it step aside for zod. */
const KEYWORDS = new Set([
  "$schema",
  "title",
  "description",
  "type",
  "properties",
  "additionalProperties",
  "propertyNames",
  "required",
  "items",
  "default",
  "enum",
  "const",
  "minLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
]);

const NO = Symbol("not sure it is valid");
type Result = unknown;

let schema: Schema | null | undefined;
const patterns = new Map<string, RegExp>();

function loadSchema(): Schema | null {
  if (schema === undefined) {
    try {
      schema = JSON.parse(readFileSync(new URL("../../policies/policy.schema.json", import.meta.url), "utf8")) as Schema;
    } catch {
      schema = null; // zod will do
    }
  }
  return schema;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function read(s: Schema, v: unknown): Result {
  for (const k of Object.keys(s)) if (!KEYWORDS.has(k)) return NO;
  if ("const" in s && v !== s.const) return NO;
  if (s.enum !== undefined && !s.enum.includes(v)) return NO;
  switch (s.type) {
    case "object": {
      if (!isPlainObject(v)) return NO;
      const props = s.properties ?? {};
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        if (Object.hasOwn(props, key)) continue;
        // zod's objects here are all strict: an unknown key is zod's to report
        if (s.additionalProperties === undefined || s.additionalProperties === false) return NO;
        if (s.propertyNames !== undefined && read(s.propertyNames, key) === NO) return NO;
        const r = read(s.additionalProperties, v[key]);
        if (r === NO) return NO;
        define(out, key, r);
      }
      for (const [key, sub] of Object.entries(props)) {
        let value = Object.hasOwn(v, key) ? v[key] : undefined;
        if (value === undefined) {
          if (!("default" in sub)) {
            if (s.required?.includes(key)) return NO;
            continue;
          }
          value = structuredClone(sub.default);
        }
        const r = read(sub, value);
        if (r === NO) return NO;
        define(out, key, r);
      }
      return out;
    }
    case "array": {
      if (!Array.isArray(v) || s.items === undefined) return NO;
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        if (!Object.hasOwn(v, i)) return NO;
        const r = read(s.items, v[i]);
        if (r === NO) return NO;
        out.push(r);
      }
      return out;
    }
    case "string": {
      if (typeof v !== "string") return NO;
      // code points (JSON Schema) are never more than UTF-16 units (zod): stricter is safe
      if (s.minLength !== undefined && [...v].length < s.minLength) return NO;
      if (s.pattern !== undefined) {
        let re = patterns.get(s.pattern);
        // the pattern is the source of zod's own (flagless) regular expression
        if (!re) patterns.set(s.pattern, (re = new RegExp(s.pattern)));
        if (!re.test(v)) return NO;
      }
      return v;
    }
    case "integer":
    case "number": {
      if (typeof v !== "number" || !Number.isFinite(v)) return NO;
      if (s.type === "integer" && !Number.isSafeInteger(v)) return NO;
      if (s.minimum !== undefined && v < s.minimum) return NO;
      if (s.maximum !== undefined && v > s.maximum) return NO;
      if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return NO;
      return v;
    }
    case "boolean":
      return typeof v === "boolean" ? v : NO;
    default:
      return NO;
  }
}

/** The refinements in schema.ts that JSON Schema cannot express; true when all hold. */
function refinementsHold(p: Policy): boolean {
  const globLists = [
    p.editable,
    p.protected,
    p.code.apiPaths,
    p.imports.api,
    p.imports.testApi,
    p.imports.within,
    p.secrets.ignore,
    p.tests.files,
    p.tests.exempt,
    ...p.risk.paths.map((r) => r.paths),
  ];
  if (globLists.some((list) => list.some((g) => globProblem(g) !== undefined))) return false;
  for (const { regex } of [...p.dangerousStrings, ...p.secrets.patterns]) {
    try {
      new RegExp(regex, "u");
    } catch {
      return false;
    }
  }
  if (!p.imports.builtins.every((m) => isBuiltin(m.startsWith("node:") ? m : `node:${m}`))) return false;
  const known = new Set<string>([
    ...RULE_IDS,
    ...BUILTIN_SECRET_NAMES.map((n) => `secrets/${n}`),
    ...p.secrets.patterns.map((s) => `secrets/${s.name}`),
  ]);
  return Object.keys(p.overrides).every((id) => known.has(id));
}

/**
 * The policy for `input` (the merged policy files) when it is certainly valid, with every
 * default filled in; undefined when zod must decide (an invalid policy, or one this reader
 * cannot be sure of).
 */
export function fastParsePolicy(input: unknown): Policy | undefined {
  const s = loadSchema();
  if (!s) return undefined;
  try {
    const r = read(s, input);
    if (r === NO) return undefined;
    return refinementsHold(r as Policy) ? (r as Policy) : undefined;
  } catch {
    return undefined;
  }
}
