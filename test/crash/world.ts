// The world a crash is tried in: the GitHub stand-in, the Ouro app as a child process whose
// every GitHub call goes through a proxy here, CI and the deploy hook as two Apps that act on
// webhooks, and the bot's real HTTP client (which retries a submit with the same request id).
// A crash point is a GitHub write (the proxy SIGKILLs the app just before forwarding it, or
// just after GitHub answered, the answer never reaching the app) or a store write (the app
// process kills itself just before or after it). After the kill the app starts again in this
// process on the same data directory and ports, as a supervisor would restart it, and the
// world runs until the change is settled; then the invariants are read from GitHub and the store.
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Probot } from "probot";
import type { ProbotOctokit } from "probot";
import type { AppConfig } from "../../app/config.ts";
import { startApp } from "../../app/start.ts";
import type { RunningApp } from "../../app/start.ts";
import type { ChangeRow } from "../../app/store/changes.ts";
import { HttpAppLink } from "../../bot/app-link/http-client.ts";
import type { GitHubStandIn } from "../../local/github/index.ts";
import { ENCRYPTION_KEY, fixedWriter, policyWith, REPO, startRepoWithOuro, TOKEN } from "../app/harness.ts";
import type { ChildOptions } from "./app-process.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CrashPoint {
  kind: "github" | "store";
  /** `POST issues`, `git push`, `UPDATE changes`, … */
  label: string;
  /** Which occurrence in the flow (1-based). */
  nth: number;
  when: "before" | "after";
}

/** `deploy`: request → … → deployed. `revert`: the deployment fails → revert PR → the revert deployed. */
export type Flow = "deploy" | "revert";

export interface Outcome {
  changeId: string;
  /** The app was killed at the point (false: the flow never reached it). */
  crashed: boolean;
  /** ms from the restart until the change moved again (an audit entry after the restart). */
  movedAfterMs: number | null;
  /** The invariants that do not hold, in plain words (empty: recovered). */
  broken: string[];
  /** GitHub writes the app made, in order (`POST issues`, …); store writes are in `storeWrites`. */
  githubWrites: string[];
  storeWrites: string[];
}

/**
 * A write call's label: method and path with the repository and numbers taken out, and the
 * kind of Ouro marker its body carries (`[change]` tracking issue or PR, `[progress]` sticky
 * comment, `[dashboard]`, …), so that the same call made for different things is told apart.
 */
export function githubWriteLabel(method: string, url: string, body = ""): string | null {
  const route = routeLabel(method, url);
  const marker = /<!-- ouro:(\w+)/.exec(body)?.[1];
  return route && marker ? `${route} [${marker}]` : route;
}

function routeLabel(method: string, url: string): string | null {
  const path = url.split("?")[0].replace(/^\/api\/v3/, "");
  if (method === "POST" && path.endsWith("/git-receive-pack")) return "git push";
  if (method === "GET" || method === "HEAD" || path.endsWith("/git-upload-pack")) return null;
  if (path.startsWith("/app/installations/") && path.endsWith("/access_tokens")) return null; // a token, not a side effect
  const rest = path
    .replace(/^\/repos\/[^/]+\/[^/]+/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? ":n" : /^[0-9a-f]{40}$/.test(s) ? ":sha" : s))
    .join("/");
  return `${method} ${rest}`;
}

interface Armed {
  point: CrashPoint;
  seen: number;
  kill: () => Promise<void>;
}

export interface CrashWorld {
  gh: GitHubStandIn;
  /**
   * Runs one request through `flow`, killing the app at `point` (none: a dry run). After the
   * restart the tests run a reconcile pass at each quiet moment (what the timer does); with
   * `timer` the app is left to its own default reconcile interval, as in production.
   */
  run(flow: Flow, point?: CrashPoint, opts?: { timer?: boolean }): Promise<Outcome>;
  close(): Promise<void>;
}

