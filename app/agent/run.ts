// runAgent: change request → validated branch `ouro/<id>` (or a clear failure report).
// runFollowUp: a review comment or CI failure → new commits on the same branch.
// Both are one `run` (request, base policy, worktree, checks, result) given a plan that says
// what differs: where the commit goes, the budgets, how it is written and how it lands.
// All work happens in a scratch worktree of the attempt's own (worktree.ts, attempts.ts) that
// is removed afterwards; the branch ref is only created (or moved) once every check passed,
// so a failed run leaves nothing.
import type OpenAI from "openai";
import type { PolicyFile } from "../../policy-engine/policy/load.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import type { Budgets } from "./budgets.ts";
import { runModelLoop, type LoopResult } from "./loop.ts";
import { atomicWrite, resolveWritable } from "./paths.ts";
import { loadBasePolicy, PolicyUnavailable, type BasePolicy } from "./policy.ts";
import { prBody } from "./pr.ts";
import { followUpPrompt, systemPrompt, userPrompt, type FeedbackItem } from "./prompt.ts";
import { selectFeedback } from "./feedback.ts";
import { applyRecipe } from "./recipes/index.ts";
import { parseChangeRequest, RequestError } from "./request.ts";
import { branchFor, changeTitle, prTitle, requesterKey, type ChangeRequest } from "../../contract/change-request.ts";
import type { Recipe } from "../../contract/recipe.ts";
import { startTestsAhead, type TestsAhead } from "./tests-ahead.ts";
import { failureSummary, limitsOf, validate, type Validation } from "./validate.ts";
import {
  advanceBranch,
  createBranch,
  createWorktree,
  git,
  OURO_IDENTITY,
  resolveSha,
  type GitIdentity,
  type Worktree,
} from "./worktree.ts";

export interface AgentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

export interface AgentOptions {
  /** A git repository (a clone, never the running bot's tree); the branch is created here. */
  repoDir: string;
  baseRef: string;
  /** Model mode: the openai client (any compatible endpoint) and the model name. */
  model?: { client: OpenAI; model?: string };
  /** Trusted policy files (default: policies/ at the base commit). */
  policyFiles?: PolicyFile[];
  /** Overrides on top of the policy's `agent` budgets. */
  budgets?: Partial<Budgets>;
  /** What happened to earlier changes (newest first); the model gets recent rollbacks and the items about similar requests. */
  feedback?: FeedbackItem[];
  /** node_modules for the worktree (default: the repo's, else the app's). */
  nodeModules?: string;
  /**
   * Where each attempt's scratch worktree goes, in a directory of its own named after the
   * change (default: this user's directory under the temp dir; attempts.ts).
   */
  scratchDir?: string;
  identity?: GitIdentity;
  logger?: AgentLogger;
}

export interface Timings {
  worktreeMs: number;
  editMs: number;
  typecheckMs: number;
  testsMs: number;
  policyMs: number;
  checksMs: number;
  modelMs: number;
  totalMs: number;
}

export interface AgentSuccess {
  ok: true;
  branch: string;
  commit: string;
  baseSha: string;
  title: string;
  body: string;
  verdict: Verdict;
  files: { path: string; status: "added" | "modified" | "deleted" }[];
  testsAdded: string[];
  /** Edits the agent tried that the policy refused (also listed in the body). */
  refusals: string[];
  timings: Timings;
}

export interface FailureReport {
  tried: string[];
  reason: string;
  verdict?: Verdict;
  refusals?: string[];
}

export type AgentResult = AgentSuccess | { ok: false; report: FailureReport };

const quiet: AgentLogger = { info() {}, warn() {} };

