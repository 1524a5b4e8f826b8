/**
 * An Actions stand-in: runs THIS repository's real `.github/workflows/*.yml` against the
 * GitHub stand-in (local/github), so local mode and tests show GitHub Actions as the sandbox
 * and validation pipeline. It is for local mode and tests, NOT a general runner: jobs run
 * as processes on this host (no container, no VM), and only what Ouro's workflows use is
 * supported — anything else fails the job with a clear message instead of passing.
 *
 * ```ts
 * const app = await registerActionsApp(gh, "acme/bot");          // the "github-actions" App, installed
 * const actions = await startActions({ apiUrl: gh.apiUrl, gitUrl: gh.url, ...app, dataDir });
 * gh.setWebhook(app.appId, actions.webhookUrl, app.webhookSecret);  // or: startActionsOn(gh, {...})
 * // … open a PR …
 * await gh.deliveries.idle(); await actions.idle();               // every job reported as a check run
 * await actions.close();
 * ```
 *
 * Like GitHub's own "github-actions" App, it receives `pull_request` and `push` webhooks
 * (signature checked) and reports each job as a check run through @octokit/rest.
 * - `pull_request`: workflow files and the checkout come from the PR HEAD sha. GitHub uses
 *   the merge ref `refs/pull/N/merge`; the GitHub stand-in has none, so GITHUB_SHA is the head
 *   sha (GITHUB_REF still reads `refs/pull/N/merge`).
 * - `pull_request_target`: workflow files come from the BASE branch's tip, and GITHUB_SHA /
 *   GITHUB_REF are the base's, as on GitHub: a PR that edits the workflow cannot change what runs.
 *   Its checks are reported on the PR head sha, where GitHub shows them.
 * - `push`: workflows listing `push` (with `branches`/`tags` filters) at the pushed sha.
 * - Jobs: runs-on (ubuntu-*), if, needs, timeout-minutes, env, defaults.run, outputs,
 *   concurrency (cancel-in-progress), permissions. Steps: run (bash/sh), actions/checkout,
 *   actions/setup-node (the Node found in `nodeDir` only), local JavaScript actions
 *   (`uses: ./path`, node20/node24), actions/cache v4 (and /restore, /save; cache.ts) with
 *   `hashFiles()`. No matrix, services, containers or reusable workflows.
 * - Jobs' processes run as `nobody` when this process is root (user.ts): PR code cannot read the
 *   stand-ins' keys or local mode's secrets. Not root: a warning in the log and on each check run.
 *   As nobody, each process also runs in a view of the files of its own (view.ts: mount and pid
 *   namespaces): only its job's directory, the npm cache, the Node and the CA file are bound in,
 *   at their own paths, even from a private (0700) checkout or data dir, and /tmp is the job's.
 *   Where namespaces do not work, those paths must be reachable by nobody, else jobs fail clearly.
 * - Environment: only what the runner defines (GITHUB_*, RUNNER_*, CI, HOME and TMPDIR in the job dir,
 *   PATH of system dirs), never this process's env; no secrets (`secrets.*` is empty but for
 *   GITHUB_TOKEN). The job token is an installation token narrowed to the workflow's
 *   `permissions` (default: contents read). npm gets a shared cache under the data dir
 *   (`npm_config_cache`, `npm_config_prefer_offline=true`), like setup-node's `cache: npm`.
 */
