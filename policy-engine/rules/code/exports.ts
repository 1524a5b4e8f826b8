// Exported aliases: `export const e = eval`, `export { fs }`, `export default process` hand
// a dangerous value to another file, where the check can no longer see what it is.
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { GLOBAL_NAMES } from "./mutation.ts";
import { envAllowed, isSensitive } from "./uses.ts";
import { CONSTRUCTOR, FUNCTION_LITERAL, GLOBAL, GLOBAL_OBJECTS, splitModulePath } from "./values.ts";

/** export { a, b as c } (not a re-export: that is an import, see imports.ts). */
export function noteNamedExports(a: Analysis, d: ts.ExportDeclaration): void {
  if (d.isTypeOnly || (d.moduleSpecifier && ts.isStringLiteral(d.moduleSpecifier))) return;
  if (d.exportClause && ts.isNamedExports(d.exportClause)) {
    for (const el of d.exportClause.elements) if (!el.isTypeOnly) a.exported.push({ name: (el.propertyName ?? el.name).text, node: el });
  }
}

/** export const a = …, export let { b } = … */
export function noteExportedVariables(a: Analysis, v: ts.VariableStatement): void {
  if (!(ts.getModifiers(v) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
  const names = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) a.exported.push({ name: n.text, node: n });
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) names(el.name);
  };
  for (const d of v.declarationList.declarations) names(d.name);
}

/** export default process, export default x.constructor */
export function checkExportDefault(a: Analysis, node: ts.ExportAssignment): void {
  const risk = exportRisk(a, a.scope.resolve(node.expression));
  if (risk) a.report(node, "api/exported-alias", `exports ${risk}: another file could use it where the check cannot see what it is`);
}

/** After the walk: what each exported name is bound to, anywhere in the file. */
export function judgeExports(a: Analysis): void {
  for (const { name, node } of a.exported) {
    const global = GLOBAL_NAMES.has(name) && !a.declared.has(name) ? (GLOBAL_OBJECTS.has(name) ? GLOBAL : name) : undefined;
    const risk = exportRisk(a, a.scope.aliases.get(name) ?? global);
    if (risk)
      a.report(
        node,
        "api/exported-alias",
        `exports ${risk === name ? name : `${name}, which is ${risk}`}: another file could use it where the check cannot see what it is`,
      );
  }
}

/** What exporting a value with this path hands to other files, if that is dangerous. */
function exportRisk(a: Analysis, path: string | undefined): string | undefined {
  if (path === undefined || path === FUNCTION_LITERAL) return undefined;
  const mod = splitModulePath(path);
  if (mod) return isSensitive(a, `module:${mod.module}`) ? `the "${mod.module}" module${mod.member ? `'s ${mod.member}` : ""}` : undefined;
  if (path.startsWith("process.env.") && envAllowed(a, path.slice("process.env.".length))) return undefined;
  if (path === GLOBAL) return "the global object";
  if (path === CONSTRUCTOR) return "a .constructor (the Function constructor for any function)";
  return path;
}
