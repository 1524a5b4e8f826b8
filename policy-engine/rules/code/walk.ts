// The single walk over a parsed file: each node goes to the visitors registered for its kind,
// in the order listed (the order findings come out in), then the walk goes on into its
// children. Types are not walked: they hold no code that runs.
import { ts } from "ts-morph";
import type { Analysis, Descend } from "./analysis.ts";
import { bindAssignment, bindParameter, bindVariable, declareNamed, declareNamespace } from "./bindings.ts";
import { visitCall } from "./calls.ts";
import {
  checkClientDestructuring,
  checkClientElement,
  checkClientForIn,
  checkClientProperty,
  noteClientDeclaration,
} from "./client-token.ts";
import { checkExportDefault, noteExportedVariables, noteNamedExports } from "./exports.ts";
import { checkIdentifierText, checkPropertyNameText } from "./identifiers.ts";
import { collectString } from "./literals.ts";
import { checkBusyLoop } from "./loops.ts";
import { checkReexport, visitImport, visitImportEquals } from "./module-loads.ts";
import { checkAssignment, checkDelete, noteLoopTarget, notePrototypeBinding, noteUpdated } from "./mutation.ts";
import { checkRegExpArgument, checkRegExpLiteral } from "./regex.ts";
import { checkAccessValue, checkArguments, checkComputedAccess, checkIdentifierValue, checkObfuscatedKey } from "./uses.ts";

// A visitor takes the node of the kind it is registered for; `never` lets each one name its own node type.
type Visitor = (a: Analysis, node: never) => Descend;

const VISITORS: Visitor[][] = [];
function on<N extends ts.Node>(kinds: ts.SyntaxKind[], ...visitors: ((a: Analysis, node: N) => Descend)[]): void {
  for (const kind of kinds) (VISITORS[kind] ??= []).push(...(visitors as Visitor[]));
}
const K = ts.SyntaxKind;

// modules: imports, re-exports and exports
on<ts.ImportDeclaration>([K.ImportDeclaration], visitImport);
on<ts.ExportDeclaration>([K.ExportDeclaration], checkReexport, noteNamedExports);
on<ts.ExportAssignment>([K.ExportAssignment], checkExportDefault);
on<ts.VariableStatement>([K.VariableStatement], noteExportedVariables);
on<ts.ImportEqualsDeclaration>([K.ImportEqualsDeclaration], visitImportEquals);

// declarations and bindings
on<ts.FunctionDeclaration | ts.FunctionExpression | ts.ClassLikeDeclaration | ts.EnumDeclaration>(
  [K.FunctionDeclaration, K.FunctionExpression, K.ClassDeclaration, K.ClassExpression, K.EnumDeclaration],
  declareNamed,
);
on<ts.ModuleDeclaration>([K.ModuleDeclaration], declareNamespace);
on<ts.VariableDeclaration>([K.VariableDeclaration], checkClientDestructuring, notePrototypeBinding, noteClientDeclaration, bindVariable);
on<ts.ParameterDeclaration>([K.Parameter], noteClientDeclaration, bindParameter);

// assignments and other writes
on<ts.BinaryExpression>([K.BinaryExpression], bindAssignment, checkAssignment);
on<ts.PrefixUnaryExpression | ts.PostfixUnaryExpression>([K.PrefixUnaryExpression, K.PostfixUnaryExpression], noteUpdated);
on<ts.DeleteExpression>([K.DeleteExpression], checkDelete);

// loops
on<ts.ForOfStatement>([K.ForOfStatement], noteLoopTarget);
on<ts.ForInStatement>([K.ForInStatement], noteLoopTarget, checkClientForIn);
on<ts.ForStatement | ts.WhileStatement | ts.DoStatement>([K.ForStatement, K.WhileStatement, K.DoStatement], checkBusyLoop);

// calls
on<ts.CallExpression | ts.NewExpression>([K.CallExpression, K.NewExpression], visitCall);

// uses of values
on<ts.ElementAccessExpression>([K.ElementAccessExpression], checkObfuscatedKey, checkComputedAccess, checkClientElement, checkAccessValue);
on<ts.PropertyAccessExpression>([K.PropertyAccessExpression], checkClientProperty, checkAccessValue, checkPropertyNameText);
on<ts.Identifier>([K.Identifier], checkIdentifierText, checkArguments, checkIdentifierValue);

// literals
on<ts.LiteralLikeNode>(
  [K.StringLiteral, K.NoSubstitutionTemplateLiteral, K.TemplateHead, K.TemplateMiddle, K.TemplateTail],
  collectString,
  checkRegExpArgument,
);
on<ts.RegularExpressionLiteral>([K.RegularExpressionLiteral], checkRegExpLiteral);

/** Walks `root` and everything below it once. */
export function walk(a: Analysis, root: ts.Node): void {
  const visit = (node: ts.Node): void => {
    const k = node.kind;
    if ((k >= K.FirstTypeNode && k <= K.LastTypeNode) || k === K.InterfaceDeclaration || k === K.TypeAliasDeclaration) return;
    const visitors = VISITORS[k];
    let descend = true;
    if (visitors !== undefined) for (const v of visitors) if (v(a, node as never) === "skip-children") descend = false;
    if (!descend) return;
    // the name in `x.name` is no reference (its text was checked above): only the object side is walked
    if (k === K.PropertyAccessExpression) visit((node as ts.PropertyAccessExpression).expression);
    else ts.forEachChild(node, visit);
  };
  visit(root);
}
