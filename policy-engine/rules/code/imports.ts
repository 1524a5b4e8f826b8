// Module rules. Forbidden and networking modules and code loaded from URLs are named as such;
// everything else is judged by the import allowlist (policy `imports`): plugin code may import
// relative files inside `within`, the plugin API (`api`), the listed packages and built-ins,
// and test files also `testPackages` and `testApi`. Anything else is blocked.
import { isBuiltin } from "node:module";
import { posix } from "node:path";
import { matcherFor } from "../../policy/globs.ts";
import { extensionOf } from "../context.ts";
import type { Analysis } from "./analysis.ts";
import type { Node } from "./ast.ts";
import { normalizeModule } from "./values.ts";

export function checkModule(a: Analysis, spec: string, node: Node): void {
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

// What a relative specifier may hold: Node resolves it as a URL, so "%2e%2e" is "..", and a
// "?query" or "#fragment" is dropped ("./payload#.ts" loads ./payload); none of that is allowed.
const PLAIN_RELATIVE = /^\.\.?\/[A-Za-z0-9_@+\-./]*$/;

/** The import allowlist: relative files in `within` or the API, listed packages and built-ins. */
function checkImportTarget(a: Analysis, spec: string, node: Node): void {
  const { imports, code } = a.policy;
  const test = a.inTestFile;
  const api = test ? [...imports.api, ...imports.testApi] : imports.api;
  if (spec.startsWith("/") || spec.startsWith(".")) {
    const allowed = `relative files in ${imports.within.join(", ")} and ${api.join(", ")}`;
    if (spec.startsWith("/")) {
      a.report(node, "api/import-outside", `imports the absolute path "${spec}" (allowed: ${allowed})`);
      return;
    }
    if (!PLAIN_RELATIVE.test(spec)) {
      a.report(
        node,
        "api/import-unanalysed",
        `imports "${spec}": a relative specifier may hold only letters, digits and - _ . @ + / (Node reads %, ?, # and \\ in it as URL syntax and may load a file the check never analysed)`,
      );
      return;
    }
    const target = posix.normalize(posix.join(posix.dirname(a.file.path), spec));
    if (matcherFor(api)(target)) return;
    if (target.startsWith("../") || !matcherFor(imports.within)(target)) {
      const why = !test && matcherFor(imports.testApi)(target) ? " (the plugin API's test helpers are for test files only)" : "";
      a.report(
        node,
        "api/import-outside",
        `imports "${spec}" (${target}), outside what plugin code may import${why} (allowed: ${allowed})`,
      );
      return;
    }
    // Node also loads extensionless files and folders as code; only analysed files may be imported
    const ext = extensionOf(target);
    if (ext !== "json" && !(code.extensions.includes(ext) && code.apiFileTypes.includes(ext))) {
      const kinds = code.apiFileTypes
        .filter((e) => e === "json" || code.extensions.includes(e))
        .map((e) => `.${e}`)
        .join(" or ");
      a.report(
        node,
        "api/import-unanalysed",
        `imports "${spec}", which is not a file the policy check analyses (import an explicit ${kinds || ".json"} file)`,
      );
    }
    return;
  }
  if (spec.startsWith("node:") || isBuiltin(spec)) {
    const m = normalizeModule(spec);
    if (imports.builtins.map(normalizeModule).includes(m)) return;
    const list = imports.builtins.map((b) => `node:${normalizeModule(b)}`).join(", ");
    a.report(node, "api/import-builtin", `imports the Node built-in "${spec}", which is not allowed (allowed: ${list || "none"})`);
    return;
  }
  if (imports.packages.includes(spec) || (test && imports.testPackages.includes(spec))) return;
  // "discord.js/../openai/index.js": a package without an `exports` map resolves its subpath
  // as a URL, so "..", "%2e%2e" or "\\" in it would reach another package
  if (spec.split("/").some((seg) => isDotSegment(seg)) || spec.includes("\\")) {
    a.report(node, "api/import-package", `imports "${spec}", whose path climbs out of the package it names`);
    return;
  }
  const packages = test ? [...imports.packages, ...imports.testPackages] : imports.packages;
  const listed = packages.find((p) => spec.startsWith(`${p}/`));
  a.report(
    node,
    "api/import-package",
    listed
      ? `imports "${spec}", a subpath of ${listed}: only the exact specifiers listed may be imported (allowed: ${packages.join(", ") || "none"})`
      : `imports package "${spec}", which is not in the allowlist (allowed: ${packages.join(", ") || "none"}${test ? "" : imports.testPackages.length ? `; in test files also ${imports.testPackages.join(", ")}` : ""})`,
  );
}

function isDotSegment(seg: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(seg);
  } catch {
    return true; // malformed escapes: refuse rather than guess how they resolve
  }
  return decoded === "." || decoded === ".." || /[\\/]/.test(decoded);
}
