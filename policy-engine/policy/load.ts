// Loading policy files: YAML with source positions → one merged object → the strict zod
// schema. Every problem becomes a PolicyError naming file, line and column; any error
// means no policy (the engine then blocks: fail closed).
//
// How several files combine: `policies/ouro.yml` is the main file and must exist. Other
// `policies/*.yml|yaml` files are merged into it key by key (mappings merge recursively,
// in path order). A key set to a value in two files is an error naming both files, so no
// file can silently override another.
//
// A valid policy is read without loading zod (fast-parse.ts); zod and the schema are loaded
// (synchronously, with require()) only to decide a policy that reader is not sure of.
import { createRequire } from "node:module";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import type { PolicyError } from "../types.ts";
import type { Policy } from "./schema.ts";
import { fastParsePolicy } from "./fast-parse.ts";

const require = createRequire(import.meta.url);

export interface PolicyFile {
  /** Path relative to the repository root, e.g. `policies/ouro.yml`. */
  path: string;
  text: string;
}

export type LoadResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

export const POLICY_DIR = "policies";
export const MAIN_POLICY_FILE = `${POLICY_DIR}/ouro.yml`;
/** Policy files are the YAML files directly in policies/. */
export function isPolicyFile(path: string): boolean {
  return /^policies\/[^/]+\.ya?ml$/.test(path);
}

interface ParsedFile {
  path: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

const MAX_POLICY_BYTES = 1_000_000;

export function loadPolicy(files: PolicyFile[]): LoadResult {
  const policyFiles = files
    .filter((f) => isPolicyFile(f.path))
    .sort((a, b) => order(a.path) - order(b.path) || a.path.localeCompare(b.path));
  if (policyFiles.length === 0) {
    return fail([
      { file: POLICY_DIR, message: `no policy files found (expected ${MAIN_POLICY_FILE}); refusing to judge without a policy` },
    ]);
  }
  if (!policyFiles.some((f) => f.path === MAIN_POLICY_FILE)) {
    return fail([{ file: MAIN_POLICY_FILE, message: `the main policy file ${MAIN_POLICY_FILE} is missing` }]);
  }
  const errors: PolicyError[] = [];
  const seen = new Set<string>();
  for (const f of policyFiles) {
    if (seen.has(f.path)) errors.push({ file: f.path, message: "the same policy file was given twice" });
    seen.add(f.path);
  }
  if (errors.length > 0) return fail(errors);
  const parsed: ParsedFile[] = [];
  for (const file of policyFiles) {
    if (file.text.length > MAX_POLICY_BYTES) {
      errors.push({ file: file.path, message: `policy file is larger than ${MAX_POLICY_BYTES} bytes` });
      continue;
    }
    const lines = new LineCounter();
    const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true });
    for (const problem of [...doc.errors, ...doc.warnings]) {
      const pos = problem.linePos?.[0];
      errors.push({
        file: file.path,
        line: pos?.line,
        column: pos?.col,
        message: firstLine(problem.message).replace(/ at line \d+, column \d+:?$/, ""),
      });
    }
    if (doc.errors.length === 0 && doc.warnings.length === 0) {
      if (doc.contents !== null && !isMap(doc.contents)) {
        errors.push({
          file: file.path,
          ...position(lines, doc.contents.range?.[0]),
          message: "a policy file must be a YAML mapping (key: value)",
        });
      } else parsed.push({ path: file.path, doc, lines });
    }
  }
  if (errors.length > 0) return fail(errors);

  // Merge into one plain object, remembering which file set each path.
  let merged: Record<string, unknown> = {};
  const owner = new Map<string, ParsedFile>();
  for (const file of parsed) {
    let value: unknown;
    try {
      value = file.doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (err) {
      errors.push({ file: file.path, message: firstLine((err as Error).message) });
      continue;
    }
    merged = mergeInto(merged, value as Record<string, unknown>, [], file, owner, parsed, errors);
  }
  if (errors.length > 0) return fail(errors);

  const fast = fastParsePolicy(merged);
  if (fast !== undefined) return { ok: true, policy: fast };
  const { policySchema } = require("./schema.ts") as typeof import("./schema.ts");
  const result = policySchema.safeParse(merged);
  if (result.success) return { ok: true, policy: result.data };
  return fail(result.error.issues.map((issue) => issueToError(issue, parsed)));
}

function order(path: string): number {
  return path === MAIN_POLICY_FILE ? 0 : 1;
}

/** Errors in reading order: by file, then line, then column. */
function fail(errors: PolicyError[]): LoadResult {
  const sorted = [...errors].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { ok: false, errors: sorted };
}

function firstLine(message: string): string {
  return message.split("\n")[0].trim();
}

function position(lines: LineCounter, offset: number | undefined): { line?: number; column?: number } {
  if (offset === undefined) return {};
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  path: string[],
  file: ParsedFile,
  owner: Map<string, ParsedFile>,
  all: ParsedFile[],
  errors: PolicyError[],
): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const here = [...path, key];
    const id = JSON.stringify(here);
    if (!(key in target)) {
      target[key] = value;
      owner.set(id, file);
      continue;
    }
    if (isPlainObject(target[key]) && isPlainObject(value)) {
      mergeInto(target[key] as Record<string, unknown>, value, here, file, owner, all, errors);
      continue;
    }
    const first = owner.get(id) ?? ownerOf(here, all);
    errors.push({
      file: file.path,
      ...keyPosition(file, path, key),
      message: `"${here.join(".")}" is already set in ${first?.path ?? "another policy file"}; a key may be set in one policy file only`,
    });
  }
  return target;
}

function ownerOf(path: (string | number)[], files: ParsedFile[]): ParsedFile | undefined {
  return files.find((f) => f.doc.hasIn(path));
}

/** Position of `key` inside the mapping at `parent` in one file. */
function keyPosition(file: ParsedFile, parent: (string | number)[], key: string): { line?: number; column?: number } {
  const map = parent.length === 0 ? file.doc.contents : file.doc.getIn(parent, true);
  if (isMap(map)) {
    for (const pair of map.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key) return position(file.lines, pair.key.range?.[0]);
    }
    return position(file.lines, map.range?.[0]);
  }
  return {};
}

/** Position of the deepest node that exists along `path`, in the first file that has it. */
function nodePosition(files: ParsedFile[], path: (string | number)[]): { file: string; line?: number; column?: number } {
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    for (const file of files) {
      const node = file.doc.getIn(prefix, true);
      if (isMap(node) || isSeq(node) || isScalar(node)) return { file: file.path, ...position(file.lines, node.range?.[0]) };
    }
  }
  const main = files[0];
  if (!main) return { file: MAIN_POLICY_FILE };
  return { file: main.path, ...position(main.lines, main.doc.contents?.range?.[0]) };
}

function issueToError(issue: z.core.$ZodIssue, files: ParsedFile[]): PolicyError {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const dotted = path.length > 0 ? path.join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const file = files.find((f) => {
      const map = path.length === 0 ? f.doc.contents : f.doc.getIn(path, true);
      return isMap(map) && map.items.some((p) => isScalar(p.key) && String(p.key.value) === key);
    });
    const where = file ? { file: file.path, ...keyPosition(file, path, key) } : nodePosition(files, path);
    const list = issue.keys.map((k) => `"${k}"`).join(", ");
    return { ...where, message: `unknown key ${list} in ${dotted}` };
  }
  return { ...nodePosition(files, path), message: `${dotted}: ${issue.message}` };
}
