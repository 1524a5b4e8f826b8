// String literals on changed lines: gathered for the secrets check (and returned by
// analyzeCode), checked for names of secret files and devices, and — after the walk — for
// dangerous commands and statements (rm -rf, DROP TABLE …).
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";

// a literal naming a file that holds the process's secrets (/proc/self/environ, .env) or a device
const SECRET_PATH = /^(?:file:\/\/)?\/(?:proc|sys|dev)\/|(?:^|\/)\.env(?:\.[\w.-]+)?$/;

/** "…", `…` and the literal parts of a template (module specifiers are judged as imports). */
export function collectString(a: Analysis, node: ts.LiteralLikeNode): void {
  const p = node.parent;
  const isSpecifier = ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p);
  if (isSpecifier || !a.touched(node)) return;
  const { line, character } = a.lineOf(node.getStart(a.sf));
  const value = node.text;
  a.strings.push({ value, line: line + 1, column: character + 1 });
  if (node.kind !== ts.SyntaxKind.TemplateMiddle && node.kind !== ts.SyntaxKind.TemplateTail && SECRET_PATH.test(value)) {
    a.report(
      node,
      "api/secret-path",
      `names "${value.slice(0, 40)}", a file that holds the process's secrets or a device: plugin code has no files to name`,
    );
  }
}

/** After the walk: a reviewer should see them, even though a plugin has no shell or database to run them on. */
export function judgeDangerousStrings(a: Analysis): void {
  const { policy } = a;
  if (!a.apiRules || policy.dangerousStrings.length === 0) return;
  const patterns = policy.dangerousStrings.map((d) => ({ name: d.name, regex: new RegExp(d.regex, "iu") }));
  for (const lit of a.strings) {
    const hit = patterns.find((p) => p.regex.test(lit.value));
    if (hit)
      a.emitFinding({
        rule: "api/dangerous-string",
        severity: "warning",
        file: a.file.path,
        line: lit.line,
        column: lit.column,
        message: `string contains a dangerous pattern (${hit.name})`,
      });
  }
}
