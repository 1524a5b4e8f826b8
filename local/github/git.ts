// Thin async wrapper over the `git` CLI for bare repositories: every object the stand-in
// reports is written by git itself, so every SHA is real.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ZERO_SHA = "0".repeat(40);

const PRE_RECEIVE = `#!/bin/sh
# Installed by the Ouro GitHub stand-in. As on GitHub, an App without the \`workflows\`
# permission may not push commits that change .github/workflows (OURO_DENY_WORKFLOWS=1).
[ "$OURO_DENY_WORKFLOWS" = "1" ] || exit 0
z=0000000000000000000000000000000000000000
while read old new ref; do
  [ "$new" = "$z" ] && continue
  f=$(git log --format= --name-only --no-renames "$new" --not --all | grep '^\\.github/workflows/' | head -n 1)
  if [ -n "$f" ]; then
    echo "refusing to allow a GitHub App to create or update workflow \\\`$f\\\` without \\\`workflows\\\` permission" >&2
    exit 1
  fi
done
exit 0
`;
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** Environment for every git call: no user/system config, a fixed identity fallback. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    LANG: "C",
    ...extra,
  };
}

export class GitError extends Error {
  readonly code: number;
  readonly stderr: string;
  constructor(args: string[], code: number, stderr: string) {
    super(`git ${args.slice(0, 3).join(" ")} failed (${code}): ${stderr.trim().slice(0, 500)}`);
    this.code = code;
    this.stderr = stderr;
  }
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export function runGit(
  args: string[],
  opts: { gitDir?: string; input?: string | Buffer; env?: Record<string, string>; allowFail?: boolean; cwd?: string } = {},
): Promise<RunResult> {
  const fullArgs = opts.gitDir ? ["--git-dir", opts.gitDir, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn("git", fullArgs, { env: gitEnv(opts.env), cwd: opts.cwd ?? tmpdir(), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.stdin.on("error", () => {}); // git may exit before reading all input
    child.on("close", (code) => {
      const r = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), code: code ?? -1 };
      if (r.code !== 0 && !opts.allowFail) reject(new GitError(args, r.code, r.stderr));
      else resolve(r);
    });
    child.stdin.end(opts.input ?? "");
  });
}

export interface Identity {
  name: string;
  email: string;
  date?: string; // ISO
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
  path: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: Identity & { date: string };
  committer: Identity & { date: string };
  message: string;
}

export interface IndexChange {
  path: string;
  mode?: string;
  /** null deletes the path */
  sha: string | null;
  type?: "blob" | "tree" | "commit";
}

/** git check-ref-format's rules, so a "ref" can never be a revision expression (main:file, main^{tree}). */
export function validRefName(ref: string): boolean {
  if (!ref || ref.startsWith("-") || ref.startsWith("/") || ref.endsWith("/") || ref.endsWith(".") || ref.endsWith(".lock")) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref) || ref.includes("..") || ref.includes("@{") || ref.includes("//") || ref === "@") return false;
  return ref.split("/").every((c) => c.length > 0 && !c.startsWith("."));
}

/** One bare repository on disk. */
export class BareRepo {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  async git(
    args: string[],
    opts: { input?: string | Buffer; env?: Record<string, string>; allowFail?: boolean; cwd?: string } = {},
  ): Promise<RunResult> {
    return runGit(args, { ...opts, gitDir: this.dir });
  }

