// runAgent: change request → validated branch `ouro/<id>` (or a clear failure report).
// runFollowUp: a review comment or CI failure → new commits on the same branch.
// All work happens in a scratch worktree that is removed afterwards; the branch ref is
// only created (or moved) once every check passed, so a failed run leaves nothing.
import type OpenAI from "openai";
import type { PolicyFile } from "../../policy-engine/policy/load.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import type { Budgets } from "./budgets.ts";
import { runModelLoop, type LoopResult } from "./loop.ts";
import { atomicWrite, resolveWritable } from "./paths.ts";
import { loadBasePolicy, PolicyUnavailable, type BasePolicy } from "./policy.ts";
import { prBody } from "./pr.ts";
import { followUpPrompt, systemPrompt, userPrompt, type FeedbackItem } from "./prompt.ts";
import { applyRecipe } from "./recipes/index.ts";
import { parseChangeRequest, RequestError } from "./request.ts";
import { branchFor, changeTitle, prTitle, requesterKey, type ChangeRequest } from "../../contract/change-request.ts";
import { failureSummary, validate, type Validation } from "./validate.ts";
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
  /** Review comments and verdicts of earlier similar changes. */
  feedback?: FeedbackItem[];
  /** node_modules for the worktree (default: the repo's, else the app's). */
  nodeModules?: string;
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
  const tried: string[] = ["validate the request"];
  return guarded(tried, () => agentRun(input, opts, tried));
}

/** Anything unexpected (git, disk) becomes a report, never a crash of the caller's loop. */
async function guarded(tried: string[], fn: () => Promise<AgentResult>): Promise<AgentResult> {
  try {
    return await fn();
  } catch (e) {
    return fail(tried, `internal error, nothing was pushed: ${(e as Error).message}`);
  }
}

