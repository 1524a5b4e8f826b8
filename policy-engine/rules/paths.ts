// Where a change may write: editable vs protected paths, renames across that line,
// and paths that are not plain repository-relative paths.
import type { ChangedFile } from "../types.ts";
import { isEditablePath, isNormalPath, isProtectedPath } from "../policy/paths.ts";
import { strictSeverity, type Emit, type RuleContext } from "./context.ts";

export function checkPaths(ctx: RuleContext, file: ChangedFile, emit: Emit): void {
  const { policy } = ctx;
  const paths = file.oldPath !== undefined && file.oldPath !== file.path ? [file.oldPath, file.path] : [file.path];
  for (const path of paths) {
    if (!isNormalPath(path)) {
      emit({
        rule: "paths/unnormalized",
        severity: "error",
        file: file.path,
        message: `path "${path}" is not a plain repository-relative path`,
      });
    }
  }
  const protectedOnes = paths.filter((p) => isProtectedPath(policy, p));
  if (ctx.selfEdit) {
    for (const path of paths) {
      if (protectedOnes.includes(path)) {
        emit({ rule: "paths/protected", severity: "error", file: file.path, message: `self-edits may not change protected path ${path}` });
      } else if (!isEditablePath(policy, path)) {
        emit({
          rule: "paths/not-editable",
          severity: "error",
          file: file.path,
          message: `self-edits may only change editable paths (${policy.editable.join(", ")}); ${path} is outside them`,
        });
      }
    }
  } else {
    for (const path of protectedOnes) {
      emit({
        rule: "paths/protected",
        severity: "warning",
        file: file.path,
        message: `changes protected path ${path}: needs review by its code owners`,
      });
    }
  }
  if (paths.length === 2 && protectedOnes.length === 1) {
    const [from, to] = paths;
    const direction = protectedOnes[0] === from ? `out of a protected path (${from} → ${to})` : `into a protected path (${from} → ${to})`;
    emit({
      rule: "paths/rename-protected",
      severity: strictSeverity(ctx),
      file: file.path,
      message: `${file.status === "copied" ? "copies" : "moves"} a file ${direction}`,
    });
  }
}