export async function runAgent(input: unknown, opts: AgentOptions): Promise<AgentResult> {
  return run(input, opts, (request, base) => {
    const branch = branchFor(request.id);
    if (branchExists(opts.repoDir, branch))
      return `branch ${branch} already exists: one request gets one branch (use a follow-up to change it)`;
    const { recipe } = request;
    const model = opts.model;
    let write: Plan["write"];
    if (recipe) write = (s) => writeRecipe(s, recipe);
    else if (model)
      write = (s) => {
        const modelName = model.model ?? s.base.policy.agent.model;
        s.tried.push(`run the model ${modelName} with tools`);
        const method = (loop: LoopTally) =>
          `model \`${loop.model}\` with tools (${loop.turns} turns, ${loop.tokens} tokens)${fellBackNote(loop)}`;
        const feedback = selectFeedback(request.text, opts.feedback ?? []);
        if (feedback.length) s.tried.push(`give the model ${feedback.length} item(s) of feedback on rollbacks and similar requests`);
        return writeWithModel(s, { client: model.client, model: modelName }, userPrompt(request, feedback), method);
      };
    else return "the request has no recipe and no model is configured (set OPENAI_BASE_URL / OPENAI_API_KEY), so nothing can write it";
    return {
      branch,
      parent: base.sha,
      budgets: base.budgets,
      message: commitMessage(request),
      write,
      land: (commit) => createBranch(opts.repoDir, branch, commit),
    };
  });
}

export interface FollowUpOptions extends Omit<AgentOptions, "model"> {
  model: { client: OpenAI; model?: string };
  /** The branch Ouro made for this request (`ouro/<id>`); it gets new commits. */
  branch: string;
  /** A review comment addressed to Ouro, or a failed CI run's output. */
  item: FeedbackItem;
}

/** A bounded follow-up round on an existing branch: new commits on the same branch, or a report. */
export async function runFollowUp(input: unknown, opts: FollowUpOptions): Promise<AgentResult> {
  return run(input, opts, (request, base) => {
    const { branch, item } = opts;
    if (branch !== branchFor(request.id)) return `follow-ups only change Ouro's own branch ${branchFor(request.id)}, not ${branch}`;
    let head: string;
    try {
      head = resolveSha(opts.repoDir, `refs/heads/${branch}`);
    } catch (e) {
      return `cannot read the branch ${branch}: ${(e as Error).message}`;
    }
    const budgets = { ...base.budgets, maxTurns: Math.min(base.budgets.maxTurns, base.budgets.followUpTurns) };
    return {
      branch,
      parent: head,
      budgets,
      message: `${commitMessage(request)}\n\nFollow-up: ${item.kind}`,
      write: (s) => {
        const modelName = opts.model.model ?? s.base.policy.agent.model;
        s.tried.push(`follow-up on ${branch} (${item.kind}) with the model ${modelName}`);
        const method = (loop: LoopTally) =>
          `model \`${loop.model}\` with tools, follow-up on a ${item.kind} (${loop.turns} turns)${fellBackNote(loop)}`;
        return writeWithModel(s, { client: opts.model.client, model: modelName }, followUpPrompt(request, item, branch), method);
      },
      land: (commit) => {
        if (sameTree(opts.repoDir, commit, head)) return "the follow-up changed nothing on the branch";
        advanceBranch(opts.repoDir, branch, commit, head);
      },
    };
  });
}

/** The base a run starts from: its commit and the policy, budgets and write guard read there. */
interface Base extends BasePolicy {
  sha: string;
}

/** What differs between a first run and a follow-up; everything else is `run`. */
interface Plan {
  /** The branch the result lands on. */
  branch: string;
  /** The commit the change goes on top of: the base, or the branch's head for a follow-up. */
  parent: string;
  budgets: Budgets;
  message: string;
  /** Edits the worktree and validates the result (or reports why not). */
  write(s: Session): Promise<Written | Failure>;
  /** Points the branch at the validated commit; a string is why it was not. */
  land(commit: string): string | void;
}

/** One run's working state, handed to `Plan.write`. */
interface Session {
  request: ChangeRequest;
  base: Base;
  wt: Worktree;
  budgets: Budgets;
  tried: string[];
  startedAt: number;
  log: AgentLogger;
  /** Validates the worktree; `tests`: a test run started ahead on it (tests-ahead.ts), handed over. */
  validate(tests?: TestsAhead): Promise<Validation>;
}

/** A change written and validated (the checks may still have failed: `run` decides). */
interface Written {
  validation: Validation;
  /** How it was made, for the PR body. */
  method: string;
  summary: string;
  modelTitle?: string;
  refusals: string[];
  editMs: number;
  modelMs: number;
}

