// A GitHub stand-in with the Actions stand-in connected, repositories made from a few
// files, and a human (alice) who pushes branches and opens pull requests with her token.
import { Octokit } from "@octokit/rest";
import { startGitHub } from "../../../local/github/index.ts";
import type { DriverUser, GitHubStandIn } from "../../../local/github/index.ts";
import { startActionsOn } from "../../../local/actions/index.ts";
import type { ActionsStandIn, ActionsApp } from "../../../local/actions/index.ts";
import { cleanup, fixtureDir, git, tempDir, writeFiles } from "../github/helpers.ts";

export interface World {
  gh: GitHubStandIn;
  actions: ActionsStandIn & { app: ActionsApp };
  alice: DriverUser;
  aliceApi: Octokit;
  lines: string[];
  /** A repository of `files`, or of the directory `files` names. */
  repo(name: string, files: Record<string, string> | string): Promise<Repo>;
  /** Every webhook delivered and every job they started reported. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface Repo {
  full: string;
  owner: string;
  name: string;
  /** Pushes `files` (null deletes) on `branch` (from main, or its current tip); returns the new sha. */
  push(branch: string, files: Record<string, string | null>): Promise<string>;
  /** Pushes a branch and opens a PR into main; returns its number and head sha. */
  pr(branch: string, files: Record<string, string | null>): Promise<{ number: number; sha: string }>;
  checks(sha: string): Promise<CheckRun[]>;
  annotations(checkRunId: number): Promise<{ path: string; start_line: number; annotation_level: string | null; message: string | null }[]>;
}

export interface CheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null; annotations_count: number };
  app: { slug: string } | null;
}

export async function startWorld(opts: { nodeDir?: string; dataDir?: string; npmCache?: string } = {}): Promise<World> {
  const gh = await startGitHub({ logLevel: "silent", deliveries: { timeoutMs: 30_000 } });
  const dirs: string[] = [];
  const first = fixtureDir({ "README.md": "# seed\n" });
  dirs.push(first);
  await gh.createRepo({ owner: "acme", name: "seed", fromDir: first });
  const lines: string[] = [];
  const dataDir = opts.dataDir ?? tempDir("ouro-actions-test-");
  if (!opts.dataDir) dirs.push(dataDir);
  const actions = await startActionsOn(gh, {
    repo: "acme/seed",
    dataDir,
    nodeDir: opts.nodeDir,
    npmCache: opts.npmCache,
    log: (l) => lines.push(l),
  });
  const alice = gh.driver.user("alice");
  const aliceApi = new Octokit({ baseUrl: gh.apiUrl, auth: alice.token, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const work = tempDir("ouro-actions-work-");
  dirs.push(work);

  const settle = async () => {
    await gh.deliveries.idle();
    await actions.idle();
    await gh.deliveries.idle();
  };

  return {
    gh,
    actions,
    alice,
    aliceApi,
    lines,
    settle,
    async repo(name, files) {
      const src = typeof files === "string" ? files : fixtureDir(files);
      if (typeof files !== "string") dirs.push(src);
      await gh.createRepo({ owner: "acme", name, fromDir: src });
      gh.installApp(actions.app.appId, `acme/${name}`);
      const clone = `${work}/${name}`;
      await git(work, "clone", "-q", gh.cloneUrl("acme", name, alice.token), clone);
      const push = async (branch: string, change: Record<string, string | null>) => {
        const exists = (await git(clone, "ls-remote", "origin", `refs/heads/${branch}`)) !== "";
        await git(clone, "fetch", "-q", "origin");
        await git(clone, "checkout", "-q", "-B", branch, exists ? `origin/${branch}` : "origin/main");
        const writes: Record<string, string> = {};
        for (const [p, c] of Object.entries(change)) {
          if (c === null) await git(clone, "rm", "-q", p);
          else writes[p] = c;
        }
        writeFiles(clone, writes);
        await git(clone, "add", "-A");
        await git(clone, "commit", "-q", "-m", `change ${branch}`);
        await git(clone, "push", "-q", "origin", `HEAD:refs/heads/${branch}`);
        return git(clone, "rev-parse", "HEAD");
      };
      return {
        full: `acme/${name}`,
        owner: "acme",
        name,
        push,
        async pr(branch, change) {
          const sha = await push(branch, change);
          const pr = await alice.createPull(`acme/${name}`, { title: `PR ${branch}`, head: branch, base: "main" });
          return { number: pr.number as number, sha };
        },
        async checks(sha) {
          const { data } = await aliceApi.checks.listForRef({ owner: "acme", repo: name, ref: sha, per_page: 100 });
          return data.check_runs as unknown as CheckRun[];
        },
        async annotations(id) {
          const { data } = await aliceApi.checks.listAnnotations({ owner: "acme", repo: name, check_run_id: id, per_page: 100 });
          return data;
        },
      };
    },
    async close() {
      await actions.close();
      await gh.deliveries.idle();
      await gh.close();
      cleanup(...dirs);
    },
  };
}

/** A workflow running `steps` on pull_request (YAML text under `steps:`). */
export function workflow(on: string, steps: string, extra = ""): string {
  return `name: t\non: ${on}\n${extra}jobs:\n  check:\n    name: check\n    runs-on: ubuntu-latest\n    steps:\n${steps}`;
}

/** A plugin-only self-edit's files: a /hello plugin answering `greeting`, and its test. */
export const helloPlugin = (greeting: string): string => `// /hello: says hello.
import { definePlugin } from "../../plugin-api/index.ts";

export const HELLO = ${JSON.stringify(greeting)};

export default definePlugin({
  name: "hello",
  description: "Answers /hello",
  commands: [
    {
      name: "hello",
      description: "Say hello",
      async run(call) {
        await call.reply(HELLO);
      },
    },
  ],
});
`;
export const HELLO_TEST = `import { describe, expect, it } from "vitest";
import { runCommand } from "../../plugin-api/testing.ts";
import hello, { HELLO } from "./index.ts";

describe("hello plugin", () => {
  it("answers /hello", async () => {
    expect(await runCommand(hello, "hello")).toEqual([{ kind: "reply", message: HELLO }]);
  });
});
`;
