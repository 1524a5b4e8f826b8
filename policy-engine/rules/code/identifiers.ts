// Identifiers that look like others (Cyrillic а in isАdmin) or are written with unicode
// escapes deceive reviewers: a warning on every such name on a changed line.
import type { Analysis } from "./analysis.ts";
import type { MemberExpression, Node } from "./ast.ts";

const NON_ASCII = /[^\x00-\x7F]/;

/** An identifier, a private name (#x) or a JSX name; `name` is its value (escapes decoded). */
export function checkIdentifierText(a: Analysis, id: Node & { name: string }): void {
  const text = id.type === "PrivateIdentifier" ? `#${id.name}` : id.name;
  if (NON_ASCII.test(text)) {
    a.report(id, "unicode/identifier", `identifier "${text}" contains non-ASCII characters that can impersonate another name`, "warning");
  } else if (a.mayHaveEscapes && a.textOf(id).includes("\\u")) {
    a.report(id, "unicode/identifier", `identifier "${a.textOf(id)}" is written with unicode escapes`, "warning");
  }
}

/** The name of `x.name` (the walk does not visit it as an identifier: it is no reference). */
export function checkPropertyNameText(a: Analysis, m: MemberExpression): void {
  if (!m.computed) checkIdentifierText(a, m.property);
}
