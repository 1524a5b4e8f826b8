// The CLI as a user runs it: seeds a repository and an App, prints how to reach them,
// serves git, and stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { cleanup, fixtureDir, git, tempDir } from "./helpers.ts";

const data = tempDir("ouro-gh-cli-");
const work = tempDir();
const fixture = fixtureDir();
afterAll(() => cleanup(data, work, fixture));

function run(args: string[]): {
  child: ReturnType<typeof spawn>;
  out: () => string;
  firstJson: Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["local/cli.ts", "github", ...args], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const firstJson = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith('{"standin":"github"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.on("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, firstJson, exit };
}

it("starts with --repo and --app, prints clone URL, app id, key file and secret, serves git, stops on SIGTERM", async () => {
  const p = run([
    "--port",
    "0",
    "--data",
    data,
    "--repo",
    `acme/bot=${fixture}`,
    "--app",
    "Ouro Local",
    "--webhook-url",
    "http://127.0.0.1:9/hook",
    "--user",
    "alice",
    "--log-level",
    "warn",
  ]);
  const info = await p.firstJson;
  const app = info.app as { appId: number; privateKeyFile: string; webhookSecret: string; installationIds: number[] };
  expect(p.out()).toContain(`app ouro-local: id ${app.appId}`);
  expect(p.out()).toContain(app.privateKeyFile);
  expect(existsSync(app.privateKeyFile)).toBe(true);
  expect(app.webhookSecret).toMatch(/\w{20,}/);
  expect(app.installationIds).toHaveLength(1);
  const token = (info.users as { token: string }[])[0].token;
  const url = (info.repos as { cloneUrl: string }[])[0].cloneUrl.replace("http://", `http://x-access-token:${token}@`);
  expect(await git(work, "ls-remote", url, "refs/heads/main")).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main$/);
  p.child.kill("SIGTERM");
  expect(await p.exit).toBe(0);

  // restarting on the same data dir keeps the repository and the app
  const again = run(["--data", data, "--repo", `acme/bot=${fixture}`, "--app", "Ouro Local", "--log-level", "warn"]);
  const info2 = await again.firstJson;
  expect((info2.app as { appId: number }).appId).toBe(app.appId);
  expect(again.out()).toContain("already there");
  again.child.kill("SIGINT");
  expect(await again.exit).toBe(0);
});

it("rejects bad arguments with a usage message and exit code 2", async () => {
  const p = run(["--repo", "not-a-repo-spec"]);
  await p.firstJson.catch(() => undefined);
  expect(await p.exit).toBe(2);
  expect(p.out()).toMatch(/--repo expects owner\/name/);
});
