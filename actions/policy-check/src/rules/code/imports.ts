// Module rules: forbidden and networking modules, code loaded from URLs, packages outside
// imports.packages, relative imports leaving imports.within or naming files not analysed.
import { isBuiltin } from "node:module";
import { posix } from "node:path";
import type { ts } from "ts-morph";
import { matcherFor } from "../../policy/globs.ts";
import { extensionOf } from "../context.ts";
import type { Analysis } from "./analysis.ts";
import { normalizeModule } from "./values.ts";

export function checkModule(a: Analysis, spec: string, node: ts.Node): void {
  const { policy } = a;
  const m = normalizeModule(spec);
  if (/^[a-z][a-z0-9+.-]*:/i.test(m)) {
    a.report(node, "api/dynamic-import", `loads code from a URL ("${spec.slice(0, 40)}")`);
    return;
  }
  const hit = (list: string[]) => list.map(normalizeModule).find((x) => m === x || m.startsWith(`${x}/`));
  const forbidden = hit(policy.forbiddenApis.modules);
  if (forbidden) a.report(node, "api/forbidden-module", `uses the "${spec}" module (forbidden: ${forbidden})`);
  else if (hit(policy.network.modules)) a.report(node, "api/network", `uses the "${spec}" networking module (hosts cannot be checked)`);
  else checkImportTarget(a, spec, node);
}

/** Relative imports stay inside imports.within; bare ones name an allowed package or a built-in. */
function checkImportTarget(a: Analysis, spec: string, node: ts.Node): void {
  const { policy } = a;
  if (spec.startsWith("/") || spec.startsWith(".")) {
    const target = posix.normalize(posix.join(posix.dirname(a.file.path), spec));
    if (spec.startsWith("/") || target.startsWith("../") || !matcherFor(policy.imports.within)(target)) {
      a.report(node, "api/import-outside", `imports ${spec}, outside ${policy.imports.within.join(", ")}`);
      return;
    }
    // Node also loads extensionless files and folders as code; only analysed files may be imported
    const ext = extensionOf(target.replace(/[?#].*$/, ""));
    if (ext !== "json" && !policy.code.extensions.includes(ext)) {
      const examples = policy.code.extensions.slice(0, 3).map((e) => `.${e}`).join("/");
      a.report(node, "api/import-unanalysed", `imports ${spec}, which is not a file the policy check analyses (use an explicit ${examples} … path)`);
    }
    return;
  }
  if (isBuiltin(spec)) return;
  // "discord.js/../openai/index.js": a package without an `exports` map resolves its subpath
  // as a URL, so "..", "%2e%2e" or "\\" in it would reach another package
  if (spec.split("/").some((seg) => isDotSegment(seg)) || spec.includes("\\")) {
    a.report(node, "api/import-package", `imports "${spec}", whose path climbs out of the package it names`);
    return;
  }
  const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
  if (!matcherFor(policy.imports.packages)(name)) {
    a.report(node, "api/import-package", `imports package "${name}", which is not in imports.packages`);
  }
}

function isDotSegment(seg: string): boolean {
  let decoded = seg;
  try {
    decoded = decodeURIComponent(seg);
  } catch {
    return true; // malformed escapes: refuse rather than guess how they resolve
  }
  return decoded === "." || decoded === ".." || /[\\/]/.test(decoded);
}
