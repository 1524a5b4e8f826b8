// Repositories, branches, commits and contents.
import type { Core } from "../domain.ts";
import { EMPTY_TREE, ZERO_SHA } from "../git.ts";
import type { TreeEntry } from "../git.ts";
import { HttpError, invalid, notFound, oneOf, paginate, str } from "../router.ts";
import type { Ctx, Router } from "../router.ts";
import { commitOf, identityFrom, needAppRead, repoForWrite, repoOf } from "./common.ts";
import type { RepoCtx } from "./common.ts";

export function registerRepoRoutes(r: Router, core: Core): void {
  const { shapes, store } = core;
  const api = shapes.api;

  r.add("GET", "/repos/{owner}/{repo}", (ctx) => shapes.repo(repoOf(core, ctx).rec, { full: true }));
  r.add("PATCH", "/repos/{owner}/{repo}", (ctx) => {
    const rp = repoForWrite(core, ctx, "administration", "admin");
    const description = str(ctx.body, "description");
    const defaultBranch = str(ctx.body, "default_branch");
    if (description !== undefined) rp.rec.description = description;
    if (defaultBranch !== undefined) rp.rec.defaultBranch = defaultBranch;
    store.touch();
    return shapes.repo(rp.rec, { full: true });
  });

  const branchShape = async (rp: RepoCtx, name: string, sha: string) => {
    const c = await rp.git.readCommit(sha);
    const base = `${api}/repos/${rp.rec.owner}/${rp.rec.name}`;
    return {
      name,
      commit: shapes.commit(rp.key, c!),
      _links: { self: `${base}/branches/${encodeURIComponent(name)}`, html: `${shapes.web}/${rp.rec.owner}/${rp.rec.name}/tree/${name}` },
      protected: false,
      protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
      protection_url: `${base}/branches/${encodeURIComponent(name)}/protection`,
    };
  };

  r.add("GET", "/repos/{owner}/{repo}/branches", async (ctx) => {
    const rp = repoOf(core, ctx);
    const refs = await rp.git.refs("refs/heads/");
    const base = `${api}/repos/${rp.rec.owner}/${rp.rec.name}`;
    const list = [...refs].map(([ref, { sha }]) => ({
      name: ref.slice(11),
      commit: { sha, url: `${base}/commits/${sha}` },
      protected: false,
    }));
    return paginate(ctx, list, api);
  });
  r.add("GET", "/repos/{owner}/{repo}/branches/{branch*}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = await rp.git.refSha(`refs/heads/${ctx.params.branch}`);
    if (!sha) throw new HttpError(404, "Branch not found");
    return branchShape(rp, ctx.params.branch, sha);
  });

  r.add("GET", "/repos/{owner}/{repo}/commits", async (ctx) => {
    const rp = repoOf(core, ctx);
    const from = ctx.query.get("sha") ?? rp.rec.defaultBranch;
    const head = await rp.git.resolve(from.startsWith("refs/") || /^[0-9a-f]{7,40}$/.test(from) ? from : `refs/heads/${from}`);
    if (!head) {
      if (!(await rp.git.refSha(`refs/heads/${rp.rec.defaultBranch}`))) throw new HttpError(409, "Git Repository is empty.");
      throw notFound();
    }
    const shas = await rp.git.revList(head, { path: ctx.query.get("path") ?? undefined });
    const page = paginate(ctx, shas, api);
    const body = [];
    for (const sha of page.body) body.push(shapes.commit(rp.key, (await rp.git.readCommit(sha))!));
    return { ...page, body };
  });
  r.add("GET", "/repos/{owner}/{repo}/commits/{ref*}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = await commitOf(rp.git, ctx.params.ref, 422);
    const c = (await rp.git.readCommit(sha))!;
    const files = await rp.git.diffFiles(c.parents[0] ?? EMPTY_TREE, sha);
    const stats = { additions: files.reduce((s, f) => s + f.additions, 0), deletions: files.reduce((s, f) => s + f.deletions, 0) };
    return shapes.commit(
      rp.key,
      c,
      files.map((f) => diffEntry(core, rp, sha, f)),
      stats,
    );
  });

  r.add("GET", "/repos/{owner}/{repo}/compare/{basehead*}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const m = /^(.+?)\.\.\.(.+)$/.exec(ctx.params.basehead);
    if (!m) throw notFound();
    const baseSha = await commitOf(rp.git, m[1]);
    const headSha = await commitOf(rp.git, m[2]);
    const mb = (await rp.git.mergeBase(baseSha, headSha)) ?? baseSha;
    const ahead = await rp.git.revList(headSha, { exclude: baseSha });
    const behind = await rp.git.revList(baseSha, { exclude: headSha });
    const files = await rp.git.diffFiles(mb, headSha);
    const commits = [];
    for (const sha of ahead.slice(0, 250).reverse()) commits.push(shapes.commit(rp.key, (await rp.git.readCommit(sha))!));
    const base = `${api}/repos/${rp.rec.owner}/${rp.rec.name}`;
    const html = `${shapes.web}/${rp.rec.owner}/${rp.rec.name}/compare/${ctx.params.basehead}`;
    return {
      url: `${base}/compare/${ctx.params.basehead}`,
      html_url: html,
      permalink_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: shapes.commit(rp.key, (await rp.git.readCommit(baseSha))!),
      merge_base_commit: shapes.commit(rp.key, (await rp.git.readCommit(mb))!),
      status: ahead.length && behind.length ? "diverged" : ahead.length ? "ahead" : behind.length ? "behind" : "identical",
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits,
      files: files.map((f) => diffEntry(core, rp, headSha, f)),
    };
  });

  // ----- collaborators -----
  const PERMS = ["admin", "maintain", "write", "triage", "read"] as const;
  r.add("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", (ctx) => {
    const rp = repoOf(core, ctx);
    needAppRead(ctx, "metadata"); // GitHub: "Metadata" repository permissions (read)
    if (!store.data.accounts[ctx.params.username.toLowerCase()]) throw notFound();
    const perm = core.permission(rp.key, ctx.params.username);
    const user = {
      ...shapes.user(ctx.params.username),
      permissions: {
        admin: perm === "admin",
        maintain: ["admin", "maintain"].includes(perm),
        push: ["admin", "maintain", "write"].includes(perm),
        triage: perm !== "read" && perm !== "none",
        pull: perm !== "none",
      },
      role_name: perm,
    };
    // GitHub reports maintain as "write" and triage as "read" in `permission`, the exact role in `role_name`.
    const legacy = perm === "maintain" ? "write" : perm === "triage" ? "read" : perm;
    return { permission: legacy, role_name: perm, user };
  });
  r.add("PUT", "/repos/{owner}/{repo}/collaborators/{username}", (ctx) => {
    const rp = repoForWrite(core, ctx, "administration", "admin");
    const permission = oneOf(ctx.body, "permission", PERMS) ?? "write";
    core.setPermission(rp.key, ctx.params.username, permission);
    return { status: 204 };
  });

  // ----- contents -----
  const contentsGet = async (ctx: Ctx) => {
    const rp = repoOf(core, ctx);
    const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
    const refName = ctx.query.get("ref") ?? rp.rec.defaultBranch;
    const sha =
      (await rp.git.resolve(refName.startsWith("refs/") || /^[0-9a-f]{40}$/.test(refName) ? refName : `refs/heads/${refName}`)) ??
      (await rp.git.resolve(`refs/tags/${refName}`));
    if (!sha) throw new HttpError(404, `No commit found for the ref ${refName}`);
    if (path === "") return dirListing(core, rp, sha, "", refName, await rp.git.lsTree(sha));
    const [entry] = await rp.git.lsTree(sha, { path });
    if (!entry || entry.path !== path) throw notFound();
    if (entry.type === "tree") return dirListing(core, rp, sha, path, refName, await rp.git.lsTree(`${sha}:${path}`));
    const data = (await rp.git.catFile(entry.sha, "blob")) ?? Buffer.alloc(0);
    if (/vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? "")))
      return { body: data.toString("utf8"), headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
    return { ...contentEntry(core, rp, entry, refName), content: data.toString("base64").replace(/(.{60})/g, "$1\n"), encoding: "base64" };
  };
  r.add("GET", "/repos/{owner}/{repo}/contents", contentsGet);
  r.add("GET", "/repos/{owner}/{repo}/contents/{path*}", contentsGet);

  const contentsWrite = (remove: boolean) => async (ctx: Ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const path = ctx.params.path.replace(/^\/+|\/+$/g, "");
    if (!path || path.split("/").some((s) => s === "" || s === "." || s === ".." || s === ".git"))
      throw invalid(`Invalid path: ${path}`, "path");
    if (path.startsWith(".github/workflows/") && ctx.auth.kind === "installation" && ctx.auth.app.permissions.workflows !== "write") {
      throw new HttpError(403, `refusing to allow a GitHub App to create or update workflow \`${path}\` without \`workflows\` permission`);
    }
    const message = str(ctx.body, "message", true);
    const content = remove ? undefined : str(ctx.body, "content", true);
    if (content !== undefined && !/^[A-Za-z0-9+/=\s]*$/.test(content)) throw invalid("content is not valid Base64", "content");
    const expected = str(ctx.body, "sha");
    const branch = str(ctx.body, "branch") ?? rp.rec.defaultBranch;
    const author = identityFrom(core, ctx, "author");
    const committer = identityFrom(core, ctx, "committer", author);
    return core.withRepoLock(rp.key, async () => {
      const ref = `refs/heads/${branch}`;
      const head = await rp.git.refSha(ref);
      if (!head && branch !== rp.rec.defaultBranch) throw new HttpError(404, `Branch ${branch} not found`);
      const baseTree = head ? (await rp.git.readCommit(head))!.tree : null;
      const [existing] = head ? await rp.git.lsTree(head, { path }) : [];
      const exists = existing && existing.path === path && existing.type === "blob";
      if (remove && !exists) throw notFound();
      if (exists && !expected) throw invalid(`Invalid request.\n\n"sha" wasn't supplied.`, "sha", "missing_field");
      if (exists && expected !== existing.sha) throw new HttpError(409, `${path} does not match ${expected}`);
      const blob = remove ? null : await rp.git.hashObject(Buffer.from(content as string, "base64"));
      const tree = await rp.git.buildTree(baseTree, [{ path, sha: blob, mode: exists ? existing.mode : "100644" }]);
      const sha = await rp.git.commitTree(tree, head ? [head] : [], message, author, committer);
      if (!(await rp.git.updateRef(ref, sha, head))) throw new HttpError(409, `${branch} was updated concurrently`);
      await core.refsChanged(rp.key, [{ ref, before: head ?? ZERO_SHA, after: sha }], ctx.actor);
      const commit = shapes.gitCommit(rp.key, (await rp.git.readCommit(sha))!);
      if (remove) return { content: null, commit };
      const [entry] = await rp.git.lsTree(sha, { path });
      return { status: exists ? 200 : 201, body: { content: contentEntry(core, rp, entry, branch), commit } };
    });
  };
  r.add("PUT", "/repos/{owner}/{repo}/contents/{path*}", contentsWrite(false));
  r.add("DELETE", "/repos/{owner}/{repo}/contents/{path*}", contentsWrite(true));
}

