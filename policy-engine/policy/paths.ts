// Path and self-edit questions the agent and the engine both ask of a loaded policy.
import { matcherFor } from "./globs.ts";
import type { Policy } from "./schema.ts";

/** Paths are repository-relative with forward slashes; anything else is suspicious. */
export function isNormalPath(path: string): boolean {
  return (
    path.length > 0 &&
    !path.startsWith("/") &&
    !path.includes("\\") &&
    !path.includes("\0") &&
    !path.split("/").some((s) => s === "" || s === "." || s === "..")
  );
}

/** Protected paths match case-insensitively (a case variant of a protected path is still protected). */
export function isProtectedPath(policy: Policy, path: string): boolean {
  if (!isNormalPath(path)) return true;
  return matcherFor(policy.protected, { nocase: true })(path);
}

/** A self-edit may change `path`: it is editable and not protected (protected wins). */
export function isEditablePath(policy: Policy, path: string): boolean {
  if (!isNormalPath(path)) return false;
  return matcherFor(policy.editable)(path) && !isProtectedPath(policy, path);
}

/** Any single match makes a PR a self-edit (fail closed). */
export function isSelfEdit(policy: Policy, pr: { author?: string; labels?: string[]; headBranch?: string }): boolean {
  const { authors, labels, branchPrefixes } = policy.selfEdit;
  const author = pr.author?.toLowerCase();
  if (author !== undefined && authors.some((a) => a.toLowerCase() === author)) return true;
  if ((pr.labels ?? []).some((l) => labels.some((x) => x.toLowerCase() === l.toLowerCase()))) return true;
  const branch = pr.headBranch;
  return branch !== undefined && branchPrefixes.some((p) => branch.startsWith(p));
}
