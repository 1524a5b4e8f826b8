// Helpers shared by the repository-scoped routes.
import type { Core } from "../domain.ts";
import type { BareRepo, Identity } from "../git.ts";
import { HttpError, invalid, notFound } from "../router.ts";
import type { Ctx } from "../router.ts";
import type { IssueRec, Permission, RepoRec } from "../store.ts";

export interface RepoCtx {
  rec: RepoRec;
  key: string;
  git: BareRepo;
}

export function repoOf(core: Core, ctx: Ctx): RepoCtx {
  return core.repoFor(ctx.auth, ctx.params.owner, ctx.params.repo);
}

const RANK: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/**
 * An installation token may write only where its App was granted `write` on one of `scopes`
 * (e.g. "contents", "checks"), as on GitHub; humans are not affected.
 */
export function needApp(ctx: Ctx, ...scopes: string[]): void {
  if (ctx.auth.kind !== "installation") return;
  const perms = ctx.auth.app.permissions;
  if (!scopes.some((s) => perms[s] === "write" || perms[s] === "admin")) throw new HttpError(403, "Resource not accessible by integration");
}

/** An installation token may read only where its App was granted `scope` (read or write), as on GitHub. */
export function needAppRead(ctx: Ctx, scope: string): void {
  if (ctx.auth.kind !== "installation") return;
  const p = ctx.auth.app.permissions[scope];
  if (p !== "read" && p !== "write" && p !== "admin") throw new HttpError(403, "Resource not accessible by integration");
}

/** The repository, if the caller may write: a human with at least `level`, an App with `scope` write. */
export function repoForWrite(core: Core, ctx: Ctx, scope: string, level: Permission = "write"): RepoCtx {
  const rp = repoOf(core, ctx);
  needApp(ctx, scope);
  if (ctx.auth.kind === "user" && RANK[core.permission(rp.key, ctx.actor)] < RANK[level]) {
    throw new HttpError(403, level === "admin" ? "Must have admin rights to Repository." : "Must have push access to this repository.");
  }
  return rp;
}

export function hasPermission(core: Core, repoKey: string, login: string, level: Permission): boolean {
  return RANK[core.permission(repoKey, login)] >= RANK[level];
}

/** A branch, tag or sha → commit sha; 404/422 like GitHub when it does not resolve. */
export async function commitOf(git: BareRepo, ref: string, status: 404 | 422 = 404): Promise<string> {
  const sha =
    (await git.resolve(ref.startsWith("refs/") ? ref : /^[0-9a-f]{7,40}$/.test(ref) ? ref : `refs/heads/${ref}`)) ??
    (await git.resolve(`refs/tags/${ref}`));
  if (!sha)
    throw status === 404 ? new HttpError(404, `No commit found for SHA: ${ref}`) : invalid(`No commit found for SHA: ${ref}`, "sha");
  return sha;
}

export function issueOf(core: Core, r: RepoCtx, numberParam: string): IssueRec {
  const n = Number(numberParam);
  const i = Number.isInteger(n) ? core.issue(r.key, n) : undefined;
  if (!i) throw notFound();
  return i;
}

export function pullOf(core: Core, r: RepoCtx, numberParam: string): IssueRec {
  const i = issueOf(core, r, numberParam);
  if (!i.pull) throw notFound();
  return i;
}

/** A git identity from a request's `author`/`committer` object, else the acting account. */
export function identityFrom(core: Core, ctx: Ctx, field: "author" | "committer", fallback?: Identity): Identity {
  const v = ctx.body[field];
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.name !== "string" || typeof o.email !== "string")
      throw invalid(`Invalid request.\n\n"name" and "email" are required in "${field}".`, field);
    const date = typeof o.date === "string" ? o.date : undefined;
    if (date && Number.isNaN(Date.parse(date)))
      throw invalid(`Invalid request.\n\nFor '${field}.date', ${JSON.stringify(date)} is not a date.`, field);
    return { name: o.name, email: o.email, date };
  }
  return fallback ?? core.identity(ctx.actor);
}

export const SHA_RE = /^[0-9a-f]{40}$/;