  async text(args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<string> {
    return (await this.git(args, opts)).stdout.toString("utf8").trim();
  }

  static async init(dir: string, defaultBranch: string): Promise<BareRepo> {
    await runGit(["init", "-q", "--bare", `--initial-branch=${defaultBranch}`, dir]);
    const repo = new BareRepo(dir);
    await repo.git(["config", "http.receivepack", "true"]);
    await repo.git(["config", "receive.denyDeleteCurrent", "ignore"]);
    repo.installHooks();
    return repo;
  }

  /** The pre-receive hook that refuses workflow changes pushed by an App without `workflows` permission. */
  installHooks(): void {
    mkdirSync(join(this.dir, "hooks"), { recursive: true });
    writeFileSync(join(this.dir, "hooks", "pre-receive"), PRE_RECEIVE, { mode: 0o755 });
  }

  /** The first `.github/workflows/` path changed by commits reachable from `sha` but not from `base` (default: from no ref). */
  async workflowChange(sha: string, base?: string): Promise<string | null> {
    const range = base ? [`${base}..${sha}`] : [sha, "--not", "--all"];
    const out = await this.text(["log", "--format=", "--name-only", "--no-renames", ...range]);
    return out.split("\n").find((p) => p.startsWith(".github/workflows/")) ?? null;
  }

  /** Resolves a ref name/sha to a commit sha, or null. */
  async resolve(rev: string): Promise<string | null> {
    if (!rev || rev.startsWith("-")) return null;
    if (rev.startsWith("refs/") ? !validRefName(rev) : !/^[0-9a-f]{4,40}$/.test(rev) && !validRefName(rev)) return null;
    const r = await this.git(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { allowFail: true });
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  /** Types of many objects with one process (`cat-file --batch-check`); null for missing. */
  async objectTypes(shas: string[]): Promise<(string | null)[]> {
    const valid = shas.map((x) => /^[0-9a-f]{4,40}$/.test(x));
    const asked = shas.filter((_, i) => valid[i]);
    if (asked.length === 0) return shas.map(() => null);
    const lines = (await this.git(["cat-file", "--batch-check=%(objecttype)"], { input: asked.join("\n") + "\n" })).stdout
      .toString("utf8")
      .split("\n");
    let k = 0;
    return shas.map((_, i) => {
      if (!valid[i]) return null;
      const t = lines[k++]?.trim() ?? "";
      return /^(blob|tree|commit|tag)$/.test(t) ? t : null;
    });
  }

  async objectType(sha: string): Promise<string | null> {
    if (!/^[0-9a-f]{4,40}$/.test(sha)) return null;
    const r = await this.git(["cat-file", "-t", sha], { allowFail: true });
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  /** All refs as name → sha (e.g. refs/heads/main). */
  async refs(prefix = "refs/"): Promise<Map<string, { sha: string; type: string }>> {
    const out = await this.text(["for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", prefix]);
    const m = new Map<string, { sha: string; type: string }>();
    for (const line of out.split("\n")) {
      if (!line) continue;
      const [sha, type, ...name] = line.split(" ");
      m.set(name.join(" "), { sha, type });
    }
    return m;
  }

  /** Tips of several branches with one process (missing branches are absent from the map). */
  async branchShas(branches: string[]): Promise<Map<string, string>> {
    const wanted = branches.filter((b) => validRefName(`refs/heads/${b}`));
    const out = new Map<string, string>();
    if (wanted.length === 0) return out;
    const text = await this.text(["for-each-ref", "--format=%(objectname) %(refname)", ...wanted.map((b) => `refs/heads/${b}`)]);
    for (const line of text.split("\n")) {
      const i = line.indexOf(" ");
      const name = line.slice(i + 1).replace(/^refs\/heads\//, "");
      if (i > 0 && wanted.includes(name)) out.set(name, line.slice(0, i));
    }
    return out;
  }

  async refSha(ref: string): Promise<string | null> {
    if (!validRefName(ref)) return null;
    const r = await this.git(["rev-parse", "--verify", "--quiet", ref], { allowFail: true });
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  /** Compare-and-swap ref update; `old` = null means "must not exist", undefined = don't care. */
  async updateRef(ref: string, sha: string, old?: string | null): Promise<boolean> {
    if (!validRefName(ref)) return false;
    const args = ["update-ref", ref, sha];
    if (old !== undefined) args.push(old ?? ZERO_SHA);
    const r = await this.git(args, { allowFail: true });
    return r.code === 0;
  }

  async deleteRef(ref: string): Promise<boolean> {
    const r = await this.git(["update-ref", "-d", ref], { allowFail: true });
    return r.code === 0;
  }

  async hashObject(content: Buffer | string, type = "blob"): Promise<string> {
    return this.text(["hash-object", "-w", "-t", type, "--stdin", "--no-filters"], { input: content });
  }

  /** Writes many blobs with one git process (contents staged as temp files, `--stdin-paths`). */
  async hashMany(contents: (Buffer | string)[]): Promise<string[]> {
    if (contents.length === 0) return [];
    if (contents.length === 1) return [await this.hashObject(contents[0])];
    const tmp = mkdtempSync(join(tmpdir(), "ouro-gh-blobs-"));
    try {
      const paths = contents.map((c, i) => {
        const p = join(tmp, String(i));
        writeFileSync(p, c);
        return p;
      });
      const out = await this.text(["hash-object", "-w", "--no-filters", "--stdin-paths"], { input: paths.join("\n") + "\n" });
      return out.split("\n");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  async catFile(sha: string, type = "blob"): Promise<Buffer | null> {
    const r = await this.git(["cat-file", type, sha], { allowFail: true });
    return r.code === 0 ? r.stdout : null;
  }

  async readCommit(sha: string): Promise<CommitInfo | null> {
    const raw = await this.catFile(sha, "commit");
    if (!raw) return null;
    return parseCommit(sha, raw.toString("utf8"));
  }

  async lsTree(treeish: string, opts: { recursive?: boolean; path?: string } = {}): Promise<TreeEntry[]> {
    const args = ["ls-tree", "-l", "-z"];
    if (opts.recursive) args.push("-r", "-t");
    args.push(treeish);
    if (opts.path) args.push("--", opts.path);
    const r = await this.git(args, { allowFail: true });
    if (r.code !== 0) return [];
    const entries: TreeEntry[] = [];
    for (const rec of r.stdout.toString("utf8").split("\0")) {
      if (!rec) continue;
      const tab = rec.indexOf("\t");
      const [mode, type, sha, size] = rec.slice(0, tab).split(/ +/);
      entries.push({ mode, type: type as TreeEntry["type"], sha, size: size === "-" ? undefined : Number(size), path: rec.slice(tab + 1) });
    }
    return entries;
  }

  /**
   * Builds a tree from an optional base tree plus changes, through a throwaway index
   * (read-tree + update-index + write-tree: three processes whatever the number of changes).
   */
  async buildTree(baseTree: string | null, changes: IndexChange[]): Promise<string> {
    const tmp = mkdtempSync(join(tmpdir(), "ouro-gh-idx-"));
    const env = { GIT_INDEX_FILE: join(tmp, "index") };
    try {
      if (baseTree) await this.git(["read-tree", baseTree], { env });
      else await this.git(["read-tree", "--empty"], { env });
      const treeChanges = changes.filter((c) => c.type === "tree" && c.sha !== null);
      const lines: string[] = [];
      const dropPrefixes = changes.filter((c) => c.sha === null || c.type === "tree").map((c) => c.path);
      if (dropPrefixes.length > 0 && baseTree) {
        // Remove whole subtrees (a deleted or replaced directory) as well as single files.
        const listed = (await this.git(["ls-files", "-z", "--", ...dropPrefixes], { env })).stdout.toString("utf8");
        for (const p of listed.split("\0")) if (p) lines.push(`0 ${ZERO_SHA}\t${p}`);
      }
      for (const c of changes) {
        if (c.sha === null || c.type === "tree") continue;
        lines.push(`${c.mode ?? "100644"} ${c.sha}\t${c.path}`);
      }
      if (lines.length > 0) await this.git(["update-index", "--add", "--remove", "--index-info"], { env, input: lines.join("\n") + "\n" });
      for (const t of treeChanges) await this.git(["read-tree", `--prefix=${t.path.replace(/\/$/, "")}/`, t.sha as string], { env });
      return await this.text(["write-tree"], { env });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Imports a directory's files as a tree (its .gitignore is respected, .git is skipped). */
  async treeFromDir(dir: string): Promise<string> {
    const tmp = mkdtempSync(join(tmpdir(), "ouro-gh-idx-"));
    const env = { GIT_INDEX_FILE: join(tmp, "index"), GIT_WORK_TREE: dir };
    try {
      await this.git(["add", "-A", "--", "."], { env, cwd: dir });
      return await this.text(["write-tree"], { env });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  async commitTree(tree: string, parents: string[], message: string, author: Identity, committer: Identity = author): Promise<string> {
    const args = ["commit-tree", tree];
    for (const p of parents) args.push("-p", p);
    return this.text(args, {
      input: message,
      env: {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: author.date ?? new Date().toISOString(),
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
        GIT_COMMITTER_DATE: committer.date ?? new Date().toISOString(),
      },
    });
  }

  /** Three-way merge without a work tree. Returns the merged tree or null on conflict. */
  async mergeTree(base: string, head: string): Promise<{ tree: string | null; conflicts: boolean }> {
    const r = await this.git(["merge-tree", "--write-tree", "--no-messages", base, head], { allowFail: true });
    const first = r.stdout.toString("utf8").split("\n")[0].trim();
    if (r.code === 0) return { tree: first, conflicts: false };
    if (r.code === 1) return { tree: null, conflicts: true };
    throw new GitError(["merge-tree"], r.code, r.stderr);
  }

  async isAncestor(a: string, b: string): Promise<boolean> {
    const r = await this.git(["merge-base", "--is-ancestor", a, b], { allowFail: true });
    return r.code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | null> {
    const r = await this.git(["merge-base", a, b], { allowFail: true });
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  /** Commit shas reachable from `rev`, newest first. */
  async revList(rev: string, opts: { max?: number; skip?: number; path?: string; exclude?: string } = {}): Promise<string[]> {
    const args = ["rev-list"];
    if (opts.max !== undefined) args.push(`--max-count=${opts.max}`);
    if (opts.skip) args.push(`--skip=${opts.skip}`);
    args.push(rev);
    if (opts.exclude) args.push(`^${opts.exclude}`);
    if (opts.path) args.push("--", opts.path);
    const out = await this.text(args);
    return out ? out.split("\n") : [];
  }

  /** Changed paths between two tree-ishes: added/removed/modified (one process). */
  async nameStatus(from: string, to: string): Promise<{ path: string; status: "added" | "removed" | "modified" }[]> {
    const parts = (await this.git(["diff-tree", "-r", "-z", "--name-status", "--no-renames", from, to])).stdout
      .toString("utf8")
      .split("\0");
    const out: { path: string; status: "added" | "removed" | "modified" }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const st = parts[i];
      if (!st) continue;
      out.push({ path: parts[i + 1], status: st.startsWith("A") ? "added" : st.startsWith("D") ? "removed" : "modified" });
    }
    return out;
  }

  /** Changed files between two commits with line counts. */
  async diffFiles(
    from: string,
    to: string,
  ): Promise<{ path: string; status: string; additions: number; deletions: number; sha: string | null; oldPath?: string }[]> {
    const raw = (await this.git(["diff-tree", "-r", "-z", "--no-renames", from, to])).stdout.toString("utf8").split("\0");
    const stats = (await this.git(["diff-tree", "-r", "-z", "--numstat", "--no-renames", from, to])).stdout.toString("utf8").split("\0");
    const counts = new Map<string, [number, number]>();
    for (const s of stats) {
      const m = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(s.replace(/^\n/, ""));
      if (m) counts.set(m[3], [m[1] === "-" ? 0 : Number(m[1]), m[2] === "-" ? 0 : Number(m[2])]);
    }
    const files: { path: string; status: string; additions: number; deletions: number; sha: string | null }[] = [];
    for (let i = 0; i < raw.length - 1; i += 2) {
      const meta = raw[i].replace(/^\n/, "");
      if (!meta.startsWith(":")) continue;
      const [, , , newSha, st] = meta.slice(1).split(" ");
      const path = raw[i + 1];
      const [a, d] = counts.get(path) ?? [0, 0];
      const status = st.startsWith("A") ? "added" : st.startsWith("D") ? "removed" : "modified";
      files.push({ path, status, additions: a, deletions: d, sha: status === "removed" ? null : newSha });
    }
    return files;
  }
}

export function parseCommit(sha: string, raw: string): CommitInfo {
  const sep = raw.indexOf("\n\n");
  const header = sep >= 0 ? raw.slice(0, sep) : raw;
  const message = sep >= 0 ? raw.slice(sep + 2) : "";
  let tree = "";
  const parents: string[] = [];
  let author = { name: "", email: "", date: "" };
  let committer = { name: "", email: "", date: "" };
  for (const line of header.split("\n")) {
    if (line.startsWith("tree ")) tree = line.slice(5);
    else if (line.startsWith("parent ")) parents.push(line.slice(7));
    else if (line.startsWith("author ")) author = parseIdent(line.slice(7));
    else if (line.startsWith("committer ")) committer = parseIdent(line.slice(10));
  }
  return { sha, tree, parents, author, committer, message };
}

function parseIdent(s: string): Identity & { date: string } {
  const m = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(s);
  if (!m) return { name: s, email: "", date: new Date(0).toISOString() };
  return { name: m[1], email: m[2], date: new Date(Number(m[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") };
}
