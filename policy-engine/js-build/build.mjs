// `node policy-engine/js-build/build.mjs` (run at install): writes the policy engine as
// plain JavaScript to node_modules/.cache/ouro-policy-engine/, so the policy check's cold
// start skips Node's type stripper (~0.1 s of CPU per run without the compile cache).
// Each .ts file goes through Node's own stripTypeScriptTypes — the very transform Node runs
// when it loads the .ts — and only its relative specifiers change (./x.ts → ./x.mjs).
// cli.mjs runs the build only while manifest.mjs finds it current; a build that fails
// leaves none, and the check runs from the sources as before (so does `npm ci --ignore-scripts`).
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import module from "node:module";
import { dirname, join, posix } from "node:path";
import console from "node:console";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ASSETS, BUILD_DIR, BUILD_FORMAT, ENTRY, MANIFEST, ROOT, checkBuild, digests, listFiles, sha256 } from "./manifest.mjs";

const require = module.createRequire(import.meta.url);

/** The output path of a source: the same place, .ts → .mjs (always ES modules, whatever package.json says). */
const outputOf = (path) => path.replace(/\.ts$/, ".mjs");

/** Children of an ESTree node (oxc-parser's AST): every object-valued property. */
function* children(node) {
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const v of value) if (v && typeof v.type === "string") yield v;
    if (value && typeof value.type === "string") yield value;
  }
}

/**
 * The stripped module `code` of source `path` with its relative specifiers pointing at
 * the build's files, and the sources they name. Throws on what the build cannot follow: a relative specifier that is
 * not a literal .ts source of the engine, a computed import() or require(), or a
 * `new URL(…, import.meta.url)` other than the copied assets.
 */
export function relink(path, code, sources) {
  const { parseSync } = require("oxc-parser");
  const parsed = parseSync(outputOf(path), code, { sourceType: "module" });
  if (parsed.errors.length > 0) throw new Error(`${path}: does not parse after stripping: ${parsed.errors[0].message}`);
  const edits = [];
  const targets = new Set();
  const fail = (what) => {
    throw new Error(`${path}: ${what}; the JS build cannot follow it`);
  };
  const relative = (literal, kind) => {
    if (literal?.type !== "Literal" || typeof literal.value !== "string") fail(`a computed ${kind}`);
    const spec = literal.value;
    if (!spec.startsWith("./") && !spec.startsWith("../")) return;
    const target = posix.normalize(posix.join(posix.dirname(path), spec));
    if (!spec.endsWith(".ts") || !sources.has(target)) fail(`${kind} "${spec}" is not one of the engine's .ts files`);
    if (code.slice(literal.start, literal.end) !== literal.raw) fail(`${kind} "${spec}" is not where the parser says`);
    edits.push({ start: literal.start, end: literal.end, text: JSON.stringify(outputOf(spec)) });
    targets.add(target);
  };
  const visit = (node) => {
    if (node.type === "ImportDeclaration" || node.type === "ExportAllDeclaration") relative(node.source, "import");
    else if (node.type === "ExportNamedDeclaration" && node.source) relative(node.source, "import");
    else if (node.type === "ImportExpression") relative(node.source, "import()");
    else if (node.type === "CallExpression" && node.callee.type === "Identifier" && node.callee.name === "require") {
      relative(node.arguments[0], "require()");
    } else if (
      node.type === "NewExpression" &&
      node.callee.type === "Identifier" &&
      node.callee.name === "URL" &&
      code.slice(node.arguments[1]?.start, node.arguments[1]?.end) === "import.meta.url"
    ) {
      const spec = node.arguments[0]?.type === "Literal" ? node.arguments[0].value : undefined;
      const target = typeof spec === "string" ? posix.normalize(posix.join(posix.dirname(path), spec)) : undefined;
      if (!ASSETS.includes(target)) fail(`new URL(…, import.meta.url) names a file the build does not copy`);
    }
    for (const child of children(node)) visit(child);
  };
  visit(parsed.program);
  let out = code;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { code: out, targets };
}

/** Writes a fresh build into `dir` (a new directory) from the sources under `root`. */
export function writeBuild(root, dir) {
  // each input is read once: the digest the manifest records is of the very bytes built
  const paths = [...listFiles(root, "policy-engine"), ...ASSETS];
  const bytes = new Map(paths.map((p) => [p, readFileSync(join(root, p))]));
  const sources = Object.fromEntries([...bytes].map(([p, b]) => [p, sha256(b)]));
  const tsFiles = new Set(paths.filter((p) => p.startsWith("policy-engine/") && p.endsWith(".ts")));
  const write = (path, content) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  // the modules the entry can load, followed import by import (cli.ts and scripts are not)
  const built = new Set([ENTRY.replace(/\.mjs$/, ".ts")]);
  for (const path of built) {
    const stripped = module.stripTypeScriptTypes(bytes.get(path).toString("utf8"), { mode: "strip" });
    const { code, targets } = relink(path, stripped, tsFiles);
    write(outputOf(path), code);
    for (const t of targets) built.add(t);
  }
  for (const asset of ASSETS) write(asset, bytes.get(asset));
  const outputs = digests(dir, listFiles(dir, ""));
  const manifest = { format: BUILD_FORMAT, node: process.version, sources, outputs };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Builds into `target` unless the build there is current already. The new build is written
 * beside it and moved into place, so a reader sees the old build, none, or the new one.
 */
export function build(root = ROOT, target = BUILD_DIR) {
  if ("entry" in checkBuild(root, target)) return "current";
  mkdirSync(dirname(target), { recursive: true });
  const fresh = mkdtempSync(`${target}.new-`);
  try {
    writeBuild(root, fresh);
    rmSync(target, { recursive: true, force: true });
    renameSync(fresh, target);
    return "built";
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // stripTypeScriptTypes warns that it is experimental; it is what Node runs on every .ts
  const emitWarning = process.emitWarning;
  process.emitWarning = (w, ...rest) => (String(w).includes("stripTypeScriptTypes") ? undefined : emitWarning.call(process, w, ...rest));
  try {
    const done = build();
    console.log(`policy engine JS build: ${done === "current" ? "already current" : "written"} (${BUILD_DIR})`);
  } catch (err) {
    // never fail an install over it: the check runs from the sources instead
    console.error(`policy engine JS build: not written, the check will run from the .ts sources: ${err.message}`);
  }
}
