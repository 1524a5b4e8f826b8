// The single walk over a parsed file: each node goes to the visitors registered for its type,
// in the order listed (the order findings come out in), then the walk goes on into its
// children. Types are not walked: they hold no code that runs (the expressions inside
// `as`, `satisfies`, `!`, `<T>x`, enum initialisers and namespace bodies are).
import type { Analysis, Descend } from "./analysis.ts";
import { forEachChild, isFunctionNode, type Node, type Of } from "./ast.ts";
import {
  bindAssignment,
  bindParameter,
  bindVariable,
  declaratorParts,
  declareNamed,
  declareNamespace,
  inBindingPattern,
  parameterParts,
  type Declaration,
} from "./bindings.ts";
import { visitCall } from "./calls.ts";
import { checkClientDestructuring, checkClientForIn, checkClientMemberAccess, noteClientDeclaration } from "./client-token.ts";
import { checkExportDefault, noteNamedExports } from "./exports.ts";
import { checkIdentifierText, checkPropertyNameText } from "./identifiers.ts";
import { collectStringLiteral, collectTemplatePart } from "./literals.ts";
import { checkBusyLoop } from "./loops.ts";
import { checkDynamicImport, checkReexport, visitImport, visitImportEquals } from "./module-loads.ts";
import { checkAssignment, checkDelete, noteLoopTarget, notePrototypeBinding, noteUpdated } from "./mutation.ts";
import { checkRegExpArgument, checkRegExpLiteral } from "./regex.ts";
import { checkAccessValue, checkArguments, checkComputedAccess, checkIdentifierValue, checkObfuscatedKey } from "./uses.ts";

// A visitor takes the node of the type it is registered for; `never` lets each one name its own node type.
type Visitor = (a: Analysis, node: never) => Descend;

const VISITORS = new Map<string, Visitor[]>();
function on<T extends Node["type"]>(types: T[], ...visitors: ((a: Analysis, node: Of<T>) => Descend)[]): void {
  for (const t of types) VISITORS.set(t, [...(VISITORS.get(t) ?? []), ...(visitors as Visitor[])]);
}

// a variable declarator, a catch clause's variable and a parameter are declarations alike
const declaration =
  (...visitors: ((a: Analysis, d: Declaration) => void)[]) =>
  (a: Analysis, d: Declaration): void => {
    for (const v of visitors) v(a, d);
  };
const visitDeclarator = declaration(checkClientDestructuring, noteClientDeclaration, bindVariable);
const visitParameter = declaration(noteClientDeclaration, bindParameter);

// modules: imports, re-exports and exports
on(["ImportDeclaration"], visitImport);
on(["ExportNamedDeclaration"], checkReexport, noteNamedExports);
on(["ExportAllDeclaration"], checkReexport);
on(["ExportDefaultDeclaration", "TSExportAssignment"], checkExportDefault);
on(["TSImportEqualsDeclaration"], visitImportEquals);

// declarations and bindings
on(
  ["FunctionDeclaration", "FunctionExpression", "TSDeclareFunction", "ClassDeclaration", "ClassExpression", "TSEnumDeclaration"],
  declareNamed,
);
on(["TSModuleDeclaration"], declareNamespace);
on(["VariableDeclarator"], (a, d) => {
  const parts = declaratorParts(d);
  checkClientDestructuring(a, parts);
  notePrototypeBinding(a, d);
  noteClientDeclaration(a, parts);
  bindVariable(a, parts);
});
on(["CatchClause"], (a, c) => {
  if (c.param) visitDeclarator(a, { node: c.param, name: c.param, initializer: undefined, type: declaratorType(c.param) });
});

// assignments and other writes
on(["AssignmentExpression"], bindAssignment, checkAssignment);
// `[x = value] = …` assigns too (in a declaration or a parameter it is a default instead)
on(["AssignmentPattern"], (a, p) => {
  if (inBindingPattern(p) || (p.parent?.type === "Property" && p.parent.shorthand)) return;
  bindAssignment(a, p);
  checkAssignment(a, p);
});
on(["UpdateExpression"], noteUpdated);
on(["UnaryExpression"], checkDelete);

