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

  /** Makes sure `sha` is here: already fetched, or in the remote's branches, or fetchable by id. */
  async fetchCommit(sha: string): Promise<string | null> {
    await this.ensure();
    const have = await this.resolve(sha);
    if (have) return have;
    await git(this.dir, "fetch", "-q", "--prune", this.url, "+refs/heads/*:refs/heads/*").catch(() => undefined);
    const fetched = await this.resolve(sha);
    if (fetched || !/^[0-9a-f]{40}$/.test(sha)) return fetched;
    // Some servers serve any reachable commit by id (uploadpack.allowReachableSHA1InWant).
    await git(this.dir, "fetch", "-q", this.url, sha).catch(() => undefined);
    return this.resolve(sha);
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
