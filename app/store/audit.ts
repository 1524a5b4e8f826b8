// The audit log: what happened to each change, in order (keyed by change id, or "-" for
// app-wide events such as the emergency stop). Details are JSON objects; the few the app reads
// back (deployments, rollbacks and feedback for the dashboard and the agent) go through schemas.
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { Row } from "./database.ts";

export interface AuditRow {
  seq: number;
  changeId: string;
  at: string;
  event: string;
  detail: Record<string, unknown>;
}

const detailSchema = z.record(z.string(), z.unknown());

/** `deployment.status`: what the deploy hook reported for a change's deployment. */
const deploymentDetail = z.object({ state: z.string().catch(""), sha: z.string().nullish().catch(null) });
/** `rollback`: a merged change was reverted, and why. */
const rollbackDetail = z.object({ reason: z.string().catch(""), revertPrUrl: z.string().optional().catch(undefined) });
/** `feedback`: what happened to a change, remembered for the agent's later runs. */
export const feedbackKindSchema = z.enum(["review-comment", "rejected", "rolled-back", "ci-failure"]);
const feedbackDetail = z.object({
  kind: feedbackKindSchema,
  request: z.string().catch(""),
  text: z.string().catch(""),
  verdict: z.string().optional().catch(undefined),
});

export interface DeploymentRecord {
  changeId: string;
  at: string;
  state: string;
  sha: string;
}
export interface RollbackRecord {
  changeId: string;
  at: string;
  reason: string;
  revertPrUrl?: string;
}
export type FeedbackRecord = z.infer<typeof feedbackDetail> & { changeId: string; at: string };

export class Audit {
  readonly #db: DatabaseSync;
  readonly #now: () => number;

  constructor(db: DatabaseSync, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  record(changeId: string, event: string, detail: Record<string, unknown> = {}): void {
    this.#db
      .prepare("INSERT INTO audit (change_id, at, event, detail) VALUES (?, ?, ?, ?)")
      .run(changeId, new Date(this.#now()).toISOString(), event, JSON.stringify(detail));
  }

  /** The whole trail of one change, oldest first. */
  of(changeId: string): AuditRow[] {
    return (this.#db.prepare("SELECT * FROM audit WHERE change_id = ? ORDER BY seq").all(changeId) as Row[]).map(toAudit);
  }

  /** The latest deployment outcomes the deploy hook reported, newest first. */
  latestDeployments(limit: number): DeploymentRecord[] {
    return this.#latest("deployment.status", limit, deploymentDetail).map(({ row, detail }) => ({
      changeId: row.changeId,
      at: row.at,
      state: detail.state,
      sha: detail.sha ?? "",
    }));
  }

  /** The latest rollbacks, newest first. */
  latestRollbacks(limit: number): RollbackRecord[] {
    return this.#latest("rollback", limit, rollbackDetail).map(({ row, detail }) => ({
      changeId: row.changeId,
      at: row.at,
      reason: detail.reason,
      ...(detail.revertPrUrl !== undefined ? { revertPrUrl: detail.revertPrUrl } : {}),
    }));
  }

  /** The latest feedback items, newest first. */
  latestFeedback(limit: number): FeedbackRecord[] {
    return this.#latest("feedback", limit, feedbackDetail).map(({ row, detail }) => ({ ...detail, changeId: row.changeId, at: row.at }));
  }

  /** The latest rows of one event whose detail matches `schema` (others are left out). */
  #latest<T>(event: string, limit: number, schema: z.ZodType<T>): { row: AuditRow; detail: T }[] {
    const rows = (this.#db.prepare("SELECT * FROM audit WHERE event = ? ORDER BY seq DESC LIMIT ?").all(event, limit) as Row[]).map(
      toAudit,
    );
    return rows.flatMap((row) => {
      const r = schema.safeParse(row.detail);
      return r.success ? [{ row, detail: r.data }] : [];
    });
  }
}

function toAudit(r: Row): AuditRow {
  let detail: Record<string, unknown> = {};
  try {
    const p = detailSchema.safeParse(JSON.parse(String(r.detail)));
    if (p.success) detail = p.data;
  } catch {
    // an unreadable detail is shown as empty; the event itself still counts
  }
  return { seq: Number(r.seq), changeId: String(r.change_id), at: String(r.at), event: String(r.event), detail };
}
