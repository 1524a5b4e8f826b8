// Identifiers that look like others (Cyrillic а in isАdmin) or are written with unicode
// escapes deceive reviewers: a warning on every such name on a changed line.
import type { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";

const NON_ASCII = /[^\x00-\x7F]/;

export function checkIdentifierText(a: Analysis, id: ts.Identifier | ts.PrivateIdentifier): void {
  if (NON_ASCII.test(id.text)) {
    a.report(
      id,
      "unicode/identifier",
      `identifier "${id.text}" contains non-ASCII characters that can impersonate another name`,
      "warning",
    );
  } else if (a.mayHaveEscapes && id.getText(a.sf).includes("\\u")) {
    a.report(id, "unicode/identifier", `identifier "${id.getText(a.sf)}" is written with unicode escapes`, "warning");
  }
}

/** The name of `x.name` (the walk does not visit it as an identifier: it is no reference). */
export function checkPropertyNameText(a: Analysis, pa: ts.PropertyAccessExpression): void {
  checkIdentifierText(a, pa.name);
}
