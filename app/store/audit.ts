// The audit log: what happened to each change, in order (keyed by change id, or "-" for
// app-wide events such as the emergency stop). Details are JSON objects; the few the app reads
// back (deployments, rollbacks and feedback for the dashboard and the agent) go through schemas.
// Details are sealed at rest (personal.ts); a row whose detail names a person (`requester`,
// `voter`) keeps their keyed hash as its subject, so /forget finds it. Erasing a row keeps its
// skeleton (change, time, event, the detail's other fields) and drops what a person wrote or is.
import type { Db } from "../../contract/storage/engine.ts";
import { z } from "zod";
import type { Row } from "./database.ts";
import { auditAad, PERSONAL_DETAIL_FIELDS, subjectOf } from "./personal.ts";
import type { PersonalData } from "./personal.ts";

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
  readonly #db: Db;
  readonly #now: () => number;
  readonly #personal: PersonalData;

  constructor(db: Db, now: () => number, personal: PersonalData) {
    this.#db = db;
    this.#now = now;
    this.#personal = personal;
  }

  record(changeId: string, event: string, detail: Record<string, unknown> = {}): void {
    const subject = subjectOf(detail);
    this.#db
      .prepare("INSERT INTO audit (change_id, at, event, detail, subject) VALUES (?, ?, ?, ?, ?)")
      .run(
        changeId,
        new Date(this.#now()).toISOString(),
        event,
        this.#personal.seal(JSON.stringify(detail), auditAad(changeId)),
        subject === null ? null : this.#personal.hash(subject),
      );
  }

  /** The whole trail of one change, oldest first. */
  of(changeId: string): AuditRow[] {
    return (this.#db.prepare("SELECT * FROM audit WHERE change_id = ? ORDER BY seq").all(changeId) as Row[]).map((r) => this.#toAudit(r));
  }

  /**
   * Drops the personal fields of these changes' rows, of the rows about the person with this
   * keyed hash, and (with `before`, an ISO time) of every row about a person written before
   * then. Returns how many rows were erased.
   */
  erase(which: { changeIds?: readonly string[]; subjectHash?: string; before?: string }): number {
    const where: string[] = [];
    const args: string[] = [];
    if (which.changeIds?.length) {
      where.push(`change_id IN (${which.changeIds.map(() => "?").join(", ")})`);
      args.push(...which.changeIds);
    }
    if (which.subjectHash) {
      where.push("subject = ?");
      args.push(which.subjectHash);
    }
    if (which.before) {
      where.push("(subject IS NOT NULL AND at < ?)");
      args.push(which.before);
    }
    if (where.length === 0) return 0;
    const rows = this.#db.prepare(`SELECT * FROM audit WHERE ${where.join(" OR ")}`).all(...args) as Row[];
    for (const r of rows) {
      const row = this.#toAudit(r);
      const kept = Object.fromEntries(
        Object.entries(row.detail).filter(([k]) => !(PERSONAL_DETAIL_FIELDS as readonly string[]).includes(k)),
      );
      this.#db
        .prepare("UPDATE audit SET detail = ?, subject = NULL WHERE seq = ?")
        .run(this.#personal.seal(JSON.stringify(kept), auditAad(row.changeId)), row.seq);
    }
    return rows.length;
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
    const rows = (this.#db.prepare("SELECT * FROM audit WHERE event = ? ORDER BY seq DESC LIMIT ?").all(event, limit) as Row[]).map((r) =>
      this.#toAudit(r),
    );
    return rows.flatMap((row) => {
      const r = schema.safeParse(row.detail);
      return r.success ? [{ row, detail: r.data }] : [];
    });
  }

  #toAudit(r: Row): AuditRow {
    const changeId = String(r.change_id);
    let detail: Record<string, unknown> = {};
    try {
      const p = detailSchema.safeParse(JSON.parse(this.#personal.open(r.detail, auditAad(changeId)) ?? ""));
      if (p.success) detail = p.data;
    } catch {
      // an unreadable detail is shown as empty; the event itself still counts
    }
    return { seq: Number(r.seq), changeId, at: String(r.at), event: String(r.event), detail };
  }
}
