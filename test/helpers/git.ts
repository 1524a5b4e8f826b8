// Real git repositories in temp dirs for tests: no mocks of git.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  }).trim();
}

export interface TestRepo {
  dir: string;
  /** Writes files (path → content; null deletes) into the work tree. */
  write(files: Record<string, string | null>): void;
  symlink(path: string, target: string): void;
  chmod(path: string, mode: number): void;
  /** Stages everything and commits; returns the commit SHA. */
  commit(message?: string): string;
  git(...args: string[]): string;
  cleanup(): void;
}

export function makeRepo(prefix = "ouro-test-"): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.name", GIT_ENV.GIT_AUTHOR_NAME);
  git(dir, "config", "user.email", GIT_ENV.GIT_AUTHOR_EMAIL);
  git(dir, "config", "commit.gpgsign", "false");
  return {
    dir,
    write(files) {
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
    },
    symlink(path, target) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      symlinkSync(target, full);
    },
    chmod(path, mode) {
      chmodSync(join(dir, path), mode);
    },
    commit(message = "change") {
      git(dir, "add", "-A");
      git(dir, "commit", "-q", "--allow-empty", "-m", message);
      return git(dir, "rev-parse", "HEAD");
    },
    git: (...args) => git(dir, ...args),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