import { createSign, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { verify } from "@octokit/webhooks-methods";
import type { GitHubStandIn } from "../github/index.ts";
import { CacheStore } from "./cache.ts";
import { completeCheck, outputOf, startCheck } from "./checks.ts";
import type { CheckTarget } from "./checks.ts";
import { condition, interpolate, interpolateString, stringify, truthy } from "./expressions.ts";
import type { Scope, Value } from "./expressions.ts";
import { SYSTEM_PATH, runJob } from "./job.ts";
import type { JobResult } from "./job.ts";
import { NOBODY_USER, canDropPrivileges, chownToNobody, selfUser, unprivilegedNote, unreachableByNobody } from "./user.ts";
import type { JobUser } from "./user.ts";
import { canBuildViews, inView } from "./view.ts";
import { WorkflowError, listensTo, needsOf, parseWorkflow, triggers } from "./workflow.ts";
import type { Workflow } from "./workflow.ts";

const execFileP = promisify(execFile);
const SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt";

/** What the "github-actions" App is granted: the most any workflow's token may be narrowed from. */
export const ACTIONS_APP_PERMISSIONS: Record<string, string> = {
  checks: "write",
  contents: "read",
  pull_requests: "read",
  issues: "read",
  statuses: "write",
  metadata: "read",
};
export const ACTIONS_APP_EVENTS = ["pull_request", "push"];

export interface ActionsApp {
  appId: number;
  slug: string;
  privateKey: string;
  webhookSecret: string;
  installationId: number;
}

/**
 * Registers the "github-actions" App on the GitHub stand-in (or finds it again in a resumed
 * data dir) with ACTIONS_APP_PERMISSIONS and the pull_request/push events, and installs it on `repo`.
 */
export async function registerActionsApp(
  gh: GitHubStandIn,
  repo: string,
  opts: { name?: string; permissions?: Record<string, string> } = {},
): Promise<ActionsApp> {
  const name = opts.name ?? "github-actions";
  const found = gh.findApp(name);
  const app = found
    ? { ...found, privateKey: readFileSync(found.privateKeyFile, "utf8") }
    : await gh.registerApp({
        name,
        events: ACTIONS_APP_EVENTS,
        permissions: opts.permissions ?? ACTIONS_APP_PERMISSIONS,
        webhookUrl: null,
      });
  const installationId = gh.installApp(app.appId, repo);
  return { appId: app.appId, slug: app.slug, privateKey: app.privateKey, webhookSecret: app.webhookSecret, installationId };
}

export interface ActionsOptions {
  /** The GitHub stand-in's REST base (`gh.apiUrl`). */
  apiUrl: string;
  /** Its git/web base URL (`gh.url`): clones are `${gitUrl}/owner/repo.git`; also GITHUB_SERVER_URL. */
  gitUrl: string;
  appId: number;
  privateKey: string;
  webhookSecret: string;
  /** Used when a webhook carries no `installation` (it always does on the stand-in). */
  installationId?: number;
  /** Workspaces, logs, the npm cache and a git mirror live here. */
  dataDir: string;
  /** Directory of the Node 24 binary actions/setup-node exposes; default: that of process.execPath. */
  nodeDir?: string;
  /** Port on 127.0.0.1; default 0 (a free one). */
  port?: number;
  /** Jobs run at once (default 2). */
  maxParallelJobs?: number;
  /** One line per job start/finish; default console.log. */
  log?: (line: string) => void;
  /** npm's cache for every job (default `${dataDir}/npm-cache`); share one between data dirs to keep `npm ci` fast. */
  npmCache?: string;
  /**
   * A CA bundle jobs trust (NODE_EXTRA_CA_CERTS and npm's cafile), as a runner image's trust
   * store: default this process's NODE_EXTRA_CA_CERTS, else the system bundle if present.
   * A file path, never a secret; null for none.
   */
  caFile?: string | null;
  /** Keep job directories after the job (default: removed; logs are kept). */
  keepWorkspaces?: boolean;
}

export interface JobEvent {
  runId: number;
  workflow: string;
  jobId: string;
  name: string;
  headSha: string;
  checkRunId?: number;
  conclusion?: string;
}

export interface ActionsStandIn {
  url: string;
  /** Where the App's webhook points. */
  webhookUrl: string;
  /** "job-started" and "job-finished" (JobEvent), for tests and local mode's console. */
  events: EventEmitter;
  /** Resolves when no event is being handled and no job is running or queued. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Run {
  id: number;
  number: number;
  wf: Workflow;
  event: string;
  payload: Record<string, unknown>;
  sha: string;
  ref: string;
  /** where its check runs go: the PR head for pull_request(_target), else the sha */
  checkSha: string;
  abort: AbortController;
  repo: { owner: string; name: string; id: number; ownerId: number };
  installationId: number;
}

/** An App JWT (RS256, 9 minutes), as GitHub asks Apps to sign them. */
export function signAppJwt(appId: number, privateKey: string): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const body = `${enc({ alg: "RS256", typ: "JWT" })}.${enc({ iat: now - 30, exp: now + 540, iss: appId })}`;
  return `${body}.${createSign("RSA-SHA256").update(body).sign(privateKey, "base64url")}`;
}

