// A scratch directory per agent attempt (app/agent/attempts.ts) and the worktree made in one
// (worktree.ts): two attempts at one change never share a directory; what an attempt killed
// mid-way left (a real process, SIGKILLed) is swept, a live attempt's never — this process's
// or another's; a bad name or a root others could swap is refused in plain words.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { agentScratchRoot, startAttempt, sweepAttempts } from "../../../app/agent/attempts.ts";
import { createWorktree, git } from "../../../app/agent/worktree.ts";

const ATTEMPTS = fileURLToPath(new URL("../../../app/agent/attempts.ts", import.meta.url));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), "ouro-attempts-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** Another process that starts an attempt under `root`, writes into it and stays until killed. */
async function attemptInChild(root: string, name: string): Promise<{ child: ChildProcess; dir: string }> {
  const script = [
    `import { writeFileSync } from "node:fs";`,
    `import { startAttempt } from ${JSON.stringify(ATTEMPTS)};`,
    `const dir = startAttempt(${JSON.stringify(root)}, ${JSON.stringify(name)}).dir;`,
    `writeFileSync(dir + "/half-done.txt", "x");`,
    // the attempt object itself is garbage now: its lock must not go with it
    `globalThis.gc();`,
    `globalThis.gc();`,
    `console.log(dir);`,
    `setInterval(() => {}, 1 << 30);`,
  ].join("\n");
  const child = spawn(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => child.kill("SIGKILL"));
  const dir = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (code) => reject(new Error(`the attempt's process exited with ${code}`)));
  });
  return { child, dir };
}

const killed = (child: ChildProcess) =>
  new Promise<void>((r) => {
    child.once("exit", () => r());
    child.kill("SIGKILL");
  });

it("two attempts at one change get two directories; release removes the directory and its lock file", () => {
  const root = scratch();
  const a = startAttempt(root, "discord-1");
  const b = startAttempt(root, "discord-1");
  expect(a.dir).not.toBe(b.dir);
  expect(a.id).toMatch(/^discord-1~[0-9a-f]{12}$/);
  writeFileSync(join(a.dir, "f"), "x");
  a.release();
  a.release(); // twice is once
  expect(readdirSync(root).sort()).toEqual([b.id, `${b.id}.lock`].sort());
  b.release();
  expect(readdirSync(root)).toEqual([]);
});

it("the sweep leaves live attempts alone (this process's and another's) and removes a killed one's leftovers", async () => {
  const root = scratch();
  const mine = startAttempt(root, "discord-2");
  cleanups.push(() => mine.release());
  const other = await attemptInChild(root, "discord-3");
  expect(sweepAttempts(root)).toEqual([]);
  expect(existsSync(join(mine.dir))).toBe(true);
  expect(existsSync(join(other.dir, "half-done.txt"))).toBe(true);

  await killed(other.child); // mid-attempt: it never cleaned up
  expect(existsSync(join(other.dir, "half-done.txt"))).toBe(true);
  const id = other.dir.split("/").pop()!;
  expect(sweepAttempts(root)).toEqual([id]);
  expect(readdirSync(root).sort()).toEqual([mine.id, `${mine.id}.lock`].sort());
  // this process's attempt still holds its lock after the sweep looked at it
  expect(sweepAttempts(root)).toEqual([]);
  expect(existsSync(mine.dir)).toBe(true);
});

it("the sweep removes an attempt directory whose lock file is gone, and leaves what is not an attempt", () => {
  const root = scratch();
  mkdirSync(join(root, "discord-4~0123456789ab"));
  writeFileSync(join(root, "discord-4~0123456789ab", "left"), "x");
  mkdirSync(join(root, "not-an-attempt"));
  writeFileSync(join(root, "notes.lock"), "");
  expect(sweepAttempts(root)).toEqual(["discord-4~0123456789ab"]);
  expect(readdirSync(root).sort()).toEqual(["not-an-attempt", "notes.lock"]);
  expect(sweepAttempts(join(root, "missing"))).toEqual([]);
});

it("a name that is not a safe word is refused and nothing is made", () => {
  const root = scratch();
  expect(() => startAttempt(root, "../escape")).toThrow(
    'cannot name a scratch directory after "../escape": only letters, digits, ".", "_" and "-"',
  );
  expect(readdirSync(root)).toEqual([]);
});

it("a scratch root others can write (or another user's) is refused", () => {
  const tmp = scratch();
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  cleanups.push(() => (before === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = before)));
  const root = agentScratchRoot();
  expect(root).toBe(join(tmp, `ouro-agent-${process.getuid!()}`));
  chmodSync(root, 0o777);
  expect(() => agentScratchRoot()).toThrow(
    `the agent's scratch directory ${root} is not this user's own directory (a link, another owner, or writable by others); remove it, or set TMPDIR to another place`,
  );
});

it("a worktree lives in its attempt's directory, named after the change, and goes with it", () => {
  const root = scratch();
  const repo = join(root, "..", `${root.split("/").pop()}-repo`);
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  mkdirSync(repo);
  git(repo, ["init", "-q", "-b", "main"]);
  writeFileSync(join(repo, "a.txt"), "a\n");
  git(repo, ["add", "a.txt"]);
  git(repo, ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "a"]);
  const first = createWorktree(repo, "HEAD", undefined, { root, name: "discord-5" });
  const second = createWorktree(repo, "HEAD", undefined, { root, name: "discord-5" });
  expect(first.dir).toMatch(new RegExp(`^${root}/discord-5~[0-9a-f]{12}/tree$`));
  expect(second.dir).not.toBe(first.dir);
  expect(existsSync(join(first.dir, "a.txt"))).toBe(true);
  first.remove();
  second.remove();
  expect(readdirSync(root)).toEqual([]);
  expect(
    git(repo, ["worktree", "list", "--porcelain"])
      .split("\n")
      .filter((l) => l.startsWith("worktree ")),
  ).toHaveLength(1);
});
