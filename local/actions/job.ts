// One job on the host: its directory (workspace, home, temp), an environment built from
// nothing but what the runner defines, and its steps in order — actions/checkout,
// actions/setup-node, actions/cache (restore, and save in a post step), `run:` scripts and
// local JavaScript actions (`uses: ./path`) — every process as the job's user (user.ts).
import { spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import type { WriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { randomUUID } from "node:crypto";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parse } from "yaml";
import type { Annotation } from "./commands.ts";
import { FileCommandError, masker, parseCommand, parseKeyValueFile } from "./commands.ts";
import { ExpressionError, condition, interpolate, interpolateString, stringify } from "./expressions.ts";
import type { Scope, Value } from "./expressions.ts";
import { cacheVersion } from "./cache.ts";
import type { CacheStore } from "./cache.ts";
import { hashFiles } from "./hashfiles.ts";
import { ENV_FD, ROOT_ENV, envBlock, fromFd } from "./user.ts";
import type { JobUser } from "./user.ts";
import { inView } from "./view.ts";
import type { Job, Step, Workflow } from "./workflow.ts";

/** The system directories on PATH, as on a runner image (never the stand-in's own PATH). */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface JobInput {
  wf: Workflow;
  jobId: string;
  job: Job;
  event: string;
  payload: Record<string, unknown>;
  /** GITHUB_SHA / GITHUB_REF as GitHub sets them for this event (pull_request: the head sha, see index.ts) */
  sha: string;
  ref: string;
  repo: { owner: string; name: string; id: number; ownerId: number };
  runId: number;
  runNumber: number;
  /** the job's GITHUB_TOKEN (already narrowed to the workflow's permissions) */
  token: string;
  needs: Record<string, { result: string; outputs: Record<string, string> }>;
  jobDir: string;
  nodeDir: string;
  npmCache: string;
  /** the CA bundle the machine trusts (see ActionsOptions.caFile) */
  caFile: string | null;
  serverUrl: string;
  apiUrl: string;
  signal: AbortSignal;
  logFile: string;
  /** Who every process of the job runs as (see user.ts); the job directory is made theirs. */
  user: JobUser;
  /**
   * When set (root, with mount namespaces), every process runs in a view of the files
   * (view.ts) on this empty directory, keeping only the job's directory and `views.keep`.
   */
  views: { root: string; keep: string[] } | null;
  /** actions/cache's entries (cache.ts). */
  caches: CacheStore;
}

export interface JobResult {
  conclusion: "success" | "failure" | "cancelled";
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** the step that failed (or the reason the job could not run) and its last log lines */
  failure?: { step: string; message: string; tail: string[] };
  timedOut?: boolean;
}

class StepFailure extends Error {}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

export async function runJob(input: JobInput): Promise<JobResult> {
  return new JobRun(input).run();
}

class JobRun {
  private readonly i: JobInput;
  private readonly workspace: string;
  private readonly temp: string;
  private readonly home: string;
  /** TMPDIR: the job's own, as a fresh runner's /tmp is (the host's /tmp holds other users' files) */
  private readonly tmp: string;
  /** the job's user, every process in the job's view of the files when there is one (view.ts) */
  private readonly runAs: JobUser;
  private readonly masks = new Set<string>();
  private mask: (s: string) => string = (s) => s;
  private readonly annotations: Annotation[] = [];
  private readonly summaries: string[] = [];
  private readonly envFile: Record<string, string> = {};
  private readonly pathPrefix: string[] = [];
  private readonly steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  private failed = false;
  private cancelled = false;
  private timedOut = false;
  private failure?: JobResult["failure"];
  /** post steps (actions/cache's save), run after the steps in reverse order */
  private readonly posts: { label: string; run: () => Promise<void> }[] = [];
  private readonly log: WriteStream;
  private readonly timeout: AbortController = new AbortController();
  private jobMinutes = 360;

  constructor(input: JobInput) {
    this.i = input;
    this.workspace = join(input.jobDir, "work", input.repo.name);
    this.temp = join(input.jobDir, "temp");
    this.home = join(input.jobDir, "home");
    this.tmp = join(input.jobDir, "tmp");
    for (const d of [this.workspace, this.temp, this.home, this.tmp]) mkdirSync(d, { recursive: true });
    input.user.own(input.jobDir, true);
    const views = input.views;
    const plan = views && { root: views.root, keep: [input.jobDir, ...views.keep], tmp: this.tmp };
    this.runAs = plan ? { ...input.user, wrap: (argv) => inView(plan, input.user.wrap(argv)) } : input.user;
    mkdirSync(dirname(input.logFile), { recursive: true });
    this.log = createWriteStream(input.logFile);
    this.addMask(input.token);
  }

  private addMask(v: string): void {
    this.masks.add(v);
    this.mask = masker(this.masks);
  }

  private write(line: string): void {
    this.log.write(this.mask(line) + "\n");
  }

  private where(n: number, step?: Step): string {
    const label = step ? (step.name ?? step.uses ?? (step.run ?? "").split("\n")[0]) : "";
    return `${this.i.wf.file}, job "${this.i.jobId}"${step ? `, step ${n + 1} "${label}"` : ""}`;
  }

  // ---------- contexts ----------

  private githubContext(): Record<string, Value> {
    const { i } = this;
    const pr = i.payload.pull_request as { head?: { ref?: string }; base?: { ref?: string } } | undefined;
    const full = `${i.repo.owner}/${i.repo.name}`;
    const refName = i.ref.replace(/^refs\/(heads|tags)\//, "");
    return {
      event: i.payload as Value,
      event_name: i.event,
      event_path: join(this.temp, "_github_workflow", "event.json"),
      sha: i.sha,
      ref: i.ref,
      ref_name: refName,
      ref_type: i.ref.startsWith("refs/tags/") ? "tag" : "branch",
      ref_protected: false,
      head_ref: i.event.startsWith("pull_request") ? (pr?.head?.ref ?? "") : "",
      base_ref: i.event.startsWith("pull_request") ? (pr?.base?.ref ?? "") : "",
      repository: full,
      repository_id: String(i.repo.id),
      repository_owner: i.repo.owner,
      repository_owner_id: String(i.repo.ownerId),
      actor: String((i.payload.sender as { login?: string } | undefined)?.login ?? ""),
      triggering_actor: String((i.payload.sender as { login?: string } | undefined)?.login ?? ""),
      run_id: String(i.runId),
      run_number: String(i.runNumber),
      run_attempt: "1",
      retention_days: "90",
      workflow: i.wf.name,
      workflow_ref: `${full}/${i.wf.file}@${i.ref}`,
      workflow_sha: i.sha,
      job: i.jobId,
      server_url: i.serverUrl,
      api_url: i.apiUrl,
      graphql_url: i.apiUrl.replace(/\/v3$/, "/graphql"),
      workspace: this.workspace,
      token: i.token,
      action: "",
      action_path: "",
    };
  }

  private scope(env: Record<string, string>, extra: Partial<Record<string, Value>> = {}): Scope {
    return {
      contexts: {
        github: this.githubContext(),
        env,
        steps: this.steps,
        needs: this.i.needs,
        inputs: {},
        vars: {},
        matrix: {},
        strategy: {},
        // No secrets reach a job here; GITHUB_TOKEN is the job's own narrowed token.
        secrets: { GITHUB_TOKEN: this.i.token },
        job: { status: this.cancelled ? "cancelled" : this.failed ? "failure" : "success" },
        runner: {
          os: "Linux",
          arch: "X64",
          name: "ouro-actions",
          environment: "github-hosted",
          temp: this.temp,
          tool_cache: this.toolCache(),
        },
        ...extra,
      } as Record<string, Value>,
      status: { failed: this.failed, cancelled: this.cancelled },
      hashFiles: (patterns) => hashFiles(this.runAs, this.i.nodeDir, this.workspace, patterns),
    };
  }

  private toolCache(): string {
    return join(this.i.jobDir, "toolcache");
  }

  /** What the runner itself defines for every step (GITHUB_OUTPUT etc. are added per step). */
  private runnerEnv(): Record<string, string> {
    const { i } = this;
    const g = this.githubContext();
    return {
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_ACTOR: String(g.actor),
      GITHUB_TRIGGERING_ACTOR: String(g.triggering_actor),
      GITHUB_API_URL: i.apiUrl,
      GITHUB_GRAPHQL_URL: String(g.graphql_url),
      GITHUB_SERVER_URL: i.serverUrl,
      GITHUB_BASE_REF: String(g.base_ref),
      GITHUB_HEAD_REF: String(g.head_ref),
      GITHUB_EVENT_NAME: i.event,
      GITHUB_EVENT_PATH: String(g.event_path),
      GITHUB_JOB: i.jobId,
      GITHUB_REF: i.ref,
      GITHUB_REF_NAME: String(g.ref_name),
      GITHUB_REF_TYPE: String(g.ref_type),
      GITHUB_REF_PROTECTED: "false",
      GITHUB_REPOSITORY: String(g.repository),
      GITHUB_REPOSITORY_ID: String(g.repository_id),
      GITHUB_REPOSITORY_OWNER: i.repo.owner,
      GITHUB_REPOSITORY_OWNER_ID: String(g.repository_owner_id),
      GITHUB_RETENTION_DAYS: "90",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_RUN_ID: String(i.runId),
      GITHUB_RUN_NUMBER: String(i.runNumber),
      GITHUB_SHA: i.sha,
      GITHUB_WORKFLOW: i.wf.name,
      GITHUB_WORKFLOW_REF: String(g.workflow_ref),
      GITHUB_WORKFLOW_SHA: i.sha,
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_ARCH: "X64",
      RUNNER_ENVIRONMENT: "github-hosted",
      RUNNER_NAME: "ouro-actions",
      RUNNER_OS: "Linux",
      RUNNER_TEMP: this.temp,
      RUNNER_TOOL_CACHE: this.toolCache(),
      HOME: this.home,
      TMPDIR: this.tmp,
      LANG: "C.UTF-8",
      // A shared npm cache, as setup-node's `cache: npm` restores one: `npm ci` reuses downloads.
      npm_config_cache: i.npmCache,
      npm_config_prefer_offline: "true",
      npm_config_update_notifier: "false",
      ...(i.caFile ? { NODE_EXTRA_CA_CERTS: i.caFile, npm_config_cafile: i.caFile } : {}),
    };
  }

  // ---------- the job ----------

  async run(): Promise<JobResult> {
    const { i } = this;
    this.writeOwn(join(this.temp, "_github_workflow", "event.json"), JSON.stringify(i.payload, null, 2));
    const onAbort = () => {
      this.cancelled = true;
    };
    i.signal.addEventListener("abort", onAbort, { once: true });
    // Cancelled before the job got here (a newer run of its concurrency group): an aborted
    // signal fires no event, and the job must end `cancelled`, never `failure`.
    if (i.signal.aborted) onAbort();
    const minutes = Number(interpolate(i.job["timeout-minutes"] ?? 360, this.scope({})));
    this.jobMinutes = minutes;
    const timer = setTimeout(
      () => {
        this.timedOut = true;
        this.timeout.abort();
      },
      (Number.isFinite(minutes) && minutes > 0 ? minutes : 360) * 60_000,
    );
    let outputs: Record<string, string> = {};
    try {
      this.write(
        `job ${i.jobId} (${i.wf.file}) on ${i.event} at ${i.sha}, as ${i.user.describe}${i.views ? ", with a /tmp of its own" : ""}`,
      );
      assertRunsOn(i.job["runs-on"], this.where(0));
      const jobEnv = this.evalEnv({ ...i.wf.env }, {});
      Object.assign(jobEnv, this.evalEnv(i.job.env ?? {}, jobEnv));
      const steps = i.job.steps ?? [];
      for (let n = 0; n < steps.length; n++) await this.step(n, steps[n], jobEnv);
      await this.postSteps();
      outputs = this.jobOutputs(jobEnv);
    } catch (e) {
      this.fail("(job set-up)", e instanceof ExpressionError ? `${this.where(0)}: ${e.message}` : (e as Error).message, []);
    } finally {
      clearTimeout(timer);
      i.signal.removeEventListener("abort", onAbort);
    }
    if (this.timedOut)
      this.fail(this.failure?.step ?? "(job)", `the job exceeded its timeout of ${minutes} minutes`, this.failure?.tail ?? []);
    await new Promise<void>((r) => this.log.end(r));
    const conclusion = this.cancelled && !this.timedOut ? "cancelled" : this.failed ? "failure" : "success";
    return {
      conclusion,
      outputs,
      summary: this.mask(this.summaries.join("\n")),
      annotations: this.annotations.map((a) => ({ ...a, message: this.mask(a.message), title: a.title && this.mask(a.title) })),
      failure: this.failure && { ...this.failure, message: this.mask(this.failure.message), tail: this.failure.tail.map(this.mask) },
      timedOut: this.timedOut,
    };
  }

  private fail(step: string, message: string, tail: string[]): void {
    this.failed = true;
    this.write(`##[error]${message}`);
    this.failure ??= { step, message, tail };
  }

  private evalEnv(raw: unknown, env: Record<string, string>): Record<string, string> {
    if (!isMap(raw)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = interpolateString(v, this.scope({ ...env, ...out }));
    return out;
  }

  private jobOutputs(env: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.i.job.outputs ?? {})) out[k] = interpolateString(v, this.scope(env));
    return out;
  }

  private async step(n: number, step: Step, jobEnv: Record<string, string>): Promise<void> {
    const where = this.where(n, step);
    const id = step.id ?? `__step_${n + 1}`;
    const label = step.name ?? step.uses ?? `Run ${(step.run ?? "").split("\n")[0]}`;
    const baseEnv = { ...jobEnv, ...this.envFile };
    let run = false;
    try {
      run = !this.timedOut && condition(step.if, this.scope(baseEnv));
    } catch (e) {
      this.fail(label, `${where}: if: ${(e as Error).message}`, []);
    }
    if (!run) {
      this.steps[id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      this.write(`skipped: ${label}`);
      return;
    }
    this.write(`▶ ${label}`);
    const t0 = Date.now();
    const tail: string[] = [];
    let outcome: "success" | "failure" = "success";
    const files = {
      output: join(this.temp, `_runner_file_commands/output_${randomUUID()}`),
      env: join(this.temp, `_runner_file_commands/env_${randomUUID()}`),
      path: join(this.temp, `_runner_file_commands/path_${randomUUID()}`),
      summary: join(this.temp, `_runner_file_commands/summary_${randomUUID()}`),
    };
    for (const f of Object.values(files)) this.writeOwn(f, "");
    let outputs: Record<string, string> = {};
    try {
      const stepEnv = { ...baseEnv, ...this.evalEnv(step.env ?? {}, baseEnv) };
      const env: Record<string, string> = {
        ...stepEnv,
        ...this.runnerEnv(),
        GITHUB_ACTION: id,
        GITHUB_OUTPUT: files.output,
        GITHUB_ENV: files.env,
        GITHUB_PATH: files.path,
        GITHUB_STEP_SUMMARY: files.summary,
        PATH: [...this.pathPrefix, stepEnv.PATH ?? SYSTEM_PATH].join(":"),
      };
      const scope = this.scope(stepEnv);
      const minutes = step["timeout-minutes"] === undefined ? undefined : Number(interpolate(step["timeout-minutes"], scope));
      if (step.run !== undefined) await this.runScript(step, env, scope, tail, minutes, where);
      else await this.uses(step, env, scope, tail, minutes, where);
      outputs = Object.fromEntries(parseKeyValueFile(readFileSync(files.output, "utf8"), `${where}: GITHUB_OUTPUT`));
      for (const [k, v] of parseKeyValueFile(readFileSync(files.env, "utf8"), `${where}: GITHUB_ENV`)) this.envFile[k] = v;
      for (const p of readFileSync(files.path, "utf8").split(/\r?\n/).reverse()) if (p.trim()) this.pathPrefix.unshift(p.trim());
    } catch (e) {
      outcome = "failure";
      const msg = e instanceof StepFailure || e instanceof FileCommandError ? e.message : `${where}: ${(e as Error).message}`;
      const continueOnError = truthyFlag(interpolate(step["continue-on-error"] ?? false, this.scope(baseEnv)));
      if (this.cancelled && !this.timedOut) this.write(`cancelled: ${label}`);
      else if (continueOnError) this.write(`##[warning]${msg} (continue-on-error)`);
      else this.fail(label, msg, tail.slice(-30));
      if (!this.failed && !this.cancelled) outcome = "failure";
    } finally {
      const summary = existsSync(files.summary) ? readFileSync(files.summary, "utf8") : "";
      if (summary.trim()) this.summaries.push(summary);
      for (const f of Object.values(files)) rmSync(f, { force: true });
    }
    this.write(`■ ${label}: ${outcome} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const continued = outcome === "failure" && !this.failed && !this.cancelled;
    this.steps[id] = { outputs, outcome, conclusion: continued ? "success" : outcome };
  }

  // ---------- steps ----------

  private async runScript(
    step: Step,
    env: Record<string, string>,
    scope: Scope,
    tail: string[],
    minutes: number | undefined,
    where: string,
  ) {
    const script = interpolateString(step.run, scope);
    const defaults = { ...this.i.wf.defaults?.run, ...this.i.job.defaults?.run };
    const shell = step.shell ?? defaults.shell;
    const wd = step["working-directory"] ?? defaults["working-directory"];
    const cwd = this.inWorkspace(wd === undefined ? "." : interpolateString(wd, scope), where);
    if (!existsSync(cwd)) throw new StepFailure(`${where}: working-directory ${wd} does not exist`);
    const file = join(this.temp, `${randomUUID()}.sh`);
    this.writeOwn(file, script);
    // GitHub's defaults: no shell given → `bash -e {0}`; `shell: bash` → bash with pipefail; `sh` → `sh -e {0}`.
    let argv: string[];
    if (shell === undefined) argv = ["bash", "-e", file];
    else if (shell === "bash") argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", file];
    else if (shell === "sh") argv = ["sh", "-e", file];
    else throw new StepFailure(`${where}: shell "${shell}" is not supported by the Actions stand-in (bash or sh)`);
    await this.exec(argv, cwd, env, tail, minutes, where);
  }

  private inWorkspace(p: string, where: string): string {
    const full = resolve(this.workspace, p);
    const rel = relative(this.workspace, full);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new StepFailure(`${where}: path ${p} is outside the workspace`);
    return full;
  }

  private async uses(step: Step, env: Record<string, string>, scope: Scope, tail: string[], minutes: number | undefined, where: string) {
    const uses = String(step.uses);
    const withs: Record<string, string> = {};
    const rawWith = isMap(step.with) ? step.with : {};
    for (const [k, v] of Object.entries(rawWith)) withs[k] = interpolateString(v, scope);
    const m = /^([\w.-]+\/[\w.-]+)(\/[^@]*)?@(.+)$/.exec(uses);
    const action = m ? `${m[1]}${m[2] ?? ""}`.toLowerCase() : "";
    if (action === "actions/checkout") return this.checkout(withs, rawWith, env, tail, where);
    if (action === "actions/setup-node") return this.setupNode(withs, env, where);
    if (m && /^actions\/cache(\/restore|\/save)?$/.test(action)) return this.cache(action, m[3], step, withs, env, tail, where);
    if (uses.startsWith("./")) return this.localAction(uses, withs, env, scope, tail, minutes, where);
    throw new StepFailure(
      `${where}: uses: ${uses} is not run by the Actions stand-in; it runs actions/checkout, actions/setup-node, actions/cache (v4), local JavaScript actions (uses: ./path) and run: steps`,
    );
  }

  private async checkout(
    withs: Record<string, string>,
    raw: Record<string, unknown>,
    env: Record<string, string>,
    tail: string[],
    where: string,
  ) {
    const known = ["repository", "ref", "path", "fetch-depth", "persist-credentials", "token", "clean"];
    for (const k of Object.keys(withs))
      if (!known.includes(k)) throw new StepFailure(`${where}: actions/checkout input "${k}" is not supported by the Actions stand-in`);
    const full = `${this.i.repo.owner}/${this.i.repo.name}`;
    const repository = withs.repository || full;
    const same = repository.toLowerCase() === full.toLowerCase();
    const ref = withs.ref || (same ? this.i.sha : "");
    const token = withs.token || this.i.token;
    if (withs.token) this.addMask(withs.token);
    const dir = this.inWorkspace(withs.path || ".", where);
    const depth = Number(raw["fetch-depth"] === undefined ? 1 : withs["fetch-depth"]);
    if (!Number.isInteger(depth) || depth < 0) throw new StepFailure(`${where}: fetch-depth must be a whole number (0 = all history)`);
    const persist = !["false", "False", "FALSE"].includes(withs["persist-credentials"] ?? "true");
    if (dir !== this.workspace) rmSync(dir, { recursive: true, force: true });
    const made = mkdirSync(dir, { recursive: true });
    if (made) this.i.user.own(made, true);
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    this.addMask(Buffer.from(`x-access-token:${token}`).toString("base64"));
    const gitEnv = { ...env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: join(this.home, ".gitconfig") };
    const git = (...args: string[]) => this.exec(["git", ...args], dir, gitEnv, tail, undefined, where);
    const remote = `${this.i.serverUrl}/${repository}.git`;
    this.write(`Syncing repository: ${repository} (${ref || "default branch"}) into ${relative(this.workspace, dir) || "."}`);
    await git("init", "-q");
    await git("remote", "add", "origin", remote);
    const auth = ["-c", `http.extraheader=${header}`];
    const depthArgs = depth > 0 ? [`--depth=${depth}`] : [];
    const fetch = (...refspecs: string[]) =>
      git(
        ...auth,
        "-c",
        "protocol.version=2",
        "fetch",
        "--no-tags",
        "--prune",
        "--no-recurse-submodules",
        ...depthArgs,
        "origin",
        ...refspecs,
      );
    const isSha = /^[0-9a-f]{40}$/i.test(ref);
    if (depth === 0) await fetch("+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*");
    if (isSha) {
      await fetch(`+${ref}:refs/remotes/origin/ouro-checkout`);
      await git("checkout", "-q", "--force", ref);
    } else {
      const branch = ref === "" ? "HEAD" : ref.replace(/^refs\/heads\//, "");
      const spec = ref.startsWith("refs/") && !ref.startsWith("refs/heads/") ? ref : `refs/heads/${branch}`;
      if (ref === "") await fetch("+HEAD:refs/remotes/origin/HEAD");
      else await fetch(`+${spec}:refs/remotes/origin/${branch}`);
      if (ref === "" || spec !== `refs/heads/${branch}`) await git("checkout", "-q", "--force", `refs/remotes/origin/${branch}`);
      else await git("checkout", "-q", "--force", "-B", branch, `refs/remotes/origin/${branch}`);
    }
    if (persist) await git("config", "--local", `http.${this.i.serverUrl}/.extraheader`, header);
  }

  private async setupNode(withs: Record<string, string>, env: Record<string, string>, where: string) {
    for (const k of Object.keys(withs))
      if (!["node-version", "cache", "check-latest"].includes(k))
        throw new StepFailure(`${where}: actions/setup-node input "${k}" is not supported by the Actions stand-in`);
    if (withs.cache && withs.cache !== "npm") throw new StepFailure(`${where}: setup-node cache "${withs.cache}": only npm is cached here`);
    const have = await nodeVersion(this.i.nodeDir);
    const want = (withs["node-version"] ?? "").trim().replace(/^v/, "");
    if (!want) throw new StepFailure(`${where}: actions/setup-node needs node-version (the stand-in has Node ${have})`);
    const wantMajor = /^(\d+)(\.[\dx*]+)*$/.exec(want)?.[1];
    const exact = /^\d+\.\d+\.\d+$/.test(want);
    if (!wantMajor || wantMajor !== have.split(".")[0] || (exact && want !== have))
      throw new StepFailure(
        `${where}: node-version ${want} is not available: the Actions stand-in has only Node ${have} (${this.i.nodeDir})`,
      );
    this.pathPrefix.unshift(this.i.nodeDir);
    appendFileSync(env.GITHUB_OUTPUT, `node-version=v${have}\n`);
    this.write(`Using Node ${have} from ${this.i.nodeDir}`);
  }

  private async localAction(
    uses: string,
    withs: Record<string, string>,
    env: Record<string, string>,
    scope: Scope,
    tail: string[],
    minutes: number | undefined,
    where: string,
  ) {
    const dir = this.inWorkspace(uses, where);
    const file = ["action.yml", "action.yaml"].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (!file) throw new StepFailure(`${where}: ${uses} has no action.yml (is the repository checked out?)`);
    let meta: Record<string, unknown>;
    try {
      const doc: unknown = parse(readFileSync(file, "utf8"));
      if (!isMap(doc)) throw new Error("not a mapping");
      meta = doc;
    } catch (e) {
      throw new StepFailure(`${where}: ${uses}/action.yml is not valid: ${(e as Error).message.split("\n")[0]}`);
    }
    const runs = isMap(meta.runs) ? meta.runs : {};
    const using = String(runs.using ?? "");
    if (using !== "node20" && using !== "node24")
      throw new StepFailure(`${where}: ${uses} runs.using "${using}" is not supported by the Actions stand-in (node20 or node24)`);
    if (typeof runs.main !== "string") throw new StepFailure(`${where}: ${uses}/action.yml has no runs.main`);
    for (const k of ["pre", "post"])
      if (runs[k] !== undefined) throw new StepFailure(`${where}: ${uses} has a runs.${k} script, which the Actions stand-in does not run`);
    const declared = isMap(meta.inputs) ? meta.inputs : {};
    const inputEnv: Record<string, string> = {};
    for (const [name, spec] of Object.entries(declared)) {
      const def = isMap(spec) && spec.default !== undefined ? interpolateString(spec.default, scope) : "";
      inputEnv[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = withs[name] ?? def;
    }
    const unexpected = Object.keys(withs).filter((k) => !(k in declared));
    for (const k of unexpected) inputEnv[`INPUT_${k.replace(/ /g, "_").toUpperCase()}`] = withs[k];
    if (unexpected.length)
      this.annotations.push({
        level: "warning",
        message: `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`,
      });
    const main = join(dir, runs.main);
    // node20 actions run on the stand-in's Node 24 too: it has no other.
    await this.exec(
      [join(this.i.nodeDir, "node"), main],
      this.workspace,
      { ...env, ...inputEnv, GITHUB_ACTION_PATH: dir, GITHUB_ACTION_REPOSITORY: "" },
      tail,
      minutes,
      where,
    );
  }

  // ---------- actions/cache ----------

  private async cache(
    action: string,
    ref: string,
    step: Step,
    withs: Record<string, string>,
    env: Record<string, string>,
    tail: string[],
    where: string,
  ) {
    if (!/^[0-9a-f]{40}$/i.test(ref) && !/^v4(\.\d+){0,2}$/.test(ref))
      throw new StepFailure(`${where}: ${action}@${ref}: the Actions stand-in runs actions/cache v4 (a v4 tag or a pinned sha)`);
    const kind = action.endsWith("/save") ? "save" : action.endsWith("/restore") ? "restore" : "cache";
    const known = ["path", "key", "enableCrossOsArchive", "upload-chunk-size"];
    if (kind !== "save") known.push("restore-keys", "fail-on-cache-miss", "lookup-only");
    for (const k of Object.keys(withs))
      if (!known.includes(k)) throw new StepFailure(`${where}: ${action} input "${k}" is not supported by the Actions stand-in`);
    for (const k of ["path", "key"])
      if (!withs[k]?.trim()) throw new StepFailure(`${where}: ${action} needs the input "${k}" (Input required and not supplied: ${k})`);
    const key = withs.key.trim();
    const lines = withs.path
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const members = lines.map((l) => this.cacheMember(l, where));
    const version = cacheVersion(lines);
    if (kind === "save") return this.cacheSave(key, members, version, where);
    const restoreKeys = (withs["restore-keys"] ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    let found = this.i.caches.find(this.repoName(), this.cacheScopes(), key, restoreKeys, version);
    const out = (k: string, v: string) => appendFileSync(env.GITHUB_OUTPUT, `${k}=${v}\n`);
    if (!found) {
      if (/^true$/i.test(withs["fail-on-cache-miss"] ?? ""))
        throw new StepFailure(`${where}: Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
      this.write(`Cache not found for input keys: ${[key, ...restoreKeys].join(", ")}`);
    } else if (/^true$/i.test(withs["lookup-only"] ?? "")) {
      this.write(`Cache found and can be restored from key: ${found.entry.key}`);
    } else {
      try {
        await this.tar(["-x", "-f", "-", "-C", this.i.jobDir], { stdin: found.archive }, tail, where);
        this.write(`Cache restored from key: ${found.entry.key} (${(found.entry.size / 1048576).toFixed(1)} MB, ${found.entry.scope})`);
      } catch (e) {
        // As on GitHub, a restore that fails is a warning and a miss.
        if (this.cancelled) throw e;
        this.write(`##[warning]Failed to restore: ${(e as Error).message}`);
        found = null;
      }
    }
    const exact = found?.entry.key === key;
    out("cache-hit", String(exact));
    if (kind === "restore") {
      out("cache-primary-key", key);
      out("cache-matched-key", found?.entry.key ?? "");
      return;
    }
    const label = `Post ${step.name ?? step.uses}`;
    this.posts.push({
      label,
      run: () =>
        exact
          ? Promise.resolve(this.write(`Cache hit occurred on the primary key ${key}, not saving cache.`))
          : this.cacheSave(key, members, version, `${where} (post)`),
    });
  }

  /** A cache path as a tar member relative to the job directory (the workspace, HOME or the runner's temp). */
  private cacheMember(line: string, where: string): string {
    if (line.startsWith("!") || /[*?[]/.test(line))
      throw new StepFailure(`${where}: actions/cache path "${line}": globs and exclusions are not supported by the Actions stand-in`);
    const full = resolve(this.workspace, line.replace(/^~(?=\/|$)/, this.home));
    const rel = relative(this.i.jobDir, full);
    if (!rel || rel.startsWith("..") || isAbsolute(rel))
      throw new StepFailure(`${where}: actions/cache path "${line}" is outside the job's directory (workspace, ~ or runner.temp)`);
    return rel;
  }

  private repoName(): string {
    return `${this.i.repo.owner}/${this.i.repo.name}`;
  }

  /** Where entries may come from: this ref, a PR's base branch, the default branch (GitHub's rule). */
  private cacheScopes(): string[] {
    const { i } = this;
    const pr = i.payload.pull_request as { base?: { ref?: string } } | undefined;
    const repo = i.payload.repository as { default_branch?: string } | undefined;
    const scopes = [i.ref];
    if (i.event.startsWith("pull_request") && pr?.base?.ref) scopes.push(`refs/heads/${pr.base.ref}`);
    scopes.push(`refs/heads/${repo?.default_branch ?? "main"}`);
    return [...new Set(scopes)];
  }

  private async cacheSave(key: string, members: string[], version: string, where: string): Promise<void> {
    const present = members.filter((m) => {
      try {
        lstatSync(join(this.i.jobDir, m));
        return true;
      } catch {
        return false;
      }
    });
    if (!present.length) {
      this.write(
        `##[warning]Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.`,
      );
      return;
    }
    const tail: string[] = [];
    try {
      const r = await this.i.caches.save(this.repoName(), this.i.ref, key, version, (file) =>
        this.tar(["-c", "-f", "-", "-C", this.i.jobDir, "--", ...present], { stdout: file }, tail, where),
      );
      if (r.saved) this.write(`Cache saved with key: ${key} (${(r.size / 1048576).toFixed(1)} MB)`);
      else this.write(`##[warning]Failed to save: ${r.why}`);
    } catch (e) {
      // As on GitHub, a failed save warns; the job's result stands.
      this.write(`##[warning]Failed to save: ${(e as Error).message}`);
    }
  }

  /** Runs tar as the job's user, its archive on stdin or stdout (a file this process opens). */
  private tar(args: string[], io: { stdin?: string; stdout?: string }, tail: string[], where: string): Promise<void> {
    const fd = io.stdin ? openSync(io.stdin, "r") : openSync(io.stdout!, "w", 0o600);
    return this.exec(["tar", ...args], this.i.jobDir, { PATH: SYSTEM_PATH, LANG: "C.UTF-8" }, tail, undefined, where, {
      [io.stdin ? 0 : 1]: fd,
    }).finally(() => closeSync(fd));
  }

  private async postSteps(): Promise<void> {
    for (const post of this.posts.reverse()) {
      // actions/cache's post-if is success(): nothing is saved from a failed or cancelled job.
      if (this.failed || this.cancelled) {
        this.write(`skipped: ${post.label} (the job did not succeed)`);
        continue;
      }
      this.write(`▶ ${post.label}`);
      const t0 = Date.now();
      await post.run();
      this.write(`■ ${post.label} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }

  // ---------- processes ----------

  /** Writes a file the job's processes will use (and its directory), owned by the job user. */
  private writeOwn(file: string, text: string): void {
    const dir = dirname(file);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      this.i.user.own(dir);
    }
    writeFileSync(file, text);
    this.i.user.own(file);
  }

  private exec(
    argv: string[],
    cwd: string,
    env: Record<string, string>,
    tail: string[],
    minutes: number | undefined,
    where: string,
    fds: { 0?: number; 1?: number } = {},
  ): Promise<void> {
    return new Promise((resolveP, reject) => {
      if (this.i.signal.aborted || this.timeout.signal.aborted) return reject(new StepFailure(`${where}: the job was cancelled`));
      // As nobody, the environment goes in through a pipe, past the programs root runs (user.ts).
      const viaFd = this.i.user.kind === "nobody";
      const full = this.runAs.wrap(viaFd ? fromFd(argv) : argv);
      const stdio: ("ignore" | "pipe" | number)[] = [fds[0] ?? "ignore", fds[1] ?? "pipe", "pipe", ...(viaFd ? ["pipe" as const] : [])];
      const child = spawn(full[0], full.slice(1), { cwd, env: viaFd ? ROOT_ENV : env, detached: true, stdio });
      const envPipe = viaFd ? (child.stdio[ENV_FD] as Writable | null) : null;
      envPipe?.on("error", () => undefined); // it died before reading: "close" reports it
      envPipe?.end(envBlock(env));
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      };
      let stepTimedOut = false;
      const timer =
        minutes !== undefined && minutes > 0
          ? setTimeout(() => {
              stepTimedOut = true;
              kill();
            }, minutes * 60_000)
          : undefined;
      this.i.signal.addEventListener("abort", kill, { once: true });
      this.timeout.signal.addEventListener("abort", kill, { once: true });
      const onLine = (line: string) => {
        const c = parseCommand(line);
        if (c.kind === "mask") {
          this.addMask(c.value);
          return;
        }
        if (c.kind === "annotation") this.annotations.push(c.annotation);
        const shown = this.mask(line);
        this.write(shown);
        if (c.kind !== "ignored") {
          tail.push(shown);
          if (tail.length > 200) tail.splice(0, tail.length - 200);
        }
      };
      for (const s of [child.stdout, child.stderr]) {
        if (!s) continue;
        let buf = "";
        s.setEncoding("utf8");
        s.on("data", (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            onLine(buf.slice(0, nl).replace(/\r$/, ""));
            buf = buf.slice(nl + 1);
          }
        });
        s.on("end", () => {
          if (buf) onLine(buf);
          buf = "";
        });
      }
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(new StepFailure(`${where}: could not start ${argv[0]}: ${e.message}`));
      });
      child.on("close", (code, sig) => {
        clearTimeout(timer);
        this.i.signal.removeEventListener("abort", kill);
        this.timeout.signal.removeEventListener("abort", kill);
        if (code === 0) return resolveP();
        if (this.i.signal.aborted) return reject(new StepFailure(`${where}: cancelled`));
        if (this.timeout.signal.aborted)
          return reject(new StepFailure(`${where}: stopped: the job exceeded its timeout of ${this.jobMinutes} minutes`));
        if (stepTimedOut) return reject(new StepFailure(`${where}: the step exceeded its timeout of ${minutes} minutes`));
        this.annotations.push({ level: "failure", message: `Process completed with exit code ${code ?? sig}.` });
        reject(new StepFailure(`${where}: process completed with exit code ${code ?? sig}`));
      });
    });
  }
}

function truthyFlag(v: Value): boolean {
  return v === true || (typeof v === "string" && v.toLowerCase() === "true");
}

function assertRunsOn(v: unknown, where: string): void {
  const labels = (Array.isArray(v) ? v : [v]).map((x) => stringify(x as Value));
  if (!labels.some((l) => /^ubuntu-/.test(l) || l === "self-hosted" || l === "linux"))
    throw new StepFailure(`${where}: runs-on ${labels.join(", ")}: the Actions stand-in runs Linux jobs only (ubuntu-*)`);
}

const versions = new Map<string, Promise<string>>();
/** The version (without "v") of `${nodeDir}/node`. */
export function nodeVersion(nodeDir: string): Promise<string> {
  let p = versions.get(nodeDir);
  if (!p) {
    p = new Promise((res, rej) => {
      const c = spawn(join(nodeDir, "node"), ["--version"], { env: {}, stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.on("error", (e) => rej(new Error(`no node in ${nodeDir}: ${e.message}`)));
      c.on("close", () => res(out.trim().replace(/^v/, "")));
    });
    versions.set(nodeDir, p);
  }
  return p;
}