/** Workflow `permissions:` → the installation-token `permissions` body (metadata: read always). */
export function tokenPermissions(p: unknown, granted: Record<string, string>): Record<string, string> {
  if (p === undefined || p === null) return { contents: "read", metadata: "read" };
  if (p === "read-all" || p === "write-all") {
    const want = p === "read-all" ? "read" : "write";
    return Object.fromEntries(
      Object.entries(granted).map(([k, v]) => [k, want === "write" && (v === "write" || v === "admin") ? "write" : "read"]),
    );
  }
  if (typeof p !== "object" || Array.isArray(p))
    throw new WorkflowError(`permissions must be read-all, write-all or a mapping, not ${JSON.stringify(p)}`);
  const out: Record<string, string> = { metadata: "read" };
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
    if (v !== "read" && v !== "write" && v !== "none")
      throw new WorkflowError(`permissions.${k}: "${String(v)}" is not read, write or none`);
    if (k === "id-token") continue; // OIDC: nothing to sign here; the token does not carry it
    if (v !== "none") out[k.replace(/-/g, "_")] = v;
  }
  return out;
}

class Groups {
  private readonly groups = new Map<string, { running?: Holder; pending?: Holder }>();
  /** Resolves true when `h` may run, false when a newer one cancelled it while it waited. */
  acquire(key: string, cancelInProgress: boolean, h: Holder): Promise<boolean> {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = {}));
    if (g.pending) {
      g.pending.start?.(false);
      g.pending = undefined;
    }
    if (cancelInProgress) g.running?.cancel();
    if (!g.running) {
      g.running = h;
      return Promise.resolve(true);
    }
    g.pending = h;
    return new Promise((res) => (h.start = res));
  }
  release(key: string, h: Holder): void {
    const g = this.groups.get(key);
    if (!g || g.running !== h) return;
    g.running = g.pending;
    g.pending = undefined;
    if (g.running) g.running.start?.(true);
    else this.groups.delete(key);
  }
}
interface Holder {
  cancel(): void;
  start?: (ok: boolean) => void;
}

