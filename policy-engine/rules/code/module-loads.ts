// Where code loads a module: import declarations, re-exports, `import x = require(…)`,
// import(), require() (and module.require, process.getBuiltinModule) and vitest's loaders.
// A literal specifier is judged by the allowlist (imports.ts) and binds the names it brings
// in; a computed one hides what is loaded.
import { ts } from "ts-morph";
import type { Analysis, Descend } from "./analysis.ts";
import { declare } from "./bindings.ts";
import { checkModule } from "./imports.ts";
import { checkValue } from "./uses.ts";
import { member, modulePath } from "./values.ts";

// vitest's module loaders: vi.importActual("node:child_process") is an import by another name
const VI_LOADERS = new Set(["importActual", "importMock", "mock", "doMock", "unmock", "doUnmock"]);

/** import x, * as ns, { a as b } from "m": the names become aliases of the module's members. */
export function visitImport(a: Analysis, d: ts.ImportDeclaration): Descend {
  if (!ts.isStringLiteral(d.moduleSpecifier)) return;
  const clause = d.importClause;
  if (clause?.isTypeOnly) return "skip-children";
  const spec = d.moduleSpecifier.text;
  checkModule(a, spec, d);
  const base = modulePath(spec);
  declare(a, clause?.name);
  if (clause?.name) a.bind(clause.name.text, base, d);
  const bindings = clause?.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    declare(a, bindings.name);
    a.bind(bindings.name.text, base, d);
  } else if (bindings && ts.isNamedImports(bindings)) {
    for (const el of bindings.elements) {
      declare(a, el.name);
      if (el.isTypeOnly) continue;
      const imported = (el.propertyName ?? el.name).text;
      // import { default as p } from "node:process" is the process object itself
      const path = imported === "default" ? base : member(base, imported);
      if (path !== undefined) {
        a.bind(el.name.text, path, d);
        checkValue(a, path, el, "alias");
      }
    }
  }
  // the names are bound above; nothing below the declaration is a use
  return "skip-children";
}

/** export … from "m" */
export function checkReexport(a: Analysis, d: ts.ExportDeclaration): Descend {
  if (d.isTypeOnly) return "skip-children";
  if (d.moduleSpecifier && ts.isStringLiteral(d.moduleSpecifier)) checkModule(a, d.moduleSpecifier.text, d);
}

/** import x = require("m") */
export function visitImportEquals(a: Analysis, d: ts.ImportEqualsDeclaration): void {
  declare(a, d.name);
  if (ts.isExternalModuleReference(d.moduleReference) && ts.isStringLiteral(d.moduleReference.expression)) {
    checkModule(a, d.moduleReference.expression.text, d);
    a.bind(d.name.text, modulePath(d.moduleReference.expression.text), d);
  }
}

/** import("m") */
export function checkDynamicImport(a: Analysis, node: ts.CallExpression): void {
  const spec = node.arguments[0] ? a.scope.fold(node.arguments[0]) : undefined;
  if (spec !== undefined) checkModule(a, spec, node);
  else if (a.api.dynamicModules) a.report(node, "api/dynamic-import", "import() with a non-literal specifier");
}

/** vi.importActual("m"), vi.mock("m") …; true when `callee` is one of them. */
export function checkTestLoaderCall(a: Analysis, node: ts.Node, callee: string, arg0: ts.Expression | undefined): boolean {
  const vi = /^(?:vi|module:vitest#(?:vi|vitest))\.(\w+)$/.exec(callee);
  if (!vi || !VI_LOADERS.has(vi[1])) return false;
  const spec = arg0 ? a.scope.fold(arg0) : undefined;
  if (spec !== undefined) checkModule(a, spec, node);
  else a.report(node, "api/dynamic-import", `vi.${vi[1]}() with a non-literal specifier`);
  return true;
}

/** require("m"), module.require("m"), process.getBuiltinModule("m"); true when `callee` is one of them. */
export function checkRequireCall(a: Analysis, node: ts.Node, callee: string, arg0: ts.Expression | undefined): boolean {
  if (callee !== "require" && callee !== "module.require" && callee !== "process.getBuiltinModule") return false;
  const spec = arg0 ? a.scope.fold(arg0) : undefined;
  if (spec !== undefined) checkModule(a, spec, node);
  else if (a.api.dynamicModules) a.report(node, "api/dynamic-require", "require() with a non-literal specifier");
  return true;
}
