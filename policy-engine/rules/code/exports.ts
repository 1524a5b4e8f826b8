// Exported aliases: `export const e = eval`, `export { fs }`, `export default process` hand
// a dangerous value to another file, where the check can no longer see what it is.
import type { Analysis } from "./analysis.ts";
import { isIdentifier, type Node, type Of } from "./ast.ts";
import { GLOBAL_NAMES } from "./mutation.ts";
import { envAllowed, isSensitive } from "./uses.ts";
import { CONSTRUCTOR, FUNCTION_LITERAL, GLOBAL, GLOBAL_OBJECTS, splitModulePath } from "./values.ts";

/** export { a, b as c } (not a re-export: that is an import, see imports.ts); export const a = …, export let { b } = … */
export function noteNamedExports(a: Analysis, d: Of<"ExportNamedDeclaration">): void {
  if (d.exportKind === "type" || d.source) return;
  for (const el of d.specifiers) {
    if (el.exportKind !== "type" && isIdentifier(el.local)) a.exported.push({ name: el.local.name, node: el });
  }
  if (d.declaration?.type === "VariableDeclaration") noteExportedVariables(a, d.declaration);
}

function noteExportedVariables(a: Analysis, v: Of<"VariableDeclaration">): void {
  const names = (n: Node | null): void => {
    if (n === null) return;
    if (isIdentifier(n)) a.exported.push({ name: n.name, node: n });
    else if (n.type === "ObjectPattern") for (const p of n.properties) names(p.type === "RestElement" ? p.argument : p.value);
    else if (n.type === "ArrayPattern") for (const el of n.elements) names(el);
    else if (n.type === "AssignmentPattern") names(n.left);
    else if (n.type === "RestElement") names(n.argument);
  };
  for (const d of v.declarations) names(d.id);
}

/** export default process, export default x.constructor, export = process */
export function checkExportDefault(a: Analysis, node: Of<"ExportDefaultDeclaration"> | Of<"TSExportAssignment">): void {
  const value = node.type === "TSExportAssignment" ? node.expression : node.declaration;
  // export default function / class …: a declaration, no alias
  if (value.type === "FunctionDeclaration" || value.type === "ClassDeclaration" || value.type === "TSInterfaceDeclaration") return;
  const risk = exportRisk(a, a.scope.resolve(value));
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
