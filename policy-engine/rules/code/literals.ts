// String literals on changed lines: gathered for the secrets check (and returned by
// analyzeCode), checked for names of secret files and devices, and — after the walk — for
// dangerous commands and statements (rm -rf, DROP TABLE …).
import type { Analysis } from "./analysis.ts";
import { templateText, type Literal, type Node, type TemplateElement } from "./ast.ts";

// a literal naming a file that holds the process's secrets (/proc/self/environ, .env) or a device
const SECRET_PATH = /^(?:file:\/\/)?\/(?:proc|sys|dev)\/|(?:^|\/)\.env(?:\.[\w.-]+)?$/;

/** "…" (a string literal) */
export function collectStringLiteral(a: Analysis, node: Literal): void {
  if (typeof node.value !== "string") return;
  const p = node.parent;
  const isSpecifier =
    p?.type === "ImportDeclaration" ||
    p?.type === "ExportNamedDeclaration" ||
    p?.type === "ExportAllDeclaration" ||
    p?.type === "TSExternalModuleReference";
  if (!isSpecifier) collect(a, node, node.value, true);
}

/** `…` and the literal parts of a template (placed at the backtick or the `}` before them). */
export function collectTemplatePart(a: Analysis, el: TemplateElement): void {
  const t = el.parent;
  if (t?.type !== "TemplateLiteral") return;
  const first = t.quasis[0] === el;
  // TS-ESTree spans a part with its delimiters (`…${, }…${, }…`), ESTree (JavaScript) without
  const withDelimiters = t.quasis[0].start === t.start;
  const span = withDelimiters ? el : { ...el, start: el.start - 1, end: el.end + (el.tail ? 1 : 2) };
  collect(a, span, templateText(el), first);
}

function collect(a: Analysis, node: Node, value: string, first: boolean): void {
  if (!a.touched(node)) return;
  const { line, character } = a.lineOf(node.start);
  a.strings.push({ value, line: line + 1, column: character + 1 });
  if (first && SECRET_PATH.test(value)) {
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