async function agentRun(input: unknown, opts: AgentOptions, tried: string[]): Promise<AgentResult> {
  const t0 = performance.now();
  const log = opts.logger ?? quiet;
  let request: ChangeRequest;
  try {
    request = parseChangeRequest(input);
  } catch (e) {
    if (e instanceof RequestError) return fail(tried, e.message);
    throw e;
  }
  const branch = branchFor(request.id);
  let baseSha: string;
  let base: BasePolicy;
  try {
    baseSha = resolveSha(opts.repoDir, opts.baseRef);
    tried.push(`load the policy from the base ${baseSha.slice(0, 12)}`);
    base = loadBasePolicy(opts.repoDir, baseSha, opts.policyFiles, opts.budgets);
  } catch (e) {
    return fail(tried, e instanceof PolicyUnavailable ? e.message : `cannot read the base "${opts.baseRef}": ${(e as Error).message}`);
  }
  if (branchExists(opts.repoDir, branch))
    return fail(tried, `branch ${branch} already exists: one request gets one branch (use a follow-up to change it)`);
  if (!request.recipe && !opts.model)
    return fail(
      tried,
      "the request has no recipe and no model is configured (set OPENAI_BASE_URL / OPENAI_API_KEY), so nothing can write it",
    );

  const tw = performance.now();
  const wt = createWorktree(opts.repoDir, baseSha, opts.nodeModules);
  const worktreeMs = performance.now() - tw;
  const message = commitMessage(request);
  const validateNow = () =>
    validate({
      wt,
      parent: baseSha,
      message,
      policy: base.policy,
      guard: base.guard,
      budgets: base.budgets,
      identity: opts.identity,
      warn: (m) => log.warn(m),
    });
  try {
    let validation: Validation;
    let method: string;
    let summary: string;
    let modelTitle: string | undefined;
    let refusals: string[] = [];
    let editMs = 0;
    let modelMs = 0;
    if (request.recipe) {
      tried.push(`apply the ${request.recipe.kind} recipe`);
      const te = performance.now();
      try {
        const out = applyRecipe(wt.dir, request.recipe, request.id);
        const rels = [...out.files.keys()].map((p) => resolveWritable(wt.dir, p, base.guard));
        for (const rel of rels) atomicWrite(wt.dir, rel, out.files.get(rel)!);
        summary = out.summary;
      } catch (e) {
        return fail(tried, `the ${request.recipe.kind} recipe could not be applied: ${(e as Error).message}`);
      }
      editMs = performance.now() - te;
      method = `the deterministic \`${request.recipe.kind}\` recipe (no model)`;
      tried.push("run typecheck, tests and the base policy in the sandbox");
      validation = await validateNow();
      if (!validation.ok)
        return fail(tried, `the recipe's change did not pass the checks: ${failureSummary(validation)}`, validation.verdict);
    } else {
      const m = opts.model!;
      const modelName = m.model ?? base.policy.agent.model;
      tried.push(`run the model ${modelName} with tools`);
      const ctx = { root: wt.dir, guard: base.guard, refusals, written: new Set<string>() };
      const loop: LoopResult = await runModelLoop({
        model: { client: m.client, model: modelName },
        messages: [
          { role: "system", content: systemPrompt(base.policy) },
          { role: "user", content: userPrompt(request, opts.feedback) },
        ],
        ctx,
        budgets: base.budgets,
        validate: validateNow,
        startedAt: t0,
      });
      refusals = ctx.refusals;
      tried.push(...loop.tried);
      modelMs = loop.modelMs;
      if (!loop.ok) return fail(tried, loop.reason, loop.validation?.verdict, refusals);
      validation = loop.validation;
      summary = loop.finish.summary;
      modelTitle = loop.finish.title;
      method = `model \`${modelName}\` with tools (${loop.turns} turns, ${loop.tokens} tokens)`;
    }
    createBranch(opts.repoDir, branch, validation.commit!);
    const files = fileStatuses(opts.repoDir, baseSha, validation.commit!);
    const testsAdded = files.filter((f) => f.status !== "deleted" && /\.test\.ts$/.test(f.path)).map((f) => f.path);
    const verdict = validation.verdict!;
    const result: AgentSuccess = {
      ok: true,
      branch,
      commit: validation.commit!,
      baseSha,
      title: prTitle(request, modelTitle),
      body: prBody({
        request,
        branch,
        baseSha,
        method,
        summary,
        modelTitle,
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
      timings: { worktreeMs, editMs, ...validation.timings, modelMs, totalMs: performance.now() - t0 },
    };
    log.info({ id: request.id, branch, commit: result.commit, decision: verdict.decision, risk: verdict.risk }, "agent: branch ready");
    return result;
  } finally {
    wt.remove();
  }
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
  const tried: string[] = ["validate the request"];
  return guarded(tried, () => followUpRun(input, opts, tried));
}

async function followUpRun(input: unknown, opts: FollowUpOptions, tried: string[]): Promise<AgentResult> {
  const t0 = performance.now();
  let request: ChangeRequest;
  try {
    request = parseChangeRequest(input);
  } catch (e) {
    if (e instanceof RequestError) return fail(tried, e.message);
    throw e;
  }
  if (opts.branch !== branchFor(request.id))
    return fail(tried, `follow-ups only change Ouro's own branch ${branchFor(request.id)}, not ${opts.branch}`);
  let baseSha: string;
  let head: string;
  let base: BasePolicy;
  try {
    baseSha = resolveSha(opts.repoDir, opts.baseRef);
    head = resolveSha(opts.repoDir, `refs/heads/${opts.branch}`);
    base = loadBasePolicy(opts.repoDir, baseSha, opts.policyFiles, opts.budgets);
  } catch (e) {
    return fail(tried, e instanceof PolicyUnavailable ? e.message : `cannot read the base or the branch: ${(e as Error).message}`);
  }
  const budgets = { ...base.budgets, maxTurns: Math.min(base.budgets.maxTurns, base.budgets.followUpTurns) };
  const tw = performance.now();
  const wt: Worktree = createWorktree(opts.repoDir, head, opts.nodeModules);
  // Checks judge the whole PR (base..new), the commit goes on top of the branch head.
  const scoped: Worktree = { ...wt, baseSha };
  const worktreeMs = performance.now() - tw;
  try {
    const modelName = opts.model.model ?? base.policy.agent.model;
    const message = `${commitMessage(request)}\n\nFollow-up: ${opts.item.kind}`;
    const ctx = { root: wt.dir, guard: base.guard, refusals: [] as string[], written: new Set<string>() };
    tried.push(`follow-up on ${opts.branch} (${opts.item.kind}) with the model ${modelName}`);
    const loop = await runModelLoop({
      model: { client: opts.model.client, model: modelName },
      messages: [
        { role: "system", content: systemPrompt(base.policy) },
        { role: "user", content: followUpPrompt(request, opts.item, opts.branch) },
      ],
      ctx,
      budgets,
      validate: () =>
        validate({ wt: scoped, parent: head, message, policy: base.policy, guard: base.guard, budgets, identity: opts.identity }),
      startedAt: t0,
    });
    tried.push(...loop.tried);
    if (!loop.ok) return fail(tried, loop.reason, loop.validation?.verdict, ctx.refusals);
    const v = loop.validation;
    if (sameTree(opts.repoDir, v.commit!, head)) return fail(tried, "the follow-up changed nothing on the branch", v.verdict, ctx.refusals);
    advanceBranch(opts.repoDir, opts.branch, v.commit!, head);
    const files = fileStatuses(opts.repoDir, baseSha, v.commit!);
    const testsAdded = files.filter((f) => f.status !== "deleted" && /\.test\.ts$/.test(f.path)).map((f) => f.path);
    return {
      ok: true,
      branch: opts.branch,
      commit: v.commit!,
      baseSha,
      title: prTitle(request, loop.finish.title),
      body: prBody({
        request,
        branch: opts.branch,
        baseSha,
        method: `model \`${modelName}\` with tools, follow-up on a ${opts.item.kind} (${loop.turns} turns)`,
        summary: loop.finish.summary,
        files,
        testsAdded,
        verdict: v.verdict!,
        checks: v.checks,
        refusals: ctx.refusals,
      }),
      verdict: v.verdict!,
      files,
      testsAdded,
      refusals: ctx.refusals,
      timings: { worktreeMs, editMs: 0, ...v.timings, modelMs: loop.modelMs, totalMs: performance.now() - t0 },
    };
  } finally {
    wt.remove();
  }
}

function fail(tried: string[], reason: string, verdict?: Verdict, refusals?: string[]): AgentResult {
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
