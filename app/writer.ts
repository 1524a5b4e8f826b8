// Who writes a change: the self-edit agent (recipes, or the model when one is configured).
// The app gives it the stored change request (contract/change-request.ts) and a fresh clone;
// it gets back a commit on the change's branch with the PR's title and body, and the policy
// verdict the agent judged it by (from the base branch), so the app never recomputes it.
// Tests may plug in a writer that commits a fixed change.
import type OpenAI from "openai";
import type { Verdict } from "../policy-engine/types.ts";
import { branchFor, type ChangeRequest } from "../contract/change-request.ts";
import { runAgent, runFollowUp } from "./agent/index.ts";
import type { AgentLogger, FeedbackItem } from "./agent/index.ts";

export interface WriteJob {
  request: ChangeRequest;
  /** The app's fresh clone; the writer leaves its commit here. */
  repoDir: string;
  baseRef: string;
  /**
   * Set for a follow-up: new commits on the change's branch (`branchFor(request.id)`, fetched
   * into the clone), for a reviewer's text or a failed CI run's output.
   */
  followUp?: { kind: "review-comment" | "ci-failure"; text: string };
  /** What happened to earlier changes (rejections, rollbacks, review comments, CI failures). */
  feedback: FeedbackItem[];
  log: AgentLogger;
}

export type WriteResult =
  | {
      ok: true;
      /** `branchFor(request.id)`, pointing at `commit` in the clone. */
      branch: string;
      commit: string;
      title: string;
      body: string;
      /** The base branch's policy verdict on base..commit, as the agent's sandbox computed it. */
      verdict: Verdict;
    }
  | { ok: false; reason: string; verdict?: Verdict };

export type ChangeWriter = ((job: WriteJob) => Promise<WriteResult>) & {
  /** False when the writer cannot follow up (no model): failed checks then wait for a human. */
  readonly canFollowUp?: boolean;
};

/** The real agent. Without a model only recipe requests can be written. */
export function agentWriter(model?: { client: OpenAI; model?: string }): ChangeWriter {
  const write = async (job: WriteJob): Promise<WriteResult> => {
    const res = job.followUp
      ? model
        ? await runFollowUp(job.request, {
            repoDir: job.repoDir,
            baseRef: job.baseRef,
            model,
            branch: branchFor(job.request.id),
            item: { kind: job.followUp.kind, text: job.followUp.text },
            logger: job.log,
          })
        : { ok: false as const, report: { tried: [], reason: "follow-ups need a model (set OPENAI_API_KEY); open a new request instead" } }
      : await runAgent(job.request, { repoDir: job.repoDir, baseRef: job.baseRef, model, feedback: job.feedback, logger: job.log });
    if (!res.ok) return { ok: false, reason: res.report.reason, ...(res.report.verdict ? { verdict: res.report.verdict } : {}) };
    return { ok: true, branch: res.branch, commit: res.commit, title: res.title, body: res.body, verdict: res.verdict };
  };
  return Object.assign(write, { canFollowUp: model !== undefined });
}