type Failure = { ok: false; report: FailureReport };
type LoopTally = Omit<LoopResult, "ok" | "finish" | "reason" | "validation">;

/** For the PR body: which models failed before the one that wrote the change. */
function fellBackNote(loop: LoopTally): string {
  return loop.fellBack.length ? ` — after a fallback: ${loop.fellBack.join("; ")}` : "";
}

/**
 * The one run: validate the request, read the base and its policy, let the plan refuse
 * early, write in a scratch worktree, land the branch, and assemble the result. Anything
 * unexpected (git, disk) becomes a report, never a crash of the caller's loop.
 */
async function run(input: unknown, opts: AgentOptions, plan: (request: ChangeRequest, base: Base) => Plan | string): Promise<AgentResult> {
  const tried: string[] = ["validate the request"];
  try {
    return await runPlanned(input, opts, plan, tried);
  } catch (e) {
    return fail(tried, `internal error, nothing was pushed: ${(e as Error).message}`);
  }
}

async function runPlanned(
  input: unknown,
  opts: AgentOptions,
  makePlan: (request: ChangeRequest, base: Base) => Plan | string,
  tried: string[],
): Promise<AgentResult> {
  const t0 = performance.now();
  const log = opts.logger ?? quiet;
  let request: ChangeRequest;
  try {
    request = parseChangeRequest(input);
  } catch (e) {
    if (e instanceof RequestError) return fail(tried, e.message);
    throw e;
  }
  let base: Base;
  try {
    const sha = resolveSha(opts.repoDir, opts.baseRef);
    tried.push(`load the policy from the base ${sha.slice(0, 12)}`);
    base = { sha, ...loadBasePolicy(opts.repoDir, sha, opts.policyFiles, opts.budgets) };
  } catch (e) {
    return fail(tried, e instanceof PolicyUnavailable ? e.message : `cannot read the base "${opts.baseRef}": ${(e as Error).message}`);
  }
  const plan = makePlan(request, base);
  if (typeof plan === "string") return fail(tried, plan);

  const tw = performance.now();
  const checkout = createWorktree(opts.repoDir, plan.parent, opts.nodeModules, { root: opts.scratchDir, name: request.id });
  // Checks judge the whole change (base..new); the commit goes on top of the plan's parent.
  const wt: Worktree = { ...checkout, baseSha: base.sha };
  const worktreeMs = performance.now() - tw;
  try {
    const written = await plan.write({
      request,
      base,
      wt,
      budgets: plan.budgets,
      tried,
      startedAt: t0,
      log,
      validate: (tests) =>
        validate({
          wt,
          parent: plan.parent,
          message: plan.message,
          policy: base.policy,
          guard: base.guard,
          budgets: plan.budgets,
          identity: opts.identity,
          warn: (m) => log.warn(m),
          tests,
        }),
    });
    if ("report" in written) return written;
    const { validation, refusals } = written;
    const commit = validation.commit!;
    const verdict = validation.verdict!;
    const refused = plan.land(commit);
    if (refused) return fail(tried, refused, verdict, refusals);
    const files = fileStatuses(opts.repoDir, base.sha, commit);
    const testsAdded = files.filter((f) => f.status !== "deleted" && /\.test\.ts$/.test(f.path)).map((f) => f.path);
    const result: AgentSuccess = {
      ok: true,
      branch: plan.branch,
      commit,
      baseSha: base.sha,
      title: prTitle(request, written.modelTitle),
      body: prBody({
        request,
        branch: plan.branch,
        baseSha: base.sha,
        method: written.method,
        summary: written.summary,
        files,
        testsAdded,
        verdict,
        checks: validation.checks,
        refusals,
      }),
      verdict,
      files,
      testsAdded,
      refusals,
      timings: {
        worktreeMs,
        editMs: written.editMs,
        ...validation.timings,
        modelMs: written.modelMs,
        totalMs: performance.now() - t0,
      },
    };
    log.info({ id: request.id, branch: plan.branch, commit, decision: verdict.decision, risk: verdict.risk }, "agent: branch ready");
    return result;
  } finally {
    checkout.remove();
  }
}

