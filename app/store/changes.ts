// The changes table: one row per change (a request's work, or a revert), keyed by change id
// and found again by whatever GitHub or the bot names it with (request id, PR, issue, head
// commit, deployment). Stored JSON (the request, the policy verdict, follow-ups) is read
// back through schemas, never cast.
import type { Db } from "../../contract/storage/engine.ts";
import { z } from "zod";
import { RISK_LEVELS } from "../../policy-engine/types.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import type { ChangeState } from "../lifecycle/states.ts";
import type { Row } from "./database.ts";
import type { ChangeRequest } from "../../contract/change-request.ts";
import { readStoredRequest } from "./stored-request.ts";
import { ACTIVE } from "../lifecycle/states.ts";
import { changeAad, SEALED_CHANGE_COLUMNS } from "./personal.ts";
import type { PersonalData, SealedChangeColumn } from "./personal.ts";

/** What the merge gate needs of the verdict the PR was opened with (the whole verdict is stored). */
export const storedVerdictSchema = z.object({
  decision: z.enum(["pass", "needs-approval", "block"]),
  risk: z.enum(RISK_LEVELS),
  requiredApprovals: z.number().int().min(0),
  automerge: z.boolean(),
});
export type StoredVerdict = z.infer<typeof storedVerdictSchema>;

/**
 * One follow-up for the agent on a change's branch: what it says, what kind the agent is told
 * it is, and where it came from — an `/ouro …` comment (a human asked), or automatically from
 * failed checks or a "changes requested" review (those count against `agent.followUps`).
 * `key` names what it answers (`checks:<head sha>`, `review:<id>`) so it is added once.
 */
export const followUpSchema = z.object({
  kind: z.enum(["review-comment", "ci-failure"]),
  text: z.string(),
  via: z.enum(["comment", "checks", "review"]),
  key: z.string().optional(),
});
export type FollowUp = z.infer<typeof followUpSchema>;
/** Stored follow-ups; a plain string is one stored before kinds were kept (an `/ouro` comment's text). */
const followUpsSchema = z.array(
  z.union([followUpSchema, z.string().transform((text): FollowUp => ({ kind: "review-comment", text, via: "comment" }))]),
);

export interface ChangeRow {
  id: string;
  requestId: string;
  kind: "change" | "revert";
  source: "discord" | "issue" | "comment" | "rollback";
  requester: string;
  requesterKey: string;
  requesterLogin: string | null;
  text: string;
  title: string;
  /** The request as intake stored it (null for a revert, or if it no longer reads). */
  request: ChangeRequest | null;
  state: ChangeState;
  reason: string | null;
  issueNumber: number | null;
  issueUrl: string | null;
  prNumber: number | null;
  prUrl: string | null;
  branch: string | null;
  headSha: string | null;
  mergeSha: string | null;
  risk: string | null;
  /** The policy verdict the PR was opened with (null before the PR, or if unreadable). */
  verdict: StoredVerdict | null;
  deploymentId: number | null;
  revertOf: string | null;
  revertChange: string | null;
  /** Follow-ups for the agent, oldest first (the agent acts on the last one). */
  followUps: FollowUp[];
  /**
   * When the requester was told the change was accepted. Null for a request from the bot whose
   * answer has not been written yet: the worker does not start it, and one left unanswered
   * too long is cancelled (lifecycle/answers.ts). Everything else is answered when stored.
   */
  answeredAt: number | null;
  /** What the change changes (`plugin:<name>`, `setting:<key>`, or one requester's text), for overlaps. */
  targetKey: string | null;
  /** The base commits the agent redid this change on after its PR conflicted (lifecycle/conflicts.ts). */
  redoBases: string[];
  createdAt: number;
  startedAt: number | null;
  updatedAt: number;
}

/** What a change may be written with: the stored JSON fields as values, the verdict whole. */
type Writable = Omit<ChangeRow, "verdict"> & { verdict: Verdict | StoredVerdict | null };

/** What a new change must say; what its lifecycle fills in later may be given or starts empty. */
type GivenFields = "id" | "requestId" | "kind" | "source" | "requester" | "requesterKey" | "text" | "title";
type Timestamps = "createdAt" | "updatedAt" | "startedAt";
/** `answeredAt` defaults to now (answered when stored); a bot request gives null. */
export type NewChange = Pick<ChangeRow, GivenFields> & Partial<Omit<Writable, Timestamps>>;
export type ChangePatch = Partial<Omit<Writable, "id" | "createdAt">>;