// loops
on(["ForOfStatement"], noteLoopTarget);
on(["ForInStatement"], noteLoopTarget, checkClientForIn);
on(["ForStatement", "WhileStatement", "DoWhileStatement"], checkBusyLoop);

// calls
on(["CallExpression", "NewExpression"], visitCall);
on(["ImportExpression"], checkDynamicImport);

// uses of values
on(["MemberExpression"], (a, m) => {
  if (m.computed) {
    checkObfuscatedKey(a, m);
    checkComputedAccess(a, m);
    checkClientMemberAccess(a, m);
    checkAccessValue(a, m);
  } else {
    checkClientMemberAccess(a, m);
    checkAccessValue(a, m);
    checkPropertyNameText(a, m);
  }
});
on(["Identifier"], checkIdentifierText, checkArguments, checkIdentifierValue);
on(["JSXIdentifier"], checkIdentifierText);

// literals
on(["Literal"], (a, l) => {
  if (typeof l.value === "string") {
    collectStringLiteral(a, l);
    checkRegExpArgument(a, l);
  } else if ("regex" in l && l.regex !== undefined) checkRegExpLiteral(a, l);
});
on(["TemplateLiteral"], (a, t) => {
  if (t.expressions.length === 0) checkRegExpArgument(a, t);
});
on(["TemplateElement"], collectTemplatePart);

// type-only declarations and the keys that hold types
const TYPE_DECLARATIONS = new Set(["TSInterfaceDeclaration", "TSTypeAliasDeclaration", "TSIndexSignature"]);
const TYPE_KEYS = new Set(["typeAnnotation", "typeArguments", "returnType", "superTypeArguments", "implements"]);

function declaratorType(n: Node): Node | undefined {
  return (n as { typeAnnotation?: Of<"TSTypeAnnotation"> | null }).typeAnnotation?.typeAnnotation ?? undefined;
}

/**
 * Walks `root` and everything below it once, linking each node to its parent as it goes
 * (oxc's tree has no parent links): a visitor may look up from the node it is given, not
 * at the parents of nodes below it, which the walk has not reached yet.
 */
export function walk(a: Analysis, root: Node): void {
  const visit = (node: Node, parent: Node | undefined): void => {
    if (parent !== undefined) (node as { parent?: Node }).parent = parent;
    const t = node.type;
    if (TYPE_DECLARATIONS.has(t)) return;
    const visitors = VISITORS.get(t);
    let descend = true;
    if (visitors !== undefined) for (const v of visitors) if (v(a, node as never) === "skip-children") descend = false;
    if (!descend) return;
    // the name in `x.name` is no reference (its text was checked above): only the object side is walked
    if (t === "MemberExpression" && !node.computed) {
      visit(node.object, node);
      return;
    }
    // a template's parts in source order: text, ${expression}, text … (ESTree lists them apart)
    if (t === "TemplateLiteral") {
      node.quasis.forEach((q, i) => {
        visit(q, node);
        const e = node.expressions[i] as Node | undefined;
        if (e !== undefined) visit(e, node);
      });
      return;
    }
    // `{ a }`: the key and the value are one name; the value is what is used
    const shorthand = t === "Property" && node.shorthand;
    const fn = isFunctionNode(node);
    forEachChild(node, (child, key) => {
      if (TYPE_KEYS.has(key) || (shorthand && key === "key")) return;
      if (key === "typeParameters") {
        // type parameters hold no code, but their names are read like any other
        if (child.type === "TSTypeParameterDeclaration") for (const p of child.params) checkIdentifierText(a, p.name);
        return;
      }
      if (fn && key === "params") visitParameter(a, parameterParts(child));
      visit(child, node);
    });
  };
  visit(root, undefined);
}
