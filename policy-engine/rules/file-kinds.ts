// File-level facts a reviewer must notice: symlinks, submodules, binaries, mode changes.
import type { ChangedFile } from "../types.ts";
import { matcherFor } from "../policy/globs.ts";
import { extensionOf, strictSeverity, type Emit, type RuleContext } from "./context.ts";

const SYMLINK = "120000";
const SUBMODULE = "160000";
const EXECUTABLE = "100755";

export function checkFileKind(ctx: RuleContext, file: ChangedFile, emit: Emit): void {
  if (file.status === "deleted") return;
  const sev = strictSeverity(ctx);
  const at = { file: file.path };
  if (file.newMode === SYMLINK) {
    const target = file.after ?? "";
    const escapes = target.startsWith("/") || target.split("/").includes("..");
    emit({
      rule: "files/symlink",
      severity: escapes ? "error" : sev,
      ...at,
      message: escapes ? `symlink to "${target}" points outside its folder` : `adds or changes a symlink (→ "${target}")`,
    });
  } else if (file.newMode === SUBMODULE) {
    emit({ rule: "files/submodule", severity: sev, ...at, message: "adds or changes a git submodule" });
  } else if (file.binary) {
    emit({ rule: "files/binary", severity: sev, ...at, message: "adds or changes a binary file (not reviewable as text)" });
  }
  if (file.status === "type-changed" && file.newMode !== SYMLINK && file.newMode !== SUBMODULE) {
    emit({
      rule: "files/type-change",
      severity: sev,
      ...at,
      message: `changes the file type (${file.oldMode ?? "?"} → ${file.newMode ?? "?"})`,
    });
  }
  const gainsExec = file.newMode === EXECUTABLE && file.oldMode !== EXECUTABLE;
  if (gainsExec) {
    emit({
      rule: "files/mode",
      severity: sev,
      ...at,
      message: `file is executable (mode ${file.oldMode && file.oldMode !== "000000" ? `${file.oldMode} → ` : ""}${EXECUTABLE})`,
    });
  } else if (
    file.oldMode &&
    file.newMode &&
    file.oldMode !== file.newMode &&
    file.oldMode !== "000000" &&
    file.status !== "type-changed" &&
    file.newMode !== SYMLINK &&
    file.newMode !== SUBMODULE
  ) {
    emit({ rule: "files/mode", severity: "info", ...at, message: `mode changes ${file.oldMode} → ${file.newMode}` });
  }
}

/**
 * The plugin area (code.apiPaths) holds only the file types code.apiFileTypes lists: Node
 * runs .js/.mjs/.cjs, extensionless files (as ESM here), .node addons and .wasm as code,
 * so a file of another type could be run (by a path passed as data) without ever having
 * been analysed as plugin code. Blocks a self-edit; a human change needs review.
 */
export function checkFileType(ctx: RuleContext, file: ChangedFile, emit: Emit): void {
  if (file.status === "deleted") return;
  const { code } = ctx.policy;
  if (!matcherFor(code.apiPaths)(file.path)) return;
  const ext = extensionOf(file.path);
  if (code.apiFileTypes.includes(ext)) return;
  const what = ext === "" ? "a file without an extension" : `a .${ext} file`;
  emit({
    rule: "files/not-allowed",
    severity: strictSeverity(ctx),
    file: file.path,
    message: `${what} is not allowed here: Node could run it as code the policy check does not analyse (allowed file types: ${code.apiFileTypes.map((e) => `.${e}`).join(", ") || "none"})`,
  });
}
