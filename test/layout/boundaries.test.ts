// The layout's one hard rule, checked on every import: app/ and bot/ never import each other;
// what they share lives in contract/ (the link, settings, handover, deployments) and
// policy-engine/ (the policy library); the deploy hook and the Action stand on those alone.
// Specifiers are read from the syntax tree (type-only imports included: a type is a coupling too).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Each top-level area and the areas it may import (besides itself and packages). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  app: ["contract", "policy-engine"],
  bot: ["contract", "policy-engine"],
  "deploy-hook": ["contract", "policy-engine"],
  actions: ["policy-engine"],
  contract: [],
  "policy-engine": [],
  // Local mode reads the policy's role names and follows the app's progress over the link.
  local: ["contract", "policy-engine"],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Every relative module specifier in a source: import/export declarations, import types, import() calls. */
function specifiers(path: string, text: string): string[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const take = (n: ts.Node | undefined) => {
    if (n && ts.isStringLiteralLike(n) && n.text.startsWith(".")) out.push(n.text);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) take(n.moduleSpecifier);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) take(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) take(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const areaOf = (abs: string): string => relative(ROOT, abs).split(sep)[0];

function crossings(area: string): { file: string; imports: string }[] {
  const allowed = new Set([area, ...MAY_IMPORT[area]]);
  return files(join(ROOT, area)).flatMap((file) =>
    specifiers(file, readFileSync(file, "utf8"))
      .map((spec) => ({ file: relative(ROOT, file), imports: relative(ROOT, resolve(dirname(file), spec)) }))
      .filter((i) => !allowed.has(areaOf(join(ROOT, i.imports)))),
  );
}

describe("the layout's import boundaries", () => {
  it.each(Object.keys(MAY_IMPORT))("%s imports only what it may", (area) => {
    expect(crossings(area)).toEqual([]);
  });

  it("the scan sees every kind of import (a planted one is found)", () => {
    const text = [
      'import { a } from "../../bot/x.ts";',
      'import type { B } from "../app/y.ts";',
      'export { c } from "./c.ts";',
      'const d = await import("../d.ts");',
      'type E = import("../e.ts").E;',
      'const s = "../not-an-import.ts";',
    ].join("\n");
    expect(specifiers("planted.ts", text)).toEqual(["../../bot/x.ts", "../app/y.ts", "./c.ts", "../d.ts", "../e.ts"]);
  });
});
