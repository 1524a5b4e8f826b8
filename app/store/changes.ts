// The changes table: one row per change (a request's work, or a revert), keyed by change id
// and found again by whatever GitHub or the bot names it with (request id, PR, issue, head
// commit, deployment). Stored JSON (the request, the policy verdict, follow-ups) is read
// back through schemas, never cast.
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { RISK_LEVELS } from "../../policy-engine/types.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import type { ChangeState } from "../lifecycle/states.ts";
import type { Row } from "./database.ts";
import type { ChangeRequest } from "../../contract/change-request.ts";
import { readStoredRequest } from "./stored-request.ts";

/** What the merge gate needs of the verdict the PR was opened with (the whole verdict is stored). */
export const storedVerdictSchema = z.object({
  decision: z.enum(["pass", "needs-approval", "block"]),
  risk: z.enum(RISK_LEVELS),
  requiredApprovals: z.number().int().min(0),
  automerge: z.boolean(),
});
export type StoredVerdict = z.infer<typeof storedVerdictSchema>;

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
  /** Follow-up requests from reviewers, oldest first (the agent acts on the last one). */
  followUps: string[];
  createdAt: number;
  startedAt: number | null;
  updatedAt: number;
}

/** What a change may be written with: the stored JSON fields as values, the verdict whole. */
type Writable = Omit<ChangeRow, "verdict"> & { verdict: Verdict | StoredVerdict | null };

/** What a new change must say; what its lifecycle fills in later may be given or starts empty. */
type GivenFields = "id" | "requestId" | "kind" | "source" | "requester" | "requesterKey" | "text" | "title";
type Timestamps = "createdAt" | "updatedAt" | "startedAt";
export type NewChange = Pick<ChangeRow, GivenFields> & Partial<Omit<Writable, Timestamps>>;
export type ChangePatch = Partial<Omit<Writable, "id" | "createdAt">>;

const LIFECYCLE_START: Omit<Writable, GivenFields | Timestamps> = {
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
};

/** Plain columns: stored and read as they are. */
const PLAIN: Record<keyof Omit<ChangeRow, "request" | "verdict" | "followUps">, string> = {
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
  createdAt: "created_at",
  startedAt: "started_at",
  updatedAt: "updated_at",
};
/** JSON columns. */
const JSON_COLUMNS = { request: "request_json", verdict: "verdict_json", followUps: "feedback_json" } as const;

type SqlValue = string | number | null;

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

const followUpsSchema = z.array(z.string());

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
  const plain = out as Omit<ChangeRow, "request" | "verdict" | "followUps">;
  return {
    ...plain,
    request: readStoredRequest(jsonOf(r.request_json), plain),
    verdict: parsed(r.verdict_json, storedVerdictSchema.nullable(), null),
    followUps: parsed(r.feedback_json, followUpsSchema, []),
  };
}

export class Changes {
  readonly #db: DatabaseSync;
  readonly #now: () => number;

  constructor(db: DatabaseSync, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  insert(c: NewChange): ChangeRow {
    const now = this.#now();
    const row: Writable = { ...LIFECYCLE_START, ...c, createdAt: now, updatedAt: now, startedAt: null };
    const cols = Object.entries(row).map(([k, v]) => column(k, v));
    this.#db
      .prepare(`INSERT INTO changes (${cols.map(([col]) => col).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)
      .run(...cols.map(([, v]) => v));
    return this.byId(c.id)!;
  }

  update(id: string, patch: ChangePatch): ChangeRow {
    const cols = Object.entries(patch).map(([k, v]) => column(k, v));
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

  /** A reviewer's follow-up for the agent, after the earlier ones. */
  addFollowUp(id: string, text: string): ChangeRow {
    const c = this.byId(id);
    if (!c) throw new Error(`no change ${id}`);
    return this.update(id, { followUps: [...c.followUps, text] });
  }

  byId(id: string): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE id = ?", id);
  }
  byRequest(requestId: string): ChangeRow | null {
    return this.#one("SELECT * FROM changes WHERE request_id = ?", requestId);
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
  /** Changes in these states, oldest first (the worker's queue order). */
  inStates(states: readonly ChangeState[]): ChangeRow[] {
    const rows = this.#db
      .prepare(`SELECT * FROM changes WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY created_at, id`)
      .all(...states) as Row[];
    return rows.map(toChange);
  }
  /** The most recently updated changes. */
  recent(limit: number): ChangeRow[] {
    return (this.#db.prepare("SELECT * FROM changes ORDER BY updated_at DESC, created_at DESC LIMIT ?").all(limit) as Row[]).map(toChange);
  }
  /** Requests accepted since `since` (ms), for rate limits. */
  requestsSince(since: number): { requester: string; at: number }[] {
    return (
      this.#db
        .prepare("SELECT requester_key AS requester, created_at AS at FROM changes WHERE created_at > ? AND kind = 'change'")
        .all(since) as Row[]
    ).map((r) => ({ requester: String(r.requester), at: Number(r.at) }));
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
    return r ? toChange(r) : null;
  }
}