/** A recipe: deterministic edits (through the write guard), then the checks once. */
async function writeRecipe(s: Session, recipe: Recipe): Promise<Written | Failure> {
  s.tried.push(`apply the ${recipe.kind} recipe`);
  // vitest starts loading in the sandbox while the recipe writes; validate hands it the test
  // files only once the policy verdict passed (or cancels it)
  const tests = startTestsAhead(s.wt.dir, limitsOf(s.budgets), (m) => s.log.warn(m));
  try {
    const te = performance.now();
    let summary: string;
    try {
      const out = applyRecipe(s.wt.dir, recipe, s.request.id);
      const rels = [...out.files.keys()].map((p) => resolveWritable(s.wt.dir, p, s.base.guard));
      for (const rel of rels) atomicWrite(s.wt.dir, rel, out.files.get(rel)!);
      summary = out.summary;
    } catch (e) {
      return fail(s.tried, `the ${recipe.kind} recipe could not be applied: ${(e as Error).message}`);
    }
    const editMs = performance.now() - te;
    s.tried.push("run typecheck, tests and the base policy in the sandbox");
    const validation = await s.validate(tests);
    if (!validation.ok)
      return fail(s.tried, `the recipe's change did not pass the checks: ${failureSummary(validation)}`, validation.verdict);
    return { validation, method: `the deterministic \`${recipe.kind}\` recipe (no model)`, summary, refusals: [], editMs, modelMs: 0 };
  } finally {
    await tests.cancel();
  }
}

/** The model's tool loop within the plan's budgets, until its finish passes the checks. */
async function writeWithModel(
  s: Session,
  model: { client: OpenAI; model: string },
  prompt: string,
  method: (loop: LoopTally) => string,
): Promise<Written | Failure> {
  const ctx = { root: s.wt.dir, guard: s.base.guard, refusals: [] as string[], written: new Set<string>() };
  const loop = await runModelLoop({
    model: { ...model, fallbacks: s.base.policy.agent.fallbackModels },
    onFallback: (from, to, reason) => s.log.warn({ id: s.request.id, from, to, reason }, `agent: model ${from} failed, trying ${to}`),
    messages: [
      { role: "system", content: systemPrompt(s.base.policy) },
      { role: "user", content: prompt },
    ],
    ctx,
    budgets: s.budgets,
    validate: s.validate,
    startedAt: s.startedAt,
  });
  s.tried.push(...loop.tried);
  if (!loop.ok) return fail(s.tried, loop.reason, loop.validation?.verdict, ctx.refusals);
  return {
    validation: loop.validation,
    method: method(loop),
    summary: loop.finish.summary,
    modelTitle: loop.finish.title,
    refusals: ctx.refusals,
    editMs: 0,
    modelMs: loop.modelMs,
  };
}

function fail(tried: string[], reason: string, verdict?: Verdict, refusals?: string[]): Failure {
  return { ok: false, report: { tried, reason, ...(verdict ? { verdict } : {}), ...(refusals && refusals.length ? { refusals } : {}) } };
}

function commitMessage(r: ChangeRequest): string {
  return `${changeTitle(r)}\n\nChange-Id: ${r.id}\nRequested-By: ${requesterKey(r.requester)}`;
}

function branchExists(repoDir: string, branch: string): boolean {
  try {
    git(repoDir, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]);
    return true;
  } catch {
    return false;
  }
}

function sameTree(repoDir: string, a: string, b: string): boolean {
  return git(repoDir, ["rev-parse", `${a}^{tree}`]) === git(repoDir, ["rev-parse", `${b}^{tree}`]);
}

function fileStatuses(repoDir: string, base: string, head: string): AgentSuccess["files"] {
  const out = git(repoDir, ["diff", "--name-status", "--no-renames", "-z", base, head]);
  const parts = out.split("\0").filter(Boolean);
  const files: AgentSuccess["files"] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const s = parts[i];
    files.push({ path: parts[i + 1], status: s === "A" ? "added" : s === "D" ? "deleted" : "modified" });
  }
  return files;
}

export { OURO_IDENTITY };