const LIFECYCLE_START: Omit<Writable, GivenFields | Timestamps | "answeredAt"> = {
  requesterLogin: null,
  request: null,
  state: "queued",
  reason: null,
  issueNumber: null,
  issueUrl: null,
  prNumber: null,
  prUrl: null,
  branch: null,
  headSha: null,
  mergeSha: null,
  risk: null,
  verdict: null,
  deploymentId: null,
  revertOf: null,
  revertChange: null,
  followUps: [],
  targetKey: null,
  redoBases: [],
};

/** Plain columns: stored and read as they are. */
const PLAIN: Record<keyof Omit<ChangeRow, JsonField>, string> = {
  id: "id",
  requestId: "request_id",
  kind: "kind",
  source: "source",
  requester: "requester",
  requesterKey: "requester_key",
  requesterLogin: "requester_login",
  text: "text",
  title: "title",
  state: "state",
  reason: "reason",
  issueNumber: "issue_number",
  issueUrl: "issue_url",
  prNumber: "pr_number",
  prUrl: "pr_url",
  branch: "branch",
  headSha: "head_sha",
  mergeSha: "merge_sha",
  risk: "risk",
  deploymentId: "deployment_id",
  revertOf: "revert_of",
  revertChange: "revert_change",
  answeredAt: "answered_at",
  targetKey: "target_key",
  createdAt: "created_at",
  startedAt: "started_at",
  updatedAt: "updated_at",
};
/** JSON columns. */
const JSON_COLUMNS = {
  request: "request_json",
  verdict: "verdict_json",
  followUps: "feedback_json",
  redoBases: "redo_bases_json",
} as const;
type JsonField = keyof typeof JSON_COLUMNS;

type SqlValue = string | number | null;

/** What an erased change shows for its title and requester. */
export const ERASED = "(erased)";

function column(field: string, value: unknown): [string, SqlValue] {
  if (field in JSON_COLUMNS) {
    const col = JSON_COLUMNS[field as keyof typeof JSON_COLUMNS];
    // a change without a request (a revert) stores "{}", as the column has always held
    if (value === null) return [col, field === "request" ? "{}" : null];
    return [col, JSON.stringify(value)];
  }
  const col = PLAIN[field as keyof typeof PLAIN];
  if (!col) throw new Error(`unknown change field ${field}`);
  return [col, value as SqlValue];
}

const stringsSchema = z.array(z.string());

