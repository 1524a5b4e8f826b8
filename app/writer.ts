// Who writes a change: the self-edit agent (recipes, or the model when one is configured).
// The app only needs a commit in its clone, a title and a body; tests may plug in a writer
// that commits a fixed change.
import type { ChangeRequest as LinkRequest } from "../contract/app-link.ts";
import { runAgent, runFollowUp } from "./agent/index.ts";
import type { AgentLogger, FeedbackItem } from "./agent/index.ts";
import type OpenAI from "openai";

/** What the agent is given: its own strict request shape (ids and names already safe). */
export interface WriteRequest {
  id: string;
  requester: { discordId: string; name: string; roles: string[] };
  text: string;
  recipe?: LinkRequest["recipe"];
}

export interface WriteJob {
  request: WriteRequest;
  /** The app's fresh clone; the writer leaves its commit here. */
  repoDir: string;
  baseRef: string;
  /** Set for a follow-up: new commits on the existing branch (fetched into the clone). */
  followUp?: { branch: string; text: string };
  /** What happened to earlier changes (rejections, rollbacks, review comments, CI failures). */
  feedback: FeedbackItem[];
  log: AgentLogger;
}

export type WriteResult = { ok: true; commit: string; title: string; body: string } | { ok: false; reason: string };

export type ChangeWriter = (job: WriteJob) => Promise<WriteResult>;

/** The real agent. Without a model only recipe requests can be written. */
export function agentWriter(model?: { client: OpenAI; model?: string }): ChangeWriter {
  return async (job) => {
    const res = job.followUp
      ? model
        ? await runFollowUp(job.request, {
            repoDir: job.repoDir,
            baseRef: job.baseRef,
            model,
            branch: job.followUp.branch,
            item: { kind: "review-comment", text: job.followUp.text },
            logger: job.log,
          })
        : { ok: false as const, report: { tried: [], reason: "follow-ups need a model (set OPENAI_API_KEY); open a new request instead" } }
      : await runAgent(job.request, { repoDir: job.repoDir, baseRef: job.baseRef, model, feedback: job.feedback, logger: job.log });
    if (!res.ok) return { ok: false, reason: res.report.reason };
    return { ok: true, commit: res.commit, title: res.title, body: res.body };
  };
}
