// Where code loads a module: import declarations, re-exports, `import x = require(…)`,
// import(), require() (and module.require, process.getBuiltinModule) and vitest's loaders.
// A literal specifier is judged by the allowlist (imports.ts) and binds the names it brings
// in; a computed one hides what is loaded.
import type { Analysis, Descend } from "./analysis.ts";
import { isIdentifier, type Node, type Of } from "./ast.ts";
import { declare } from "./bindings.ts";
import { checkModule } from "./imports.ts";
import { checkValue } from "./uses.ts";
import { member, modulePath } from "./values.ts";

// vitest's module loaders: vi.importActual("node:child_process") is an import by another name
const VI_LOADERS = new Set(["importActual", "importMock", "mock", "doMock", "unmock", "doUnmock"]);

/** The text of an import or export name: an identifier or a string ("a-b"). */
function nameText(n: Node): string {
  return isIdentifier(n) ? n.name : n.type === "Literal" ? String(n.value) : "";
}

/** import x, * as ns, { a as b } from "m": the names become aliases of the module's members. */
export function visitImport(a: Analysis, d: Of<"ImportDeclaration">): Descend {
  // import type … (a type-only default or namespace import, or `import type { … }`)
  if (d.importKind === "type") return "skip-children";
  const spec = d.source.value;
  checkModule(a, spec, d);
  const base = modulePath(spec);
  for (const s of d.specifiers) {
    if (s.type === "ImportDefaultSpecifier" || s.type === "ImportNamespaceSpecifier") {
      declare(a, s.local);
      a.bind(s.local.name, base, d);
      continue;
    }
    declare(a, s.local);
    if (s.importKind === "type") continue;
    const imported = nameText(s.imported);
    // import { default as p } from "node:process" is the process object itself
    const path = imported === "default" ? base : member(base, imported);
    if (path !== undefined) {
      a.bind(s.local.name, path, d);
      checkValue(a, path, s, "alias");
    }
  }
  // the names are bound above; nothing below the declaration is a use
  return "skip-children";
}

/** export … from "m" */
export function checkReexport(a: Analysis, d: Of<"ExportNamedDeclaration"> | Of<"ExportAllDeclaration">): Descend {
  if (d.exportKind === "type") return "skip-children";
  if (d.source) checkModule(a, d.source.value, d);
}

/** import x = require("m") */
export function visitImportEquals(a: Analysis, d: Of<"TSImportEqualsDeclaration">): void {
  declare(a, d.id);
  if (d.moduleReference.type === "TSExternalModuleReference") {
    checkModule(a, d.moduleReference.expression.value, d);
    a.bind(d.id.name, modulePath(d.moduleReference.expression.value), d);
  }
}

/** import("m") */
export function checkDynamicImport(a: Analysis, node: Of<"ImportExpression">): void {
  const spec = a.scope.fold(node.source);
  if (spec !== undefined) checkModule(a, spec, node);
  else if (a.api.dynamicModules) a.report(node, "api/dynamic-import", "import() with a non-literal specifier");
}

/** vi.importActual("m"), vi.mock("m") …; true when `callee` is one of them. */
export function checkTestLoaderCall(a: Analysis, node: Node, callee: string, arg0: Node | undefined): boolean {
  const vi = /^(?:vi|module:vitest#(?:vi|vitest))\.(\w+)$/.exec(callee);
  if (!vi || !VI_LOADERS.has(vi[1])) return false;
  const spec = arg0 ? a.scope.fold(arg0) : undefined;
  if (spec !== undefined) checkModule(a, spec, node);
  else a.report(node, "api/dynamic-import", `vi.${vi[1]}() with a non-literal specifier`);
  return true;
}

/** require("m"), module.require("m"), process.getBuiltinModule("m"); true when `callee` is one of them. */
export function checkRequireCall(a: Analysis, node: Node, callee: string, arg0: Node | undefined): boolean {
  if (callee !== "require" && callee !== "module.require" && callee !== "process.getBuiltinModule") return false;
  const spec = arg0 ? a.scope.fold(arg0) : undefined;
  if (spec !== undefined) checkModule(a, spec, node);
  else if (a.api.dynamicModules) a.report(node, "api/dynamic-require", "require() with a non-literal specifier");
  return true;
}
