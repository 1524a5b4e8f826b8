// Parsing one code file for the analyzer with oxc-parser: syntax only (no type checker, no
// project), in the dialect its extension implies. oxc gives positions as UTF-16 offsets (the
// same units as JavaScript strings) and, on a syntax error it cannot recover from, an empty
// program: the caller must not take that for a clean file. The walk (walk.ts) links
// parents.
import { parseSync } from "oxc-parser";
import type { Program } from "oxc-parser";
import { extensionOf } from "../context.ts";

const LANG: Record<string, "ts" | "tsx" | "js" | "jsx"> = {
  ts: "ts",
  mts: "ts",
  cts: "ts",
  tsx: "tsx",
  js: "js",
  mjs: "js",
  cjs: "js",
  jsx: "jsx",
};

export interface Parsed {
  program: Program;
  /** The first syntax error, if any (the program is then partial or empty). */
  error: { message: string; pos: number } | undefined;
}

export function parseCode(path: string, text: string): Parsed {
  const ext = extensionOf(path);
  const lang = path.endsWith(".d.ts") || path.endsWith(".d.mts") || path.endsWith(".d.cts") ? "dts" : (LANG[ext] ?? "ts");
  // CommonJS files may `return` at the top level; everything else is judged as written
  const sourceType = ext === "cjs" || ext === "cts" ? "commonjs" : "unambiguous";
  const result = parseSync(path, text, { lang, sourceType, preserveParens: true });
  const program = result.program;
  const first = result.errors[0];
  return {
    program,
    error: first === undefined ? undefined : { message: first.message, pos: first.labels[0]?.start ?? 0 },
  };
}

/** Start offsets of the lines of `text`, split as TypeScript splits them (\n, \r\n, \r, U+2028, U+2029). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
  }
  return starts;
}

/** 0-based line and character (UTF-16 units) of an offset. */
export function lineAndCharacter(starts: readonly number[], pos: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: pos - starts[lo] };
}
