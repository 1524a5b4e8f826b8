// Registers a plugin in the explicit registry bot/plugins/index.ts: one import and one
// array element, edited on the syntax tree.
import { SyntaxKind } from "ts-morph";
import type { EditSession } from "./project.ts";
import { camel } from "./project.ts";

export const REGISTRY = "bot/plugins/index.ts";

/** Words that cannot name an import binding (plugin names like "delete" or "new" are valid). */
const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity".split(
    " ",
  ),
);

export function registerPlugin(session: EditSession, name: string): void {
  const sf = session.open(REGISTRY);
  const specifier = `./${name}/index.ts`;
  if (sf.getImportDeclaration((d) => d.getModuleSpecifierValue() === specifier)) {
    throw new Error(`plugin "${name}" is already registered in ${REGISTRY}`);
  }
  const taken = new Set(sf.getDescendantsOfKind(SyntaxKind.Identifier).map((i) => i.getText()));
  let ident = camel(name);
  if (taken.has(ident) || RESERVED.has(ident)) ident = `${ident}Plugin`;
  for (let i = 2; taken.has(ident); i++) ident = `${camel(name)}Plugin${i}`;

  const decl = sf.getVariableDeclaration("plugins");
  const array = decl?.getInitializerIfKind(SyntaxKind.ArrayLiteralExpression);
  if (!array) throw new Error(`${REGISTRY} has no \`plugins\` array literal to register "${name}" in`);

  sf.addImportDeclaration({ defaultImport: ident, moduleSpecifier: specifier });
  array.addElement(ident);
}