export async function startActions(opts: ActionsOptions): Promise<ActionsStandIn> {
  // Real paths: a job's view of the files (view.ts) binds them at these paths, and a symbolic
  // link on the way (say, under /tmp) would not be there.
  for (const d of ["work", "logs", "git"]) mkdirSync(join(opts.dataDir, d), { recursive: true });
  const dataDir = realpathSync(opts.dataDir);
  const npmCache = opts.npmCache ?? join(dataDir, "npm-cache");
  mkdirSync(npmCache, { recursive: true });
  const nodeDir = realpathSync(opts.nodeDir ?? dirname(process.execPath));
  const ca = opts.caFile !== undefined ? opts.caFile : (process.env.NODE_EXTRA_CA_CERTS ?? (existsSync(SYSTEM_CA) ? SYSTEM_CA : null));
  const caFile = ca && existsSync(ca) ? realpathSync(ca) : ca;
  const log = opts.log ?? ((line: string) => console.log(line));
  const { user, views, problem: userProblem } = jobUser({ dataDir, nodeDir, npmCache: realpathSync(npmCache), caFile, log });
  const caches = new CacheStore(join(dataDir, "caches"));
  const events = new EventEmitter();
  const groups = new Groups();
  let nextRunId = Math.floor(Date.now() / 1000);
  const runNumbers = new Map<string, number>();

  // ---------- the App's credentials ----------
  const appJwt = () => signAppJwt(opts.appId, opts.privateKey);
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const octokitFor = (auth: string) => new Octokit({ baseUrl: opts.apiUrl, auth, log: quiet, request: { retries: 0 } });
  const tokens = new Map<number, { token: string; expires: number }>();
  const appToken = async (installationId: number): Promise<string> => {
    const t = tokens.get(installationId);
    if (t && t.expires - Date.now() > 5 * 60_000) return t.token;
    const { data } = await octokitFor(appJwt()).apps.createInstallationAccessToken({ installation_id: installationId });
    tokens.set(installationId, { token: data.token, expires: Date.parse(data.expires_at) });
    return data.token;
  };
  let granted: Record<string, string> | undefined;
  const appPermissions = async (): Promise<Record<string, string>> =>
    (granted ??= ((await octokitFor(appJwt()).apps.getAuthenticated()).data?.permissions ?? {}) as Record<string, string>);
  /** A token of exactly `perms` (GitHub's `POST /app/installations/{id}/access_tokens` with `permissions`). */
  const jobToken = async (installationId: number, perms: Record<string, string>): Promise<string> => {
    try {
      const { data } = await octokitFor(appJwt()).request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: installationId,
        permissions: perms,
      });
      return data.token;
    } catch (e) {
      const msg = (e as { response?: { data?: { message?: string } } }).response?.data?.message ?? (e as Error).message;
      throw new WorkflowError(`the job token could not be made with permissions ${JSON.stringify(perms)}: ${msg}`);
    }
  };

  // ---------- git: workflow files at a ref, through a local mirror ----------
  const mirrorLocks = new Map<string, Promise<unknown>>();
  const inMirror = async <T>(repo: Run["repo"], installationId: number, fn: (git: (...a: string[]) => Promise<string>) => Promise<T>) => {
    const dir = join(dataDir, "git", repo.owner, `${repo.name}.git`);
    const key = dir;
    const prev = mirrorLocks.get(key) ?? Promise.resolve();
    const run = prev.then(async () => {
      const token = await appToken(installationId);
      const env = { PATH: SYSTEM_PATH, HOME: dataDir, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
      const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
      const git = async (...args: string[]) =>
        (await execFileP("git", ["-c", `http.extraheader=${header}`, ...args], { cwd: dir, env, maxBuffer: 64 << 20 })).stdout;
      if (!existsSync(join(dir, "HEAD"))) {
        mkdirSync(dir, { recursive: true });
        await git("init", "-q", "--bare");
      }
      return fn(git);
    });
    mirrorLocks.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  };
  const remoteOf = (repo: Run["repo"]) => `${opts.gitUrl}/${repo.owner}/${repo.name}.git`;
  /** The sha a branch points at now. */
  const branchTip = (repo: Run["repo"], inst: number, branch: string) =>
    inMirror(repo, inst, async (git) => {
      await git("fetch", "-q", "--no-tags", remoteOf(repo), `+refs/heads/${branch}:refs/ouro/tip/${branch}`);
      return (await git("rev-parse", `refs/ouro/tip/${branch}`)).trim();
    });
  const workflowFiles = (repo: Run["repo"], inst: number, sha: string) =>
    inMirror(repo, inst, async (git) => {
      await git("fetch", "-q", "--no-tags", remoteOf(repo), `+${sha}:refs/ouro/at/${sha}`);
      const names = (await git("ls-tree", "--name-only", `${sha}:.github/workflows`).catch(() => ""))
        .split("\n")
        .filter((n) => /\.ya?ml$/.test(n));
      const out: { file: string; text: string }[] = [];
      for (const n of names.sort())
        out.push({ file: `.github/workflows/${n}`, text: await git("cat-file", "blob", `${sha}:.github/workflows/${n}`) });
      return out;
    });

  // ---------- bookkeeping for idle() ----------
  let busy = 0;
  let waiters: (() => void)[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    busy++;
    return p.finally(() => {
      if (--busy === 0) {
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      }
    });
  };

  // ---------- a global limit on jobs at once ----------
  let slots = opts.maxParallelJobs ?? 2;
  const slotWaiters: (() => void)[] = [];
  const slot = async (): Promise<() => void> => {
    if (slots > 0) slots--;
    else await new Promise<void>((r) => slotWaiters.push(r));
    return () => {
      const next = slotWaiters.shift();
      if (next) next();
      else slots++;
    };
  };

  // ---------- events → runs ----------
  const handle = async (event: string, payload: Record<string, unknown>): Promise<void> => {
    const repository = payload.repository as { id: number; name: string; owner: { login: string; id: number } } | undefined;
    if (!repository) return;
    const repo = { owner: repository.owner.login, name: repository.name, id: repository.id, ownerId: repository.owner.id };
    const inst = (payload.installation as { id?: number } | undefined)?.id ?? opts.installationId;
    if (!inst) return log(`actions: ${event} for ${repo.owner}/${repo.name} carries no installation; ignored`);
    const plans: { event: string; sha: string; ref: string; checkSha: string }[] = [];
    if (event === "pull_request") {
      const pr = payload.pull_request as { number: number; head: { sha: string }; base: { ref: string } };
      plans.push({ event: "pull_request", sha: pr.head.sha, ref: `refs/pull/${pr.number}/merge`, checkSha: pr.head.sha });
      const baseSha = await branchTip(repo, inst, pr.base.ref).catch(() => null);
      if (baseSha) plans.push({ event: "pull_request_target", sha: baseSha, ref: `refs/heads/${pr.base.ref}`, checkSha: pr.head.sha });
    } else if (event === "push") {
      const after = String(payload.after ?? "");
      if (!/^[0-9a-f]{40}$/.test(after) || /^0+$/.test(after)) return; // a deleted ref runs nothing
      plans.push({ event: "push", sha: after, ref: String(payload.ref), checkSha: after });
    } else return;
    const started: Promise<void>[] = [];
    for (const plan of plans) {
      let files: { file: string; text: string }[];
      try {
        files = await workflowFiles(repo, inst, plan.sha);
      } catch (e) {
        log(`actions: could not read workflows of ${repo.owner}/${repo.name} at ${plan.sha}: ${(e as Error).message}`);
        continue;
      }
      for (const { file, text } of files) {
        if (!listensTo(text, plan.event) && !isBroken(text)) continue;
        let wf: Workflow;
        try {
          wf = parseWorkflow(file, text);
          if (!triggers(wf, plan.event, payload)) continue;
        } catch (e) {
          if (!(e instanceof WorkflowError)) throw e;
          started.push(reportBrokenWorkflow(repo, inst, plan.checkSha, file, e.message));
          continue;
        }
        const n = (runNumbers.get(file) ?? 0) + 1;
        runNumbers.set(file, n);
        const run: Run = { id: nextRunId++, number: n, wf, ...plan, payload, abort: new AbortController(), repo, installationId: inst };
        started.push(executeRun(run));
      }
    }
    await Promise.all(started);
  };

  const isBroken = (text: string): boolean => {
    try {
      parseWorkflow("x", text);
      return false;
    } catch (e) {
      return e instanceof WorkflowError && /not valid YAML/.test(e.message);
    }
  };

  const target = async (run: Pick<Run, "repo" | "installationId" | "checkSha">, name: string, externalId: string, detailsUrl?: string) =>
    ({
      octokit: octokitFor(await appToken(run.installationId)),
      owner: run.repo.owner,
      repo: run.repo.name,
      headSha: run.checkSha,
      name,
      externalId,
      detailsUrl,
    }) satisfies CheckTarget;

  const reportBrokenWorkflow = async (repo: Run["repo"], inst: number, sha: string, file: string, message: string) => {
    log(`actions: ✖ ${file}: ${message}`);
    try {
      const t = await target({ repo, installationId: inst, checkSha: sha }, file, `${file}@${sha}`);
      await completeCheck(
        t,
        undefined,
        "failure",
        { title: "Invalid workflow file", summary: `The workflow could not run.\n\n${message}` },
        [{ level: "failure", message, file }],
      );
    } catch (e) {
      log(`actions: could not report ${file}: ${(e as Error).message}`);
    }
  };

  const githubScope = (run: Run): Scope => ({
    contexts: {
      github: {
        event: run.payload as Value,
        event_name: run.event,
        sha: run.sha,
        ref: run.ref,
        ref_name: run.ref.replace(/^refs\/(heads|tags)\//, ""),
        repository: `${run.repo.owner}/${run.repo.name}`,
        repository_owner: run.repo.owner,
        workflow: run.wf.name,
        run_id: String(run.id),
        run_number: String(run.number),
        actor: String((run.payload.sender as { login?: string } | undefined)?.login ?? ""),
        head_ref: String((run.payload.pull_request as { head?: { ref?: string } } | undefined)?.head?.ref ?? ""),
        base_ref: String((run.payload.pull_request as { base?: { ref?: string } } | undefined)?.base?.ref ?? ""),
      },
      inputs: {},
      vars: {},
    },
  });

  const concurrencyOf = (raw: unknown, scope: Scope): { group: string; cancel: boolean } | null => {
    if (raw === undefined || raw === null) return null;
    if (typeof raw === "string") return { group: interpolateString(raw, scope), cancel: false };
    const c = raw as { group?: unknown; "cancel-in-progress"?: unknown };
    if (c.group === undefined) throw new WorkflowError(`concurrency needs a group`);
    return { group: interpolateString(c.group, scope), cancel: truthy(interpolate(c["cancel-in-progress"] ?? false, scope)) };
  };

  const withGroup = async (
    c: { group: string; cancel: boolean } | null,
    abort: AbortController,
    fn: () => Promise<void>,
    onCancelled: () => Promise<void>,
  ) => {
    if (!c) return fn();
    const holder: Holder = { cancel: () => abort.abort() };
    const key = `${c.group}`;
    const ok = await groups.acquire(key, c.cancel, holder);
    try {
      if (!ok || abort.signal.aborted) await onCancelled();
      else await fn();
    } finally {
      groups.release(key, holder);
    }
  };

  const activeRuns = new Set<AbortController>();
  const executeRun = async (run: Run): Promise<void> => {
    activeRuns.add(run.abort);
    try {
      await executeRunIn(run);
    } finally {
      activeRuns.delete(run.abort);
    }
  };
  const executeRunIn = async (run: Run): Promise<void> => {
    let conc: ReturnType<typeof concurrencyOf>;
    try {
      conc = concurrencyOf(run.wf.concurrency, githubScope(run));
    } catch (e) {
      return reportBrokenWorkflow(run.repo, run.installationId, run.checkSha, run.wf.file, `${run.wf.file}: ${(e as Error).message}`);
    }
    const scoped = conc ? { ...conc, group: `${run.repo.owner}/${run.repo.name}:${conc.group}` } : null;
    await withGroup(
      scoped,
      run.abort,
      () => runJobs(run),
      async () => log(`actions: run ${run.id} (${run.wf.file}) cancelled before it started (concurrency ${conc?.group})`),
    );
  };

  const runJobs = async (run: Run): Promise<void> => {
    const results = new Map<string, Promise<{ result: string; outputs: Record<string, string> }>>();
    const jobOf = (id: string): Promise<{ result: string; outputs: Record<string, string> }> => {
      let p = results.get(id);
      if (!p) {
        p = (async () => {
          const needs = needsOf(run.wf.jobs[id]);
          const done = await Promise.all(needs.map(jobOf));
          const needCtx = Object.fromEntries(needs.map((n, i) => [n, done[i]]));
          return runOneJob(run, id, needCtx);
        })();
        results.set(id, p);
      }
      return p;
    };
    await Promise.all(Object.keys(run.wf.jobs).map(jobOf));
  };

  const runOneJob = async (
    run: Run,
    jobId: string,
    needs: Record<string, { result: string; outputs: Record<string, string> }>,
  ): Promise<{ result: string; outputs: Record<string, string> }> => {
    const job = run.wf.jobs[jobId];
    const scope = githubScope(run);
    scope.contexts.needs = needs as Value;
    const failedNeeds = Object.values(needs).some((n) => n.result === "failure" || n.result === "cancelled");
    scope.status = { failed: failedNeeds, cancelled: run.abort.signal.aborted };
    let name = jobId;
    try {
      name = job.name === undefined ? jobId : stringify(interpolate(job.name, scope)) || jobId;
    } catch {
      /* the id then */
    }
    const logRel = `${run.id}/${jobId}.log`;
    const detailsUrl = `${url}/logs/${logRel}`;
    const t = await target(run, name, `${run.wf.file}#${jobId}@${run.id}`, detailsUrl);
    const ev: JobEvent = { runId: run.id, workflow: run.wf.file, jobId, name, headSha: run.checkSha };
    let runIt: boolean;
    try {
      runIt = condition(job.if, scope);
    } catch (e) {
      const msg = `${run.wf.file}, job "${jobId}": if: ${(e as Error).message}`;
      await completeCheck(t, undefined, "failure", { title: "failed: if", summary: msg }, [
        { level: "failure", message: msg, file: run.wf.file },
      ]);
      return { result: "failure", outputs: {} };
    }
    if (!runIt) {
      await completeCheck(
        t,
        undefined,
        "skipped",
        { title: "skipped", summary: `The job was skipped (if: ${String(job.if ?? "success()")}).` },
        [],
      );
      return { result: "skipped", outputs: {} };
    }
    const abort = new AbortController();
    const onRunAbort = () => abort.abort();
    run.abort.signal.addEventListener("abort", onRunAbort, { once: true });
    let out: { result: string; outputs: Record<string, string> } = { result: "failure", outputs: {} };
    const jobConc = (() => {
      try {
        return concurrencyOf(job.concurrency, scope);
      } catch {
        return null;
      }
    })();
    const scopedJobConc = jobConc ? { ...jobConc, group: `${run.repo.owner}/${run.repo.name}:${jobConc.group}` } : null;
    try {
      await withGroup(
        scopedJobConc,
        abort,
        async () => {
          const release = await slot();
          const started = Date.now();
          let checkId: number | undefined;
          try {
            if (abort.signal.aborted) {
              await completeCheck(
                t,
                undefined,
                "cancelled",
                { title: "cancelled", summary: "The run was cancelled before this job started." },
                [],
              );
              out = { result: "cancelled", outputs: {} };
              return;
            }
            checkId = await startCheck(t);
            ev.checkRunId = checkId;
            log(
              `actions: ▶ ${name} (${run.wf.file}, run ${run.id}, ${run.event}) ${run.repo.owner}/${run.repo.name}@${run.checkSha.slice(0, 7)}`,
            );
            events.emit("job-started", { ...ev });
            // work/ is not listable by jobs and the name is not guessable: a job cannot find another's directory.
            const jobDir = join(dataDir, "work", `${run.id}-${jobId}-${randomBytes(8).toString("hex")}`);
            let result: JobResult;
            try {
              if (userProblem) throw new WorkflowError(userProblem);
              const perms = tokenPermissions(job.permissions ?? run.wf.permissions, await appPermissions());
              const token = await jobToken(run.installationId, perms);
              result = await runJob({
                wf: run.wf,
                jobId,
                job,
                event: run.event,
                payload: run.payload,
                sha: run.sha,
                ref: run.ref,
                repo: run.repo,
                runId: run.id,
                runNumber: run.number,
                token,
                needs,
                jobDir,
                nodeDir,
                npmCache,
                caFile,
                serverUrl: opts.gitUrl,
                apiUrl: opts.apiUrl,
                signal: abort.signal,
                logFile: join(dataDir, "logs", logRel),
                user,
                views,
                caches,
              });
            } catch (e) {
              const message = `${run.wf.file}, job "${jobId}": ${(e as Error).message}`;
              result = {
                conclusion: "failure",
                outputs: {},
                summary: "",
                annotations: [{ level: "failure", message, file: run.wf.file }],
                failure: { step: "(job set-up)", message, tail: [] },
              };
            } finally {
              if (!opts.keepWorkspaces) rmSync(jobDir, { recursive: true, force: true });
            }
            checkId = await completeCheck(t, checkId, result.conclusion, outputOf(result, unprivilegedNote(user)), result.annotations);
            ev.conclusion = result.conclusion;
            out = { result: result.conclusion, outputs: result.outputs };
            log(
              `actions: ■ ${name} (${run.wf.file}, run ${run.id}): ${result.conclusion} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
            );
            events.emit("job-finished", { ...ev });
          } finally {
            release();
          }
        },
        async () => {
          await completeCheck(
            t,
            undefined,
            "cancelled",
            { title: "cancelled", summary: "A newer run in the same concurrency group replaced this one." },
            [],
          );
          out = { result: "cancelled", outputs: {} };
        },
      );
    } catch (e) {
      log(`actions: job ${jobId} of ${run.wf.file} could not be reported: ${(e as Error).message}`);
    } finally {
      run.abort.signal.removeEventListener("abort", onRunAbort);
    }
    return out;
  };

  // ---------- the webhook receiver (and job logs, for check runs' details_url) ----------
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path.startsWith("/logs/")) {
      const rel = decodeURIComponent(path.slice(6));
      const file = join(dataDir, "logs", rel);
      if (!/^\d+\/[\w.-]+\.log$/.test(rel) || !existsSync(file)) return void res.writeHead(404).end("no such log\n");
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end(readFileSync(file));
    }
    if (req.method !== "POST") return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const sig = String(req.headers["x-hub-signature-256"] ?? "");
      const event = String(req.headers["x-github-event"] ?? "");
      const done = track(
        (async () => {
          if (!sig || !(await verify(opts.webhookSecret, body, sig))) {
            res.writeHead(401, { "content-type": "application/json" }).end('{"message":"signature does not match"}');
            return;
          }
          let payload: Record<string, unknown>;
          try {
            payload = JSON.parse(body) as Record<string, unknown>;
          } catch {
            res.writeHead(400, { "content-type": "application/json" }).end('{"message":"body is not JSON"}');
            return;
          }
          res.writeHead(202, { "content-type": "application/json" }).end('{"accepted":true}');
          await handle(event, payload).catch((e: Error) => log(`actions: ${event} failed: ${e.stack ?? e.message}`));
        })(),
      );
      void done;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    url,
    webhookUrl: `${url}/webhooks`,
    events,
    idle: () => (busy === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    async close() {
      // Running jobs are cancelled (their checks conclude `cancelled`) before the server stops.
      server.close();
      server.closeAllConnections();
      for (const c of activeRuns) c.abort();
      if (busy > 0) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

/**
 * Who jobs run as (user.ts): nobody when we are root and setpriv works, else this process's
 * user, with a warning in the log. As nobody, each process runs in a view of the files (view.ts)
 * that keeps the npm cache, the Node and the CA file (and its job's directory), so private
 * parents on the host stay private; where views cannot be built, those directories are made
 * reachable to nobody instead (the data dir's own secrets stay 0700). `problem` is why jobs
 * cannot run at all (as root, nobody cannot reach what a job needs): they fail with it rather
 * than run as root.
 */
function jobUser(o: { dataDir: string; nodeDir: string; npmCache: string; caFile: string | null; log: (line: string) => void }): {
  user: JobUser;
  views: { root: string; keep: string[] } | null;
  problem?: string;
} {
  if (!canDropPrivileges()) {
    const user = selfUser();
    o.log(
      `actions: ⚠ jobs run as ${user.describe}, this process's user: it is not root (or setpriv does not work), so they cannot be dropped to nobody and can read what this user can`,
    );
    return { user, views: null };
  }
  chownToNobody(o.npmCache);
  const keep = [o.npmCache, o.nodeDir, ...(o.caFile ? [o.caFile] : [])];
  const viewable = canBuildViews();
  let views: { root: string; keep: string[] } | null = null;
  if (viewable.ok) {
    // Each job sees only its own directory under work/ (view.ts covers the rest).
    for (const d of ["work", "logs", "git"]) chmodSync(join(o.dataDir, d), 0o700);
    const root = join(o.dataDir, "view-root");
    mkdirSync(root, { recursive: true, mode: 0o700 });
    views = { root, keep };
  } else {
    o.log(`actions: jobs get no view of their own (mount namespaces failed: ${viewable.why}); what they need must be reachable by nobody`);
    chmodSync(o.dataDir, 0o711);
    chmodSync(join(o.dataDir, "work"), 0o711);
    for (const d of ["logs", "git"]) chmodSync(join(o.dataDir, d), 0o700);
  }
  const need = views ? keep : [join(o.dataDir, "work"), ...keep];
  const unreachable = unreachableByNobody(need, views ? (argv) => inView({ root: views.root, keep }, argv) : undefined);
  if (!unreachable.length) return { user: NOBODY_USER, views };
  const problem = `jobs run as nobody, who cannot reach ${unreachable.join(", ")}${views ? "" : " (a private parent directory, such as a 0700 home or mktemp -d?)"}; they were not run as root instead — make those readable to others${views ? "" : " (chmod o+rx on the parent directories)"} or use another data directory`;
  o.log(`actions: ✖ ${problem}`);
  return { user: NOBODY_USER, views, problem };
}

/**
 * Everything at once for local mode and tests: registers (or finds) the "github-actions" App,
 * installs it on `repo`, starts the stand-in and points the App's webhook at it.
 */
export async function startActionsOn(
  gh: GitHubStandIn,
  opts: { repo: string } & Omit<ActionsOptions, "apiUrl" | "gitUrl" | "appId" | "privateKey" | "webhookSecret" | "installationId">,
): Promise<ActionsStandIn & { app: ActionsApp }> {
  const { repo, ...rest } = opts;
  const app = await registerActionsApp(gh, repo);
  const actions = await startActions({ ...rest, apiUrl: gh.apiUrl, gitUrl: gh.url, ...app });
  gh.setWebhook(app.appId, actions.webhookUrl, app.webhookSecret);
  return { ...actions, app };
}
