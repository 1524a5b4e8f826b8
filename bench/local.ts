// `npm run bench -- local`: local mode as a new user meets it. `npm start` (a real process on a
// fresh data directory) → ready; then the demo's story, timed per step: request → PR, PR →
// checks complete (the repository's real workflows on the Actions stand-in), merge → the new
// command answering, /rollback → the old release answering. Peers in the same run: a second
// start on the same data directory (resume) for "ready", and the workflow jobs' own run time
// (check runs' started → completed) for "PR → checks complete", so the ratio is the runner's
// and the app's overhead around the real work.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Octokit } from "@octokit/rest";
import { figure, report } from "./report.ts";
import { runDemo } from "../local/mode/demo.ts";
import { secrets, type Endpoints } from "../local/mode/start.ts";

const ROOT = join(import.meta.dirname, "..");
const data = mkdtempSync(join(tmpdir(), "ouro-bench-local-"));
const base = 20_000 + Math.floor(Math.random() * 30_000);
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && !["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"].includes(k)) env[k] = v;

/** Starts local mode; resolves with the seconds to its ready line and a stop function. */
async function start(): Promise<{ readyS: number; stop(): Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, "main.ts"), "--data", data, "--port", String(base)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => /local mode is ready/.test(l) && resolve());
    void exited.then(() => reject(new Error("local mode exited before it was ready")));
  });
  const readyS = (performance.now() - t0) / 1000;
  return {
    readyS,
    async stop() {
      child.kill("SIGINT");
      await exited;
    },
  };
}

let running: { stop(): Promise<void> } | null = null;
try {
  const first = await start();
  running = first;
  console.log(`npm start → ready (fresh): ${first.readyS.toFixed(1)} s`);
  const endpoints = JSON.parse(readFileSync(join(data, "endpoints.json"), "utf8")) as Endpoints;
  const result = await runDemo({ endpoints, appToken: secrets(data).appToken, stepTimeoutMs: 300_000 });
  if (!result.ok) throw new Error(`the demo failed: ${result.failure}`);
  const at = result.steps.map((s) => s.atMs / 1000);
  // The jobs' own run time, from the check runs of the PR's head.
  const [owner, repo] = endpoints.repo.split("/");
  const token = (
    (await (await fetch(`${endpoints.github.url}/_driver/users`, { method: "POST", body: JSON.stringify({ login: "bench" }) })).json()) as {
      token: string;
    }
  ).token;
  const gh = new Octokit({ auth: token, baseUrl: endpoints.github.apiUrl });
  const pr = (await gh.rest.pulls.list({ owner, repo, state: "all", per_page: 10 })).data.find((p) => !/revert/i.test(p.title))!;
  const runs = (await gh.rest.checks.listForRef({ owner, repo, ref: pr.head.sha })).data.check_runs;
  const jobS = Math.max(...runs.map((r) => (Date.parse(r.completed_at!) - Date.parse(r.started_at!)) / 1000));
  await first.stop();
  running = null;
  const again = await start();
  running = again;
  await again.stop();
  running = null;
  report("local", {
    "npm start → ready": figure(first.readyS, "s", { target: 15, peer: again.readyS }),
    "request → PR": figure(at[2], "s"),
    "PR → checks complete": figure(at[3] - at[2], "s", { peer: jobS }),
    "merge → new command answering": figure(at[6] - at[4], "s"),
    "/rollback → old release answering": figure(at[8] - at[6], "s"),
    "request → answering command": figure(at[6], "s", { target: 90 }),
  });
} finally {
  await running?.stop(); // local mode stops what it started before its data goes
  rmSync(data, { recursive: true, force: true });
}
