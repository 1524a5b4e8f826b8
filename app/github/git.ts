// git plumbing for the app: a work clone per job, fetched with the installation token,
// and pushes of exact commits to exact branches. The token is passed per command
// (an http.extraHeader), never written into .git/config.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

export const APP_IDENTITY = { name: "ouro[bot]", email: "ouro[bot]@users.noreply.github.com" };

export class GitFailed extends Error {
  override name = "GitFailed";
}

export function runGit(cwd: string, args: string[], token?: string): Promise<string> {
  const auth = token ? ["-c", `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`] : [];
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...auth, ...args],
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: "0",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_AUTHOR_NAME: APP_IDENTITY.name,
          GIT_AUTHOR_EMAIL: APP_IDENTITY.email,
          GIT_COMMITTER_NAME: APP_IDENTITY.name,
          GIT_COMMITTER_EMAIL: APP_IDENTITY.email,
        },
      },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new GitFailed(
              `git ${args[0]} failed: ${String(stderr || err.message)
                .trim()
                .split("\n")
                .slice(-3)
                .join(" ")}`,
            ),
          );
        else resolve(stdout.trim());
      },
    );
  });
}

/** A fresh clone of the repository's default branch in `${root}/${name}` (replaced if present). */
export async function freshClone(root: string, name: string, remote: string, token: string): Promise<string> {
  mkdirSync(root, { recursive: true });
  const dir = join(root, name);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  await runGit(root, ["clone", "--quiet", "--no-tags", remote, name], token);
  await runGit(dir, ["config", "commit.gpgsign", "false"]);
  return dir;
}

export async function fetchRef(dir: string, ref: string, token: string): Promise<void> {
  await runGit(dir, ["fetch", "--quiet", "--no-tags", "origin", ref], token);
}

/** Force-pushes `sha` to `refs/heads/${branch}` (branches under ouro/ belong to the app). */
export async function pushBranch(dir: string, sha: string, branch: string, token: string): Promise<void> {
  if (!/^ouro\/[A-Za-z0-9._/-]+$/.test(branch) || branch.includes(".."))
    throw new GitFailed(`refusing to push to ${branch}: not an ouro/ branch`);
  await runGit(dir, ["push", "--quiet", "--force", "origin", `${sha}:refs/heads/${branch}`], token);
}

/**
 * The mechanical revert of a merged change: `git revert -m 1` for a merge commit (plain
 * revert for a squash or rebase merge) on top of the current default branch.
 */
export async function revertCommit(dir: string, mergeSha: string, message: string): Promise<string> {
  const parents = (await runGit(dir, ["rev-list", "--parents", "-n", "1", mergeSha])).split(" ").length - 1;
  const args = ["revert", "--no-edit", "--no-gpg-sign"];
  if (parents > 1) args.push("-m", "1");
  try {
    await runGit(dir, [...args, mergeSha]);
  } catch (e) {
    await runGit(dir, ["revert", "--abort"]).catch(() => undefined);
    throw e;
  }
  await runGit(dir, ["commit", "--amend", "--no-gpg-sign", "-m", message]);
  return runGit(dir, ["rev-parse", "HEAD"]);
}