export function diffEntry(
  core: Core,
  rp: RepoCtx,
  sha: string,
  f: { path: string; status: string; additions: number; deletions: number; sha: string | null },
): Record<string, unknown> {
  const base = `${core.shapes.api}/repos/${rp.rec.owner}/${rp.rec.name}`;
  const web = `${core.shapes.web}/${rp.rec.owner}/${rp.rec.name}`;
  return {
    sha: f.sha,
    filename: f.path,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${web}/blob/${sha}/${f.path}`,
    raw_url: `${web}/raw/${sha}/${f.path}`,
    contents_url: `${base}/contents/${f.path}?ref=${sha}`,
  };
}

function contentEntry(core: Core, rp: RepoCtx, e: TreeEntry, ref: string): Record<string, unknown> {
  const base = `${core.shapes.api}/repos/${rp.rec.owner}/${rp.rec.name}`;
  const web = `${core.shapes.web}/${rp.rec.owner}/${rp.rec.name}`;
  const type = e.type === "tree" ? "dir" : e.type === "commit" ? "submodule" : e.mode === "120000" ? "symlink" : "file";
  const self = `${base}/contents/${e.path}?ref=${encodeURIComponent(ref)}`;
  const git = `${base}/git/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}`;
  const html = `${web}/${e.type === "tree" ? "tree" : "blob"}/${ref}/${e.path}`;
  return {
    type,
    size: e.size ?? 0,
    name: e.path.split("/").pop(),
    path: e.path,
    sha: e.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === "file" ? `${web}/raw/${ref}/${e.path}` : null,
    _links: { self, git, html },
  };
}

function dirListing(core: Core, rp: RepoCtx, _sha: string, dir: string, ref: string, entries: TreeEntry[]): Record<string, unknown>[] {
  return entries.map((e) => contentEntry(core, rp, { ...e, path: dir ? `${dir}/${e.path}` : e.path }, ref));
}
