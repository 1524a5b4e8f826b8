// `npm run demo`: the whole story against a running local mode (or one it starts), a line per
// step with its time. Everything goes through what a person would use: Discord (the stand-in's
// driver, as a guild member), GitHub (REST, as a maintainer) and the app's progress stream.
// Exit 0 only when every step happened; a failing step says what it waited for.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Octokit } from "@octokit/rest";
import { API_PREFIX, type ProgressEvent } from "../../contract/app-link.ts";
import { LOCAL_OPTIONS } from "./cli.ts";
import { secrets, startLocalMode, type Endpoints, type LocalMode } from "./start.ts";

const USAGE = "usage: npm run demo -- [--data DIR] [--port N] [--step-timeout-s N]";

class StepFailed extends Error {}

/** The app's progress stream (server-sent events), kept in order; waits are for events. */
class Progress {
  readonly events: ProgressEvent[] = [];
  #listeners = new Set<() => void>();
  #abort = new AbortController();
  /** Resolves once the stream is open (the history so far comes first); rejects if it cannot be. */
  readonly connected: Promise<void>;
  constructor(url: string, token: string) {
    this.connected = this.#read(url, token);
    this.connected.catch(() => undefined); // awaited by the step that needs it; never unhandled
  }
  async #read(url: string, token: string): Promise<void> {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: this.#abort.signal }).catch((err: Error) => {
      throw new StepFailed(`cannot reach the app's progress stream at ${url}: ${err.message}`);
    });
    if (!res.ok || !res.body) throw new StepFailed(`the app's progress stream at ${url} answered ${res.status}`);
    void this.#consume(res.body);
  }
  async #consume(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      const res = { body };
      let buf = "";
      for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const data = buf
            .slice(0, end)
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("\n");
          buf = buf.slice(end + 2);
          if (data) this.events.push(JSON.parse(data) as ProgressEvent);
          for (const l of this.#listeners) l();
        }
      }
    } catch (err) {
      if (!this.#abort.signal.aborted) console.error(`progress stream: ${(err as Error).message}`);
    }
  }
  /** The first event (already seen or to come) matching `pred`. */
  wait(pred: (e: ProgressEvent) => boolean, timeoutMs: number, what: string): Promise<ProgressEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.find(pred);
        if (!hit) return;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        const last = this.events.at(-1);
        reject(
          new StepFailed(
            `no ${what} within ${timeoutMs / 1000} s (last progress: ${last ? `${last.state} ${last.message ?? ""}` : "none"})`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }
  close(): void {
    this.#abort.abort();
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new StepFailed(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface DemoOptions {
  endpoints: Endpoints;
  appToken: string;
  stepTimeoutMs: number;
  print?: (line: string) => void;
}

export interface DemoResult {
  ok: boolean;
  steps: { name: string; atMs: number; detail: string }[];
  failure?: string;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const print = o.print ?? ((l: string) => console.log(l));
  const e = o.endpoints;
  const [owner, repo] = e.repo.split("/");
  const started = performance.now();
  const steps: DemoResult["steps"] = [];
  const T = o.stepTimeoutMs;

  const discord = async <R>(path: string, body?: unknown): Promise<R> => {
    const res = await fetch(`${e.discord.driverUrl}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const out = (await res.json()) as R & { error?: string; message?: string };
    if (!res.ok) throw new StepFailed(`Discord: ${out.error ?? out.message ?? res.status}`);
    return out;
  };
  const tokenOf = async (login: string) => {
    const res = await fetch(`${e.github.url}/_driver/users`, { method: "POST", body: JSON.stringify({ login }) });
    return ((await res.json()) as { token: string }).token;
  };
  let maya: Octokit;
  const commandNames = async () => (await discord<{ name: string }[]>("/commands")).map((c) => c.name);
  type Reply = { reply: { content: string } };

  const changeIds = async () => {
    const res = await fetch(`${e.app.botLinkUrl}${API_PREFIX}/changes?limit=100`, { headers: { authorization: `Bearer ${o.appToken}` } });
    if (!res.ok) throw new StepFailed(`the app's /changes answered ${res.status}`);
    return ((await res.json()) as { changes: { changeId: string }[] }).changes.map((c) => c.changeId);
  };
  const progress = new Progress(`${e.app.botLinkUrl}${API_PREFIX}/events`, o.appToken);
  const step = async (name: string, run: () => Promise<string>): Promise<void> => {
    const detail = await run();
    const atMs = performance.now() - started;
    steps.push({ name, atMs, detail });
    print(`[+${(atMs / 1000).toFixed(1).padStart(6)} s] ✓ ${name}${detail ? ` — ${detail}` : ""}`);
  };

  try {
    maya = new Octokit({
      auth: await tokenOf(e.people.maintainer).catch((err: Error) => {
        throw new StepFailed(`cannot reach the GitHub stand-in at ${e.github.url}: ${err.message} (is local mode running?)`);
      }),
      baseUrl: e.github.apiUrl,
    });
    const known = new Set<string>();
    const existing = await commandNames();
    let name = "hello";
    for (let n = 2; existing.includes(name); n++) name = `hello${n}`;
    const reply = `Hello from Ouro! (${name})`;
    await progress.connected.catch((err: Error) => {
      throw new StepFailed(`${err.message} (is local mode running?)`);
    });
    // What is already known (its history) is not the change this run asks for.
    for (const c of await changeIds()) known.add(c);

    let changeId = "";
    await step(`${e.people.member} (member) asks: /feature add-command ${name}`, async () => {
      const r = await discord<Reply>("/commands/run", {
        user: e.people.member,
        channel: "requests",
        name: "feature",
        subcommand: "add-command",
        options: { name, description: "Say hello", reply },
        wait: "reply",
        timeoutMs: 30_000,
      });
      return r.reply.content.split("\n")[0].slice(0, 100);
    });
    await step("tracking issue filed", async () => {
      const ev = await progress.wait((x) => !known.has(x.changeId) && !!x.trackingIssueUrl, T, "tracking issue for the request");
      changeId = ev.changeId;
      return `${ev.trackingIssueUrl} (change ${changeId})`;
    });
    let prNumber = 0;
    await step("pull request opened by the agent", async () => {
      const ev = await progress.wait((x) => x.changeId === changeId && !!x.prUrl, T, "pull request");
      prNumber = Number(/\/pull\/(\d+)/.exec(ev.prUrl!)?.[1]);
      return ev.prUrl!;
    });
    await step("workflows ran (policy verdict from the base, typecheck and tests)", async () => {
      const ev = await progress.wait(
        (x) => x.changeId === changeId && ["review", "merged", "failed"].includes(x.state),
        4 * T,
        "result of the checks",
      );
      const pr = await maya.rest.pulls.get({ owner, repo, pull_number: prNumber });
      const runs = (await maya.rest.checks.listForRef({ owner, repo, ref: pr.data.head.sha })).data.check_runs;
      const summary = runs.map((r) => `${r.name}: ${r.conclusion ?? r.status}`).join(", ");
      if (ev.state === "failed") {
        // What a reviewer would open on GitHub: the failed check's summary (failing step, log tail).
        const why = runs
          .filter((r) => r.conclusion === "failure")
          .map((r) => `\n--- ${r.name} ---\n${(r.output.summary ?? "").slice(-2000)}`)
          .join("");
        throw new StepFailed(`the change failed: ${ev.message ?? ""} (checks: ${summary})${why}`);
      }
      if (!runs.some((r) => /policy/i.test(r.name)) || runs.some((r) => r.conclusion !== "success"))
        throw new StepFailed(`expected the policy verdict and the validation to pass; checks: ${summary || "none"}`);
      return summary;
    });
    await step(`${e.people.maintainer} (maintainer) approves and merges`, async () => {
      await maya.rest.pulls.createReview({ owner, repo, pull_number: prNumber, event: "APPROVE", body: "Looks good." });
      await fetch(`${e.github.url}/_driver/deliveries/idle`, { method: "POST" });
      const pr = await maya.rest.pulls.get({ owner, repo, pull_number: prNumber });
      let how = "merged by the app after the approval";
      if (!pr.data.merged) {
        await maya.rest.pulls.merge({ owner, repo, pull_number: prNumber }).catch((err: { status?: number }) => {
          if (err.status !== 405) throw err; // merged by the app in between
        });
        how = "merged by the maintainer";
      }
      await progress.wait((x) => x.changeId === changeId && x.state === "merged", T, "merged state");
      return how;
    });
    await step("deployed: the deploy hook put the merge live", async () => {
      const ev = await progress.wait(
        (x) => x.changeId === changeId && ["deployed", "failed", "rolled-back"].includes(x.state),
        2 * T,
        "deployment",
      );
      if (ev.state !== "deployed") throw new StepFailed(`the deployment ended ${ev.state}: ${ev.message ?? ""}`);
      return ev.message ?? "";
    });
    await step(`/${name} answers`, async () => {
      await until(`/${name} registered with Discord`, T, async () => (await commandNames()).includes(name));
      const r = await discord<Reply>("/commands/run", { user: e.people.member, channel: "general", name, wait: "reply" });
      if (r.reply.content !== reply)
        throw new StepFailed(`/${name} answered ${JSON.stringify(r.reply.content)}, not ${JSON.stringify(reply)}`);
      return JSON.stringify(r.reply.content);
    });
    await step(`${e.people.maintainer} runs /rollback and gets the reply`, async () => {
      const r = await discord<Reply>("/commands/run", {
        user: e.people.maintainer,
        channel: "general",
        name: "rollback",
        options: { change: changeId },
        wait: "reply",
        timeoutMs: 60_000,
      });
      if (!/Rolling back/.test(r.reply.content)) throw new StepFailed(`/rollback answered ${JSON.stringify(r.reply.content)}`);
      return r.reply.content.split("\n")[0].slice(0, 120);
    });
    await step(`/${name} is gone`, async () => {
      await until(`/${name} unregistered`, 2 * T, async () => !(await commandNames()).includes(name));
      return "the previous release answers again";
    });
    await step("revert pull request", async () => {
      await progress.wait((x) => x.changeId === changeId && x.state === "rolled-back", T, "rolled-back state");
      const pulls = await maya.rest.pulls.list({ owner, repo, state: "all", per_page: 20 });
      const revert = pulls.data.find((p) => /revert/i.test(p.title) && p.number !== prNumber);
      if (!revert) throw new StepFailed("no revert pull request on GitHub");
      return revert.html_url;
    });
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    print(`Demo complete: ${steps.length} steps in ${secs} s.`);
    return { ok: true, steps };
  } catch (err) {
    const msg = err instanceof StepFailed ? err.message : `${(err as Error).message}`;
    print(`✗ step ${steps.length + 1} failed: ${msg}`);
    return { ok: false, steps, failure: msg };
  } finally {
    progress.close();
  }
}

export async function main(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...LOCAL_OPTIONS,
        "step-timeout-s": { type: "string", default: "120" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1024 || port > 65535 - 6) {
    console.error(`--port must be a port number from 1024 to 65529 (local mode also uses the next six), got ${values.port}\n${USAGE}`);
    process.exit(2);
  }
  const dataDir = resolve(values.data);
  const stepTimeoutMs = Number(values["step-timeout-s"]) * 1000;
  if (!(stepTimeoutMs > 0)) {
    console.error(`--step-timeout-s must be a positive number of seconds\n${USAGE}`);
    process.exit(2);
  }
  let own: LocalMode | null = null;
  const endpointsFile = join(dataDir, "endpoints.json");
  if (!existsSync(endpointsFile)) {
    console.log(`No local mode is running on ${values.data}: starting one (it stops when the demo ends) …`);
    try {
      own = await startLocalMode({ dataDir, checkout: resolve(import.meta.dirname, "../.."), basePort: port });
    } catch (err) {
      console.error(`local mode could not start: ${(err as Error).message}`);
      process.exit(1);
    }
    console.log(`Local mode is up: ${own.url}`);
  }
  const endpoints = JSON.parse(readFileSync(endpointsFile, "utf8")) as Endpoints;
  const result = await runDemo({ endpoints, appToken: secrets(dataDir).appToken, stepTimeoutMs });
  await own?.close();
  process.exit(result.ok ? 0 : 1);
}

if (import.meta.main) await main(process.argv.slice(2));
