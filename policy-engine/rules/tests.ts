// Tests travel with plugin code: new or changed code in bot/plugins/<name>/ needs a test
// added or changed in the same plugin folder; deleting a test is flagged. (Added
// `.skip`/`.only` are found on the syntax tree, in code/analyze.ts.)
import type { ChangedFile } from "../types.ts";
import { matcherFor } from "../policy/globs.ts";
import { isCodeFile, strictSeverity, type Emit, type RuleContext } from "./context.ts";

export function isTestFile(ctx: RuleContext, path: string): boolean {
  return matcherFor(ctx.policy.tests.files)(path);
}

/** `bot/plugins/<name>` for a file inside a plugin folder; the root itself for files directly in it. */
export function pluginFolder(root: string, path: string): string | undefined {
  const prefix = root.replace(/\/+$/, "") + "/";
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  const slash = rest.indexOf("/");
  return slash < 0 ? prefix.slice(0, -1) : prefix + rest.slice(0, slash);
}

export function checkTests(ctx: RuleContext, emit: Emit): void {
  const { tests } = ctx.policy;
  const sev = strictSeverity(ctx);
  if (tests.flagDeleted) {
    for (const f of ctx.change.files) {
      const removed =
        f.status === "deleted"
          ? f.path
          : f.status === "renamed" && f.oldPath && isTestFile(ctx, f.oldPath) && !isTestFile(ctx, f.path)
            ? f.oldPath
            : undefined;
      if (removed !== undefined && isTestFile(ctx, removed)) {
        emit({ rule: "tests/deleted", severity: sev, file: f.path, message: `deletes test file ${removed}` });
      }
    }
  }
  if (!tests.required) return;
  const exempt = matcherFor(tests.exempt);
  const touchedTests = new Set<string>();
  for (const f of ctx.change.files) {
    if (f.status !== "deleted" && isTestFile(ctx, f.path) && (f.addedLines.length > 0 || f.status === "added")) {
      const folder = pluginFolder(tests.pluginRoot, f.path);
      if (folder) touchedTests.add(folder);
    }
  }
  const missing = new Map<string, ChangedFile[]>();
  for (const f of ctx.change.files) {
    if (f.status === "deleted" || f.binary || !isCodeFile(ctx, f.path) || isTestFile(ctx, f.path) || exempt(f.path)) continue;
    if (f.addedLines.length === 0 && f.status !== "added") continue;
    const folder = pluginFolder(tests.pluginRoot, f.path);
    if (folder === undefined || touchedTests.has(folder)) continue;
    missing.set(folder, [...(missing.get(folder) ?? []), f]);
  }
  for (const [folder, files] of missing) {
    for (const f of files) {
      emit({
        rule: "tests/missing",
        severity: sev,
        file: f.path,
        message: `plugin code changed without a test added or changed in ${folder}/`,
      });
    }
  }
}