export async function startCrashWorld(): Promise<CrashWorld> {
  const { gh, reg } = await startRepoWithOuro({
    "README.md": "# bot\n",
    "policies/ouro.yml": policyWith({
      editable: ["bot/plugins/**", "docs/**"],
      rateLimits: { maxOpenPrs: 50, perRequesterPerHour: 1000, globalPerMinute: 1000, burst: { edits: 1000, windowSeconds: 60 } },
    }),
    ".github/CODEOWNERS": "*  @root-owner\n",
  });

  // ── the outside world: CI and the deploy hook, each an App acting on its webhooks ──
  const busy = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const t = p.catch(() => undefined);
    busy.add(t);
    void t.finally(() => busy.delete(t));
  };
  /** The deployments that must fail (the revert flow's change). */
  const failing = new Set<string>();
  const actor = async (name: string, events: string[], act: (kit: ProbotOctokit, event: string, body: Json) => Promise<void>) => {
    const r = await gh.registerApp({ name, events });
    const inst = gh.installApp(r.appId, REPO);
    const kit = await new Probot({
      appId: r.appId,
      privateKey: r.privateKey,
      secret: "x".repeat(10),
      baseUrl: gh.apiUrl,
      logLevel: "warn",
    }).auth(inst);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(200).end("{}");
        track(act(kit, String(req.headers["x-github-event"]), JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json));
      });
    });
    const port = await listen(server, 0);
    gh.setWebhook(r.appId, `http://127.0.0.1:${port}/`);
    return server;
  };
  const ciServer = await actor("ci", ["pull_request"], async (kit, event, body) => {
    if (event !== "pull_request" || !["opened", "synchronize", "reopened"].includes(body.action)) return;
    await kit.rest.repos.createCommitStatus({
      owner: "acme",
      repo: "bot",
      sha: body.pull_request.head.sha,
      state: "success",
      context: "ci/test",
    });
  });
  const hookServer = await actor("deployer", ["deployment"], async (kit, event, body) => {
    if (event !== "deployment" || body.deployment.task !== "deploy") return;
    const changeId = (body.deployment.payload as { changeId?: string }).changeId ?? "";
    const state = failing.has(changeId) ? "failure" : "success";
    await kit.rest.repos.createDeploymentStatus({
      owner: "acme",
      repo: "bot",
      deployment_id: body.deployment.id,
      state,
      description: state === "failure" ? "health gate failed" : "live",
    });
  });

  // ── the proxy between the app and GitHub: where GitHub writes are seen and crashes happen ──
  let armed: Armed | null = null;
  let writes: string[] = [];
  const target = new URL(gh.url);
  const proxy = createServer((req, res) => void forward(req, res));
  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const label = githubWriteLabel(req.method ?? "GET", req.url ?? "/", Buffer.concat(chunks).toString("utf8"));
    let hit: Armed | null = null;
    if (label) {
      writes.push(label);
      const a = armed;
      if (a && a.point.kind === "github" && a.point.label === label && ++a.seen === a.point.nth) hit = a;
    }
    if (hit?.point.when === "before") {
      armed = null;
      await hit.kill();
      res.destroy();
      return;
    }
    const answer = await new Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }>((resolve, reject) => {
      const out = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (r) => {
          const body: Buffer[] = [];
          r.on("data", (c: Buffer) => body.push(c));
          r.on("end", () => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(body) }));
          r.on("error", reject);
        },
      );
      out.on("error", reject);
      out.end(Buffer.concat(chunks));
    }).catch(() => null);
    if (hit) {
      armed = null;
      await hit.kill();
      res.destroy();
      return;
    }
    if (!answer) return void res.destroy();
    const headers = { ...answer.headers };
    delete headers["transfer-encoding"];
    delete headers["content-length"];
    res.writeHead(answer.status, headers).end(answer.body);
  }
  const proxyPort = await listen(proxy, 0);
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;

  let n = 0;
  const servers = [ciServer, hookServer, proxy];
  const dirs: string[] = [];

  async function run(flow: Flow, point?: CrashPoint, opts: { timer?: boolean } = {}): Promise<Outcome> {
    const dataDir = mkdtempSync(join(tmpdir(), "ouro-crash-data-"));
    dirs.push(dataDir);
    const trace = join(dataDir, "..", `${dataDir.split("/").pop()}.trace`);
    writeFileSync(trace, "");
    const port = await freePort();
    const linkPort = await freePort(port); // two different ports, though the first is closed again
    const config: AppConfig = {
      appId: reg.appId,
      privateKey: reg.privateKey,
      webhookSecret: reg.webhookSecret,
      apiUrl: `${proxyUrl}/api/v3`,
      gitUrl: proxyUrl,
      owner: "acme",
      repo: "bot",
      appToken: TOKEN,
      dataDir,
      encryptionKey: ENCRYPTION_KEY,
      port,
      host: "127.0.0.1",
      botLink: { host: "127.0.0.1", port: linkPort },
      webhookPath: "/api/github/webhooks",
      logLevel: "silent",
      octokit: { retries: 2, retryBaseMs: 20, writeSpacingMs: 0 },
    };
    gh.setWebhook(reg.appId, `http://127.0.0.1:${port}${config.webhookPath}`);
    writes = [];
    const requestId = `discord-${flow}-${++n}-${Date.now().toString(36)}`;
    if (flow === "revert") failing.add(requestId);

    // ── until the crash: the app as a child process ──
    const child = forkApp({ config, tickMs: 3_600_000, trace, ...(point?.kind === "store" ? { crash: point } : {}) });
    const died = new Promise<void>((r) => child.once("exit", () => r()));
    let crashed = false;
    const kill = async () => {
      crashed = true;
      child.kill("SIGKILL");
      await died;
    };
    armed = point?.kind === "github" ? { point, seen: 0, kill } : null;
    const started = await ready(child, died).then(
      () => true,
      () => false,
    );
    if (!started && !point) throw new Error("the app process died before it was ready");
    const link = new HttpAppLink({ url: `http://127.0.0.1:${linkPort}`, token: TOKEN, deferredRequestTimeoutMs: 60_000 });
    const submitted = link
      .submitRequest({ id: requestId, requester: { discordId: "700", name: "rae", roles: [] }, text: `docs: crash test ${requestId}` })
      .then(
        (r) => ({ ok: true as const, issueUrl: r.trackingIssueUrl ?? null }),
        (e: Error) => ({ ok: false as const, error: e.message }),
      );
    const link2 = new HttpAppLink({ url: `http://127.0.0.1:${linkPort}`, token: TOKEN });
    // The dry run (or a point the flow never reaches) ends when the change is settled.
    const finished = (async () => {
      for (;;) {
        const c = await link2.changes(20).catch(() => []);
        const mine = c.find((x) => x.changeId === changeIdOf(requestId));
        const revert = mine?.prUrl ? c.find((x) => x.changeId === `revert-${mine.prUrl!.split("/").pop()}`) : undefined;
        if (mine && settledState(flow, mine.state, revert?.state)) return;
        if (crashed) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.race([died, finished]);
    // `finished` returns once the kill is under way (crashed is set before the SIGKILL): the
    // restart below must wait for the process to be gone, or its ports are still held.
    if (crashed) await died;
    const wasCrashed = crashed || child.exitCode !== null || child.signalCode !== null;
    const restartedAt = Date.now();
    if (!wasCrashed) {
      child.kill("SIGTERM");
      await died;
    }
    armed = null;

    // ── after the crash: the app again, in this process, on the same data directory and ports ──
    const app = await startApp({
      config,
      writer: fixedWriter,
      logger: pino({ level: process.env.OURO_TEST_LOG ?? "silent" }),
      ...(opts.timer ? {} : { tickMs: 3_600_000 }),
    });
    try {
      const told = await submitted;
      const id = changeIdOf(requestId);
      const settled = () => {
        const c = app.store.changes.byId(id);
        return !c || settledState(flow, c.state, app.store.changes.byId(`revert-${c.prNumber}`)?.state);
      };
      if (opts.timer) await pollUntil(settled, 180_000);
      else await settleUntil(app, settled);
      // The change, or its revert when the crash came after the revert was queued.
      const revertId = `revert-${app.store.changes.byId(id)?.prNumber}`;
      const audit = [...app.store.audit.of(id), ...app.store.audit.of(revertId)].sort((a, b) => a.seq - b.seq);
      const moved = audit.find((a) => Date.parse(a.at) >= restartedAt);
      const broken = await invariants(app, flow, id, told);
      // Each attempt had its own scratch directory; the restart swept what the killed one left.
      const work = join(dataDir, "work");
      const left = existsSync(work) ? readdirSync(work) : [];
      if (left.length) broken.push(`scratch left in ${work}: ${left.join(", ")}`);
      return {
        changeId: id,
        crashed: wasCrashed,
        movedAfterMs: wasCrashed && moved ? Date.parse(moved.at) - restartedAt : null,
        broken,
        githubWrites: [...writes],
        storeWrites: readFileSync(trace, "utf8").split("\n").filter(Boolean),
      };
    } finally {
      await link.close();
      await link2.close();
      await app.close();
      rmSync(trace, { force: true });
    }
  }

  async function settleUntil(app: RunningApp, done: () => boolean): Promise<void> {
    // What the app's timer does every 30 s, run at once after each quiet moment.
    for (let i = 0; i < 30; i++) {
      await quiet(app);
      if (done()) return;
      await app.reconcile();
    }
  }

  async function pollUntil(done: () => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  async function quiet(app: RunningApp): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const before = gh.deliveries.list().length;
      await gh.deliveries.idle();
      await app.idle();
      while (busy.size) await Promise.all([...busy]);
      await gh.deliveries.idle();
      await app.idle();
      if (gh.deliveries.list().length === before && busy.size === 0) return;
    }
  }

  async function invariants(
    app: RunningApp,
    flow: Flow,
    id: string,
    told: { ok: true; issueUrl: string | null } | { ok: false; error: string },
  ): Promise<string[]> {
    const broken: string[] = [];
    const c = app.store.changes.byId(id);
    const user = gh.driver.user("root-owner");
    const issues = ((await user.request("GET", `/repos/${REPO}/issues?state=all&per_page=100`)) as Json[]).filter(
      (i) => !i.pull_request && String(i.body ?? "").includes(`ouro:change:${id}`),
    );
    const pulls = ((await gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === `ouro/${id}`);
    if (!told.ok) {
      // Told it failed: nothing may go ahead.
      if (pulls.length > 0) broken.push(`the requester was told "${told.error}", yet a pull request was opened`);
      if (issues.some((i) => i.state === "open")) broken.push(`the requester was told it failed, yet its tracking issue is open`);
      return broken;
    }
    if (!c) return [`the requester was told "accepted" but the app has no change ${id}`];
    if (issues.length !== 1) broken.push(`${issues.length} tracking issues, not 1`);
    if (told.issueUrl && issues[0] && told.issueUrl !== issues[0].html_url)
      broken.push(`the requester was given ${told.issueUrl}, not the tracking issue ${issues[0].html_url}`);
    if (!told.issueUrl) broken.push("the requester was not given the tracking issue");
    if (pulls.length !== 1) broken.push(`${pulls.length} pull requests for the change, not 1`);
    if (pulls[0] && !String(pulls[0].body).includes(`Closes #${issues[0]?.number}`))
      broken.push("the pull request does not close the tracking issue");
    const deployments = ((await user.request("GET", `/repos/${REPO}/deployments?per_page=100`)) as Json[]).filter(
      (d) => d.task === "deploy" && (d.payload as { changeId?: string }).changeId === id,
    );
    if (deployments.length !== 1) broken.push(`${deployments.length} deployments of the merge, not 1`);
    const expected = flow === "deploy" ? "deployed" : "rolled-back";
    if (c.state !== expected) broken.push(`the change ended ${c.state} (${c.reason ?? ""}), not ${expected}`);
    const told2 = app.store.progress.after(0, 100_000).filter((e) => e.event.changeId === id && e.event.state === expected);
    if (told2.length !== 1) broken.push(`the requester was told "${expected}" ${told2.length} times, not once`);
    const events = new Set(app.store.audit.of(id).map((a) => a.event));
    for (const e of [
      "request",
      "tracking-issue",
      "agent.done",
      "pr.opened",
      "deployment.created",
      "deployment.status",
      `state.${expected}`,
    ])
      if (!events.has(e)) broken.push(`the audit trail lacks ${e}`);
    if (!events.has("merged") && !events.has("merged.auto")) broken.push("the audit trail lacks the merge");
    if (flow === "revert") broken.push(...(await revertInvariants(app, c)));
    return broken;
  }

  async function revertInvariants(app: RunningApp, c: ChangeRow): Promise<string[]> {
    const broken: string[] = [];
    const rid = `revert-${c.prNumber}`;
    const r = app.store.changes.byId(rid);
    const reverts = ((await gh.driver.pulls(REPO, "all")) as Json[]).filter((p) => p.head.ref === `ouro/${rid}`);
    if (reverts.length !== 1) broken.push(`${reverts.length} revert pull requests, not 1`);
    if (r?.state !== "deployed") broken.push(`the revert ended ${r?.state ?? "missing"} (${r?.reason ?? ""}), not deployed`);
    const counted = app.store.audit.of(c.id).filter((a) => a.event === "breaker.failure").length;
    if (counted !== 1) broken.push(`the failed deployment was counted ${counted} times by the breaker, not once`);
    return broken;
  }

  return {
    gh,
    run,
    async close() {
      armed = null;
      for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
      await gh.deliveries.idle().catch(() => undefined);
      await gh.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The bot's request id → the app's change id (ids that are already safe stay as they are). */
const changeIdOf = (requestId: string) => requestId;

function settledState(flow: Flow, state: string, revertState?: string): boolean {
  if (state === "failed" || state === "rolled-back") return flow === "deploy" || revertState === "deployed" || revertState === "failed";
  return flow === "deploy" && state === "deployed";
}

function forkApp(o: ChildOptions): ChildProcess {
  return fork(join(import.meta.dirname, "app-process.ts"), [], {
    env: { ...process.env, OURO_CRASH_CHILD: JSON.stringify(o) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execPath: process.execPath,
  });
}

function ready(child: ChildProcess, died: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve());
    void died.then(() => reject(new Error("the app process died before it was ready")));
  });
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return (server.address() as AddressInfo).port;
}

/**
 * A free port the app keeps across its restart (the bot's client must find it again). Taken
 * below Linux's ephemeral range (32768+), so no outgoing connection can hold it meanwhile,
 * and in 20000–25999, apart from the local-mode test's ports (26000+), which it restarts on too.
 */
async function freePort(not?: number): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 6_000);
    if (port === not) continue;
    const s = createServer();
    const ok = await new Promise<boolean>((r) => {
      s.once("error", () => r(false));
      s.listen(port, "127.0.0.1", () => r(true));
    });
    if (ok) {
      await new Promise<void>((r) => s.close(() => r()));
      return port;
    }
  }
}
