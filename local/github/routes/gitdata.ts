// The git data API: refs, blobs, trees, commits — all real objects in the bare repository.
import type { Core } from "../domain.ts";
import { ZERO_SHA } from "../git.ts";
import type { IndexChange } from "../git.ts";
import { HttpError, bool, invalid, notFound, oneOf, paginate, str, strArray } from "../router.ts";
import type { Ctx, Router } from "../router.ts";
import { SHA_RE, identityFrom, repoForWrite, repoOf } from "./common.ts";
import type { RepoCtx } from "./common.ts";

const MODES = ["100644", "100755", "040000", "160000", "120000"] as const;

export function registerGitDataRoutes(r: Router, core: Core): void {
  const { shapes } = core;
  const api = shapes.api;

  const refShape = (rp: RepoCtx, ref: string, v: { sha: string; type: string }) => shapes.gitRef(rp.key, ref, v.sha, v.type);

  r.add("GET", "/repos/{owner}/{repo}/git/ref/{ref*}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const full = `refs/${ctx.params.ref}`;
    const v = (await rp.git.refs(full)).get(full);
    if (!v) throw notFound();
    return refShape(rp, full, v);
  });
  r.add("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref*}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const prefix = `refs/${ctx.params.ref}`;
    const all = await rp.git.refs();
    return [...all].filter(([n]) => n.startsWith(prefix)).map(([n, v]) => refShape(rp, n, v));
  });
  const listRefs = async (ctx: Ctx) => {
    const rp = repoOf(core, ctx);
    const prefix = ctx.params.ref ? `refs/${ctx.params.ref}` : "refs/";
    const all = await rp.git.refs();
    const exact = all.get(prefix);
    if (exact) return refShape(rp, prefix, exact);
    const list = [...all].filter(([n]) => n.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`)).map(([n, v]) => refShape(rp, n, v));
    if (list.length === 0) throw notFound();
    return paginate(ctx, list, api);
  };
  r.add("GET", "/repos/{owner}/{repo}/git/refs", listRefs);
  r.add("GET", "/repos/{owner}/{repo}/git/refs/{ref*}", listRefs);

  r.add("POST", "/repos/{owner}/{repo}/git/refs", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const ref = str(ctx.body, "ref", true);
    const sha = str(ctx.body, "sha", true);
    if (!/^refs\/[^/]+\/.+/.test(ref) || ref.includes("..") || /[\s~^:?*[\\]/.test(ref))
      throw invalid("ref must start with 'refs' and have at least two slashes.", "ref");
    if (!SHA_RE.test(sha) || !(await rp.git.objectType(sha))) throw invalid("Object does not exist", "sha");
    return core.withRepoLock(rp.key, async () => {
      if (await rp.git.refSha(ref)) throw invalid("Reference already exists", "ref", "already_exists", "Reference");
      await core.assertWorkflowsAllowed(ctx.auth, rp.key, sha);
      if (!(await rp.git.updateRef(ref, sha, null))) throw invalid("Reference update failed", "ref");
      await core.refsChanged(rp.key, [{ ref, before: ZERO_SHA, after: sha }], ctx.actor);
      const v = (await rp.git.refs(ref)).get(ref)!;
      return { status: 201, body: refShape(rp, ref, v) };
    });
  });
  r.add("PATCH", "/repos/{owner}/{repo}/git/refs/{ref*}", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const ref = `refs/${ctx.params.ref}`;
    const sha = str(ctx.body, "sha", true);
    const force = bool(ctx.body, "force") ?? false;
    if (!SHA_RE.test(sha) || !(await rp.git.objectType(sha))) throw invalid("Object does not exist", "sha");
    return core.withRepoLock(rp.key, async () => {
      const before = await rp.git.refSha(ref);
      if (!before) throw invalid("Reference does not exist", "ref");
      if (!force && !(await rp.git.isAncestor(before, sha))) throw invalid("Update is not a fast forward", "sha");
      await core.assertWorkflowsAllowed(ctx.auth, rp.key, sha);
      if (!(await rp.git.updateRef(ref, sha, before))) throw new HttpError(409, "Reference was updated concurrently");
      await core.refsChanged(rp.key, [{ ref, before, after: sha }], ctx.actor);
      return refShape(rp, ref, (await rp.git.refs(ref)).get(ref)!);
    });
  });
  r.add("DELETE", "/repos/{owner}/{repo}/git/refs/{ref*}", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const ref = `refs/${ctx.params.ref}`;
    return core.withRepoLock(rp.key, async () => {
      const before = await rp.git.refSha(ref);
      if (!before) throw invalid("Reference does not exist", "ref");
      await rp.git.deleteRef(ref);
      await core.refsChanged(rp.key, [{ ref, before, after: ZERO_SHA }], ctx.actor);
      return { status: 204 };
    });
  });

  // ----- blobs -----
  r.add("POST", "/repos/{owner}/{repo}/git/blobs", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const content = str(ctx.body, "content", true);
    const encoding = oneOf(ctx.body, "encoding", ["utf-8", "utf8", "base64"] as const) ?? "utf-8";
    if (encoding === "base64" && !/^[A-Za-z0-9+/=\s]*$/.test(content)) throw invalid("content is not valid Base64", "content");
    const sha = await rp.git.hashObject(Buffer.from(content, encoding === "base64" ? "base64" : "utf8"));
    return { status: 201, body: { sha, url: `${api}/repos/${rp.rec.owner}/${rp.rec.name}/git/blobs/${sha}` } };
  });
  r.add("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = ctx.params.file_sha;
    if (!SHA_RE.test(sha) || (await rp.git.objectType(sha)) !== "blob") throw notFound();
    const data = (await rp.git.catFile(sha, "blob"))!;
    return {
      sha,
      node_id: shapes.nodeId("Blob", sha),
      size: data.length,
      url: `${api}/repos/${rp.rec.owner}/${rp.rec.name}/git/blobs/${sha}`,
      content: data.toString("base64").replace(/(.{60})/g, "$1\n"),
      encoding: "base64",
    };
  });

  // ----- trees -----
  const treeShape = async (rp: RepoCtx, sha: string, recursive: boolean) => {
    const base = `${api}/repos/${rp.rec.owner}/${rp.rec.name}`;
    const entries = await rp.git.lsTree(sha, { recursive });
    return {
      sha,
      url: `${base}/git/trees/${sha}`,
      tree: entries.map((e) => {
        const o: Record<string, unknown> = { path: e.path, mode: e.mode, type: e.type, sha: e.sha };
        if (e.type === "blob") o.size = e.size;
        if (e.type !== "commit") o.url = `${base}/git/${e.type}s/${e.sha}`;
        return o;
      }),
      truncated: false,
    };
  };
  r.add("POST", "/repos/{owner}/{repo}/git/trees", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const baseTree = str(ctx.body, "base_tree");
    const tree = ctx.body.tree;
    if (!Array.isArray(tree)) throw invalid(`Invalid request.\n\n"tree" wasn't supplied.`, "tree", "missing_field");
    if (baseTree !== undefined && (!SHA_RE.test(baseTree) || !["tree", "commit"].includes((await rp.git.objectType(baseTree)) ?? "")))
      throw invalid("Invalid request.\n\nbase_tree is not a valid tree", "base_tree");
    const changes: IndexChange[] = [];
    const contents: { index: number; content: string }[] = [];
    for (const raw of tree as unknown[]) {
      if (!raw || typeof raw !== "object") throw invalid("Invalid tree entry", "tree");
      const e = raw as Record<string, unknown>;
      const path = str(e, "path", true).replace(/^\/+/, "");
      const mode = oneOf(e, "mode", MODES) ?? "100644";
      const type =
        oneOf(e, "type", ["blob", "tree", "commit"] as const) ?? (mode === "040000" ? "tree" : mode === "160000" ? "commit" : "blob");
      if (!path || path.split("/").some((s) => s === "" || s === "." || s === ".." || s === ".git"))
        throw invalid(`Invalid path: ${path}`, "path", "invalid", "Tree");
      if (typeof e.content === "string") {
        changes.push({ path, mode, type: "blob", sha: "" });
        contents.push({ index: changes.length - 1, content: e.content });
      } else if (e.sha === null) {
        changes.push({ path, sha: null });
      } else if (typeof e.sha === "string" && SHA_RE.test(e.sha)) {
        changes.push({ path, mode, type, sha: e.sha });
      } else throw invalid(`Invalid request.\n\nEither "sha" or "content" must be supplied for ${path}.`, "tree", "missing_field", "Tree");
    }
    // referenced objects must exist with the stated type (one git call for all of them)
    const referenced = changes
      .map((c, i) => ({ c, i }))
      .filter(({ c, i }) => c.sha && c.type !== "commit" && !contents.some((x) => x.index === i));
    const types = await rp.git.objectTypes(referenced.map(({ c }) => c.sha as string));
    referenced.forEach(({ c }, k) => {
      if (types[k] !== c.type) throw invalid(`Invalid request.\n\n${c.sha} is not a valid ${c.type}`, "tree.sha", "invalid", "Tree");
    });
    // every inline `content` becomes a blob in one git call
    const shas = await rp.git.hashMany(contents.map((c) => c.content));
    contents.forEach((c, k) => (changes[c.index].sha = shas[k]));
    const sha = await rp.git.buildTree(baseTree ?? null, changes);
    return { status: 201, body: await treeShape(rp, sha, false) };
  });
  r.add("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha*}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const t = ctx.params.tree_sha;
    const sha = await rp.git.text(["rev-parse", "--verify", "--quiet", `${t}^{tree}`]).catch(() => "");
    if (!sha) throw notFound();
    const rec = ctx.query.get("recursive");
    return treeShape(rp, sha, rec !== null && rec !== "0" && rec !== "false");
  });

  // ----- commits -----
  r.add("POST", "/repos/{owner}/{repo}/git/commits", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const message = str(ctx.body, "message", true);
    const tree = str(ctx.body, "tree", true);
    const parents = strArray(ctx.body, "parents") ?? [];
    const [treeType, ...parentTypes] = await rp.git.objectTypes([tree, ...parents].map((x) => (SHA_RE.test(x) ? x : "")));
    if (treeType !== "tree") throw invalid("Tree SHA does not exist", "tree");
    if (parentTypes.some((t) => t !== "commit")) throw invalid("Parent SHA does not exist or is not a commit object", "parents");
    const author = identityFrom(core, ctx, "author");
    const committer = identityFrom(core, ctx, "committer", author);
    const sha = await rp.git.commitTree(tree, parents, message, author, committer);
    return { status: 201, body: shapes.gitCommit(rp.key, (await rp.git.readCommit(sha))!) };
  });
  r.add("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = ctx.params.commit_sha;
    const c = SHA_RE.test(sha) ? await rp.git.readCommit(sha) : null;
    if (!c) throw notFound();
    return shapes.gitCommit(rp.key, c);
  });
}