/** A JSON column's value (undefined when missing or not JSON). */
function jsonOf(text: unknown): unknown {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON column through its schema; `fallback` when it is missing or does not match. */
function parsed<T>(text: unknown, schema: z.ZodType<T>, fallback: T): T {
  const r = schema.safeParse(jsonOf(text));
  return r.success ? r.data : fallback;
}

function toChange(r: Row): ChangeRow {
  const out: Record<string, unknown> = {};
  for (const [k, col] of Object.entries(PLAIN)) out[k] = r[col] ?? null;
  const plain = out as Omit<ChangeRow, JsonField>;
  return {
    ...plain,
    request: readStoredRequest(jsonOf(r.request_json), plain),
    verdict: parsed(r.verdict_json, storedVerdictSchema.nullable(), null),
    followUps: parsed(r.feedback_json, followUpsSchema, []),
    redoBases: parsed(r.redo_bases_json, stringsSchema, []),
  };
}

export class Changes {
  readonly #db: Db;
  readonly #now: () => number;

  readonly #personal: PersonalData;

  constructor(db: Db, now: () => number, personal: PersonalData) {
    this.#db = db;
    this.#now = now;
    this.#personal = personal;
  }

  insert(c: NewChange): ChangeRow {
    const now = this.#now();
    const row: Writable = { ...LIFECYCLE_START, answeredAt: now, ...c, createdAt: now, updatedAt: now, startedAt: null };
    const cols = this.#atRest(
      Object.entries(row).map(([k, v]) => column(k, v)),
      c.id,
    );
    this.#db
      .prepare(`INSERT INTO changes (${cols.map(([col]) => col).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)
      .run(...cols.map(([, v]) => v));
    return this.byId(c.id)!;
  }

  update(id: string, patch: ChangePatch): ChangeRow {
    const cols = this.#atRest(
      Object.entries(patch).map(([k, v]) => column(k, v)),
      id,
    );
    cols.push(["updated_at", this.#now()]);
    this.#db.prepare(`UPDATE changes SET ${cols.map(([col]) => `${col} = ?`).join(", ")} WHERE id = ?`).run(...cols.map(([, v]) => v), id);
    const c = this.byId(id);
    if (!c) throw new Error(`no change ${id}`);
    return c;
  }

  /** The worker took the change up now (counted by the burst limit). */
  markStarted(id: string): ChangeRow {
    return this.update(id, { startedAt: this.#now() });
  }

  /** A follow-up for the agent, after the earlier ones. */
  addFollowUp(id: string, followUp: FollowUp): ChangeRow {
    const c = this.byId(id);
    if (!c) throw new Error(`no change ${id}`);
    return this.update(id, { followUps: [...c.followUps, followUpSchema.parse(followUp)] });
  }

  /**
   * The requester was told: answered now (false when it already was, or the change failed
   * meanwhile — a cancelled change stays unanswered).
   */
  markAnswered(id: string): boolean {
    const now = this.#now();
    const r = this.#db
      .prepare("UPDATE changes SET answered_at = ?, updated_at = ? WHERE id = ? AND answered_at IS NULL AND state != 'failed'")
      .run(now, now, id);
    return Number(r.changes) > 0;
  }

  /** Another request (`requestId`) joined this open change: it names the change from now on. */
  recordJoin(requestId: string, changeId: string): void {
    this.#db
      .prepare("INSERT INTO joined_requests (request_id, change_id, at) VALUES (?, ?, ?) ON CONFLICT(request_id) DO NOTHING")
      .run(requestId, changeId, this.#now());
  }

  byId(id: string): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE id = ?", id);
  }
  /** The change this request opened, or the open change it joined. */
  byRequest(requestId: string): ChangeRow | null {
    return (
      this.#one("SELECT * FROM changes WHERE request_id = ?", requestId) ??
      this.#one("SELECT c.* FROM changes c JOIN joined_requests j ON j.change_id = c.id WHERE j.request_id = ?", requestId)
    );
  }
  /** Whether this request id joined another request's change (rather than opening its own). */
  joined(requestId: string): boolean {
    return this.#db.prepare("SELECT 1 FROM joined_requests WHERE request_id = ?").get(requestId) !== undefined;
  }
  /** The changes with this target in one of these states, oldest first. */
  withTarget(targetKey: string, states: readonly ChangeState[]): ChangeRow[] {
    const rows = this.#db
      .prepare(`SELECT * FROM changes WHERE target_key = ? AND state IN (${states.map(() => "?").join(", ")}) ORDER BY created_at, id`)
      .all(this.#personal.targetKey(targetKey), ...states) as Row[];
    return rows.map((r) => this.#read(r));
  }
  /** Queued changes still waiting for their answer, stored at or before `before` (ms). */
  unanswered(before: number): ChangeRow[] {
    const rows = this.#db
      .prepare("SELECT * FROM changes WHERE state = 'queued' AND answered_at IS NULL AND created_at <= ? ORDER BY created_at, id")
      .all(before) as Row[];
    return rows.map((r) => this.#read(r));
  }
  byPr(pr: number): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE pr_number = ? ORDER BY created_at DESC LIMIT 1", pr);
  }
  /** The change an issue tracks (a request before the revert that shares its issue). */
  byIssue(issue: number): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE issue_number = ? ORDER BY (kind = 'change') DESC, created_at DESC LIMIT 1", issue);
  }
  byHead(sha: string): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE head_sha = ? ORDER BY created_at DESC LIMIT 1", sha);
  }
  byDeployment(id: number): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE deployment_id = ?", id);
  }
  /** Whether a queued change has its answer written (so a worker may start it): one indexed row, nothing unsealed. */
  anyAnsweredQueued(): boolean {
    return this.#db.prepare("SELECT 1 AS one FROM changes WHERE state = 'queued' AND answered_at IS NOT NULL LIMIT 1").get() !== undefined;
  }
  /** How many changes of this kind are in this state (nothing unsealed). */
  count(state: ChangeState, kind: "change" | "revert"): number {
    return Number((this.#db.prepare("SELECT COUNT(*) AS n FROM changes WHERE state = ? AND kind = ?").get(state, kind) as Row).n);
  }
  /** Changes in these states, oldest first (the worker's queue order). */
  inStates(states: readonly ChangeState[]): ChangeRow[] {
    const rows = this.#db
      .prepare(`SELECT * FROM changes WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY created_at, id`)
      .all(...states) as Row[];
    return rows.map((r) => this.#read(r));
  }
  /** The most recently updated changes. */
  recent(limit: number): ChangeRow[] {
    return (this.#db.prepare("SELECT * FROM changes ORDER BY updated_at DESC, created_at DESC LIMIT ?").all(limit) as Row[]).map((r) =>
      this.#read(r),
    );
  }
  /** Requests accepted since `since` (ms), for rate limits (one cancelled unanswered does not count). */
  requestsSince(since: number): { requester: string; at: number }[] {
    return (
      this.#db
        .prepare(
          "SELECT id, requester_key, created_at AS at FROM changes WHERE created_at > ? AND kind = 'change' AND NOT (state = 'failed' AND answered_at IS NULL)",
        )
        .all(since) as Row[]
    ).map((r) => ({ requester: this.#personal.open(r.requester_key, changeAad(String(r.id), "requester_key")) ?? "", at: Number(r.at) }));
  }

  /**
   * Erases the personal data of the finished changes of the requester with this keyed hash
   * (their open changes keep it until they finish). Returns the erased ids and how many are open.
   */
  eraseOf(requesterHash: string, why: string): { erased: string[]; open: number } {
    const active = ACTIVE.map(() => "?").join(", ");
    const open = Number(
      (
        this.#db
          .prepare(`SELECT COUNT(*) AS n FROM changes WHERE requester_hash = ? AND state IN (${active})`)
          .get(requesterHash, ...ACTIVE) as Row
      ).n,
    );
    const ids = (
      this.#db
        .prepare(`SELECT id FROM changes WHERE requester_hash = ? AND state NOT IN (${active})`)
        .all(requesterHash, ...ACTIVE) as Row[]
    ).map((r) => String(r.id));
    return { erased: this.#erase(ids, why), open };
  }

  /** Retention: erases the personal data of finished changes last updated before `cutoff` (ms); returns their ids. */
  eraseFinishedBefore(cutoff: number, why: string): string[] {
    const active = ACTIVE.map(() => "?").join(", ");
    const ids = (
      this.#db
        .prepare(`SELECT id FROM changes WHERE erased_at IS NULL AND updated_at < ? AND state NOT IN (${active})`)
        .all(cutoff, ...ACTIVE) as Row[]
    ).map((r) => String(r.id));
    return this.#erase(ids, why);
  }

  /**
   * The skeleton stays (state, times, numbers, plugin or setting targets); the text and the person
   * go. What stands in their place is sealed like any value of those columns (BYTEA on PostgreSQL).
   */
  #erase(ids: string[], why: string): string[] {
    const now = this.#now();
    for (const id of ids) {
      const seal = (col: SealedChangeColumn, text: string) => this.#personal.seal(text, changeAad(id, col));
      this.#db
        .prepare(
          `UPDATE changes SET requester = ?, requester_key = ?, requester_login = NULL, requester_hash = NULL, text = ?, title = ?,
             request_json = ?, feedback_json = ?, target_key = CASE WHEN target_key LIKE 'text:%' THEN NULL ELSE target_key END,
             erased_at = COALESCE(erased_at, ?) WHERE id = ?`,
        )
        .run(
          seal("requester", ERASED),
          seal("requester_key", `erased:${why}`),
          seal("text", ""),
          seal("title", ERASED),
          seal("request_json", "{}"),
          seal("feedback_json", "[]"),
          now,
          id,
        );
    }
    return ids;
  }

  /** Sealed columns sealed (bound to the change and column), the requester's keyed hash beside its key, text targets hashed. */
  #atRest(cols: [string, SqlValue][], id: string): [string, SqlValue | Uint8Array][] {
    return cols.flatMap(([col, v]): [string, SqlValue | Uint8Array][] => {
      if (col === "target_key") return [[col, this.#personal.targetKey(v as string | null)]];
      if (!(SEALED_CHANGE_COLUMNS as readonly string[]).includes(col) || typeof v !== "string") return [[col, v]];
      const sealed: [string, Uint8Array] = [col, this.#personal.seal(v, changeAad(id, col))];
      return col === "requester_key" ? [sealed, ["requester_hash", this.#personal.hash(v)]] : [sealed];
    });
  }

  /** A row with its sealed columns opened. */
  #read(r: Row): ChangeRow {
    const id = String(r.id);
    const opened: Row = { ...r };
    for (const col of SEALED_CHANGE_COLUMNS as readonly SealedChangeColumn[]) opened[col] = this.#personal.open(r[col], changeAad(id, col));
    return toChange(opened);
  }
  /** When the worker started changes since `since` (ms), for the burst limit. */
  startsSince(since: number): number[] {
    return (this.#db.prepare("SELECT started_at AS at FROM changes WHERE started_at > ? AND kind = 'change'").all(since) as Row[]).map(
      (r) => Number(r.at),
    );
  }
  countOpenPrs(): number {
    const r = this.#db
      .prepare("SELECT COUNT(*) AS n FROM changes WHERE pr_number IS NOT NULL AND state IN ('pr', 'checks', 'review')")
      .get() as Row;
    return Number(r.n);
  }

  #one(sql: string, value: string | number): ChangeRow | null {
    const r = this.#db.prepare(sql).get(value) as Row | undefined;
    return r ? this.#read(r) : null;
  }
}
