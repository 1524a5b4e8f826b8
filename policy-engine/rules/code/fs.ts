// Filesystem rules: functions that write, change or remove (fs and fs/promises share
// names), and reads, which plugin code may only do on literal paths next to the module.
import type { Analysis } from "./analysis.ts";
import { isIdentifier, isMember, propertyName, type CallLike, type Node } from "./ast.ts";
import { splitModulePath, unwrap, type Scope } from "./values.ts";

export const FS_WRITES = new Set([
  "writeFile",
  "writeFileSync",
  "appendFile",
  "appendFileSync",
  "rm",
  "rmSync",
  "rmdir",
  "rmdirSync",
  "unlink",
  "unlinkSync",
  "rename",
  "renameSync",
  "mkdir",
  "mkdirSync",
  "mkdtemp",
  "mkdtempSync",
  "chmod",
  "chmodSync",
  "lchmod",
  "lchmodSync",
  "fchmod",
  "fchmodSync",
  "chown",
  "chownSync",
  "lchown",
  "lchownSync",
  "fchown",
  "fchownSync",
  "copyFile",
  "copyFileSync",
  "cp",
  "cpSync",
  "symlink",
  "symlinkSync",
  "link",
  "linkSync",
  "truncate",
  "truncateSync",
  "ftruncate",
  "ftruncateSync",
  "utimes",
  "utimesSync",
  "lutimes",
  "lutimesSync",
  "futimes",
  "futimesSync",
  "createWriteStream",
  "WriteStream",
  "write",
  "writeSync",
  "writev",
  "writevSync",
]);

/** open() flags that only read. */
export function isReadOnlyOpenFlag(flags: string): boolean {
  return flags === "r" || flags === "rs" || flags === "sr";
}

/** Functions that read file contents or list folders. */
export const FS_READS = new Set([
  "readFile",
  "readFileSync",
  "createReadStream",
  "readdir",
  "readdirSync",
  "opendir",
  "opendirSync",
  "readlink",
  "readlinkSync",
  "read",
  "readSync",
  "readv",
  "readvSync",
  "open",
  "openSync",
  "openAsBlob",
  "cp",
  "cpSync",
  "copyFile",
  "copyFileSync",
  "watch",
  "watchFile",
  "ReadStream",
  "glob",
  "globSync",
]);

/** A call of an fs function (resolved `callee`, `.call`/`.apply` taken off): opens for writing, reads. */
export function checkFsCall(a: Analysis, node: CallLike, callee: string, args: readonly Node[]): void {
  const { api, scope } = a;
  const mod = splitModulePath(callee);
  if (mod === undefined || (mod.module !== "fs" && mod.module !== "fs/promises")) return;
  if ((mod.member === "open" || mod.member === "openSync") && api.fsWrites) {
    const flags = args[1] === undefined ? "r" : scope.fold(args[1]);
    if (flags === undefined || !isReadOnlyOpenFlag(flags))
      a.report(node, "api/fs-write", `opens a file for writing (${mod.module}.${mod.member} with flags ${flags ?? "(non-literal)"})`);
  }
  if (!FS_READS.has(mod.member) || !api.fsReads) return;
  const arg0 = args[0];
  const helper = isModuleLocalPath(scope, arg0);
  if (typeof helper === "string") a.localReads.push({ node, helper });
  else if (!helper) {
    a.report(
      node,
      "api/fs-read",
      `reads ${arg0 && scope.fold(arg0) !== undefined ? `"${scope.fold(arg0)}"` : "a computed path"}; only files next to the module may be read (new URL("./file", import.meta.url))`,
    );
  }
}

/** After the walk: a read "next to the module" is one only if URL or __dirname is the real one. */
export function judgeLocalReads(a: Analysis): void {
  for (const { node, helper } of a.localReads) {
    if (a.declared.has(helper))
      a.report(
        node,
        "api/fs-read",
        `reads a path built with ${helper}, which this file declares itself (only the real ${helper} makes a path next to the module)`,
      );
  }
}

const LOCAL = /^\.\/(?!.*(?:^|\/)\.\.(?:\/|$))[^\\]*$/;

/**
 * A path a plugin may read: a literal relative to its own module, written as
 * `new URL("./data.json", import.meta.url)` or `join(import.meta.dirname, "data.json")`
 * (no `..`, not absolute; `join`/`resolve` from node:path). `/proc/self/environ`, `.env` in
 * the working directory or a computed path are not. Returns the global the answer relies on
 * ("URL", "__dirname") when a declaration of that name in the file would fake it.
 */
function isModuleLocalPath(scope: Scope, arg: Node | undefined): boolean | "URL" | "__dirname" {
  if (arg === undefined) return false;
  const a = unwrap(arg);
  const isMeta = (e: Node | undefined, name: string) => {
    const x = e && unwrap(e);
    return x !== undefined && isMember(x) && x.object.type === "MetaProperty" && propertyName(x) === name;
  };
  if (a.type === "NewExpression" && isIdentifier(a.callee) && a.callee.name === "URL" && !scope.aliases.has("URL")) {
    const [rel, base] = a.arguments as Node[];
    const relText = rel ? scope.fold(rel) : undefined;
    return relText !== undefined && LOCAL.test(relText) && staysBelowModule(relText) && isMeta(base, "url") ? "URL" : false;
  }
  if (a.type !== "CallExpression") return false;
  const args = a.arguments as Node[];
  const first = args.length >= 2 ? unwrap(args[0]) : undefined;
  const viaDirname = first !== undefined && isIdentifier(first) && first.name === "__dirname" && !scope.aliases.has("__dirname");
  if (isMeta(first, "dirname") || viaDirname) {
    if (!/^module:path(\/posix)?#(posix\.)?(join|resolve)$/.test(scope.resolve(a.callee) ?? "")) return false;
    const rest = args.slice(1).map((x) => scope.fold(x));
    return rest.every((x) => x !== undefined && !x.startsWith("/") && !x.split(/[\\/]/).includes(".."))
      ? viaDirname
        ? "__dirname"
        : true
      : false;
  }
  return false;
}

const MODULE_DIR = "file:///m/a/b/c/d/";

/**
 * Decided the way Node decides: WHATWG URL resolution treats "%2e%2e" (and "%2E.", ".%2e")
 * as "..", so the literal text alone says nothing; the resolved URL must stay in the folder.
 */
function staysBelowModule(rel: string): boolean {
  try {
    const u = new URL(rel, `${MODULE_DIR}index.ts`);
    return (
      u.protocol === "file:" && u.host === "" && u.pathname.startsWith(MODULE_DIR.slice("file://".length)) && !/%2f|%5c/i.test(u.pathname)
    );
  } catch {
    return false;
  }
}
