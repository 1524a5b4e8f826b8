// Releases are git worktrees of a bare mirror kept in the data dir: fetching is
// incremental and each release directory costs only its checked-out files. The repository
// URL (which may embed a token) is never written to the mirror's config: bot processes run
// beside it and must not find a GitHub credential on disk.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** git with only our own configuration: inherited GIT_* variables could point elsewhere. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_") && v !== undefined) env[k] = v;
  env.GIT_TERMINAL_PROMPT = "0";
  const { stdout } = await run("git", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** `url` with any user name and password (a token) in it replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1***@");
}

/** `text` with every credential of `url` (and any URL's user info) taken out. */
function redact(text: string, url: string): string {
  let out = text;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s]*)@/i.exec(url);
  if (m) for (const secret of m[1].split(":").map(decodeURIComponent)) if (secret.length >= 4) out = out.split(secret).join("***");
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, "$1***@");
}

/** Why the remote refused or could not be reached, in plain words (never the token). */
export class RemoteError extends Error {
  override name = "RemoteError";
  readonly kind: "auth" | "unreachable" | "not-found" | "other";
  constructor(kind: RemoteError["kind"], message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A failed `git fetch` from `url`, classified from git's own message. */
export function remoteError(url: string, stderr: string): RemoteError {
  const where = redactUrl(url);
  const said = redact(stderr, url)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-2)
    .join(" ")
    .slice(0, 200);
  if (
    /authentication failed|could not read (username|password)|terminal prompts disabled|HTTP (401|403)|invalid username or (password|token)|permission to .* denied|access denied/i.test(
      stderr,
    )
  )
    return new RemoteError(
      "auth",
      `authentication failed for ${where}: the repository refused the hook's credentials (check the token in --repo: missing, expired, or without contents: read)`,
    );
  if (/repository not found|HTTP 404|does not appear to be a git repository|not found/i.test(stderr))
    return new RemoteError("not-found", `repository not found at ${where} (or the hook's token cannot see it)`);
  if (
    /could not resolve host|connection refused|failed to connect|couldn't connect|timed out|network is unreachable|no route to host|empty reply|could not connect/i.test(
      stderr,
    )
  )
    return new RemoteError("unreachable", `cannot reach ${where}: ${said || "no answer"}`);
  return new RemoteError("other", `fetching from ${where} failed: ${said || "git gave no reason"}`);
}

export class Mirror {
  readonly dir: string;
  readonly url: string;
  constructor(dataDir: string, url: string) {
    this.dir = join(dataDir, "repo.git");
    this.url = url;
  }

  async ensure(): Promise<void> {
    if (!existsSync(join(this.dir, "HEAD"))) {
      mkdirSync(this.dir, { recursive: true });
      await git(this.dir, "init", "-q", "--bare");
    }
  }

  /** The full sha of `rev` if the mirror has it as a commit, else null. */
  async resolve(rev: string): Promise<string | null> {
    try {
      return await git(this.dir, "rev-parse", "--verify", "--quiet", `${rev}^{commit}`);
    } catch {
      return null;
    }
  }

  /**
   * Makes sure `sha` is here: already fetched, or in the remote's branches, or fetchable by
   * id. Null when the remote answered but has no such commit; a RemoteError when the remote
   * refused the credentials, could not be reached or was not found (said as such, no token).
   */
  async fetchCommit(sha: string): Promise<string | null> {
    await this.ensure();
    const have = await this.resolve(sha);
    if (have) return have;
    await this.#fetchBranches();
    const fetched = await this.resolve(sha);
    if (fetched || !/^[0-9a-f]{40}$/.test(sha)) return fetched;
    // Some servers serve any reachable commit by id (uploadpack.allowReachableSHA1InWant);
    // the branches were fetched just now, so a refusal here means "no such commit".
    await git(this.dir, "fetch", "-q", this.url, sha).catch(() => undefined);
    return this.resolve(sha);
  }

  /** The first parent of `sha`, if the mirror has it. */
  async firstParent(sha: string): Promise<string | null> {
    return this.resolve(`${sha}^1`);
  }

  /** Fetches every branch of the remote, or throws a RemoteError saying why it could not. */
  async #fetchBranches(): Promise<void> {
    try {
      await git(this.dir, "fetch", "-q", "--prune", this.url, "+refs/heads/*:refs/heads/*");
    } catch (err) {
      throw remoteError(this.url, String((err as { stderr?: string }).stderr ?? (err as Error).message));
    }
  }

  async addWorktree(dir: string, sha: string): Promise<void> {
    await git(this.dir, "worktree", "prune");
    await git(this.dir, "worktree", "add", "-q", "--force", "--detach", dir, sha);
  }

  async removeWorktree(dir: string): Promise<void> {
    await git(this.dir, "worktree", "remove", "--force", dir).catch(() => undefined);
    await git(this.dir, "worktree", "prune");
  }
}
