// Parsing one code file for the analyzer: syntax only (no type checker, no project), with
// the script kind its extension implies.
import { ts } from "ts-morph";
import { extensionOf } from "../context.ts";

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

export function parseCode(path: string, text: string): ts.SourceFile {
  const kind = SCRIPT_KIND[extensionOf(path)] ?? ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}
