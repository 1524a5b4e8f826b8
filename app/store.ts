// The app's memory, in node:sqlite under the data directory: changes and their audit log
// (keyed by change id), progress events for the bot's stream, processed webhook deliveries,
// natural keys that make side effects happen once, votes, and small persisted values
// (circuit breaker, emergency stop, dashboard issue).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { ChangeState } from "./lifecycle/states.ts";

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
  requestJson: string;
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
  verdictJson: string | null;
  deploymentId: number | null;
  revertOf: string | null;
  revertChange: string | null;
  feedback: string[];
  createdAt: number;
  startedAt: number | null;
  updatedAt: number;
}

/** What a new change must say; what its lifecycle fills in later may be given or starts empty. */
type GivenFields = "id" | "requestId" | "kind" | "source" | "requester" | "requesterKey" | "text" | "title";
type Timestamps = "createdAt" | "updatedAt" | "startedAt";
export type NewChange = Pick<ChangeRow, GivenFields> & Partial<Omit<ChangeRow, Timestamps>>;

const LIFECYCLE_START: Omit<ChangeRow, GivenFields | Timestamps | "feedback"> = {
  requesterLogin: null,
  requestJson: "{}",
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
  verdictJson: null,
  deploymentId: null,
  revertOf: null,
  revertChange: null,
};

export interface AuditRow {
  seq: number;
  changeId: string;
  at: string;
  event: string;
  detail: Record<string, unknown>;
}

const COLUMNS: Record<keyof Omit<ChangeRow, "feedback">, string> = {
  id: "id",
  requestId: "request_id",
  kind: "kind",
  source: "source",
  requester: "requester",
  requesterKey: "requester_key",
  requesterLogin: "requester_login",
  text: "text",
  title: "title",
  requestJson: "request_json",
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
  verdictJson: "verdict_json",
  deploymentId: "deployment_id",
  revertOf: "revert_of",
  revertChange: "revert_change",
  createdAt: "created_at",
  startedAt: "started_at",
  updatedAt: "updated_at",
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS changes (
  id TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, source TEXT NOT NULL,
  requester TEXT NOT NULL, requester_key TEXT NOT NULL, requester_login TEXT, text TEXT NOT NULL, title TEXT NOT NULL,
  request_json TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, issue_number INTEGER, issue_url TEXT, pr_number INTEGER, pr_url TEXT, branch TEXT,
  head_sha TEXT, merge_sha TEXT, risk TEXT, verdict_json TEXT, deployment_id INTEGER, revert_of TEXT, revert_change TEXT,
  feedback_json TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL, started_at INTEGER, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS changes_state ON changes(state);
CREATE INDEX IF NOT EXISTS changes_pr ON changes(pr_number);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL, at TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_change ON audit(change_id);
CREATE TABLE IF NOT EXISTS progress (seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, value TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS votes (change_id TEXT NOT NULL, voter TEXT NOT NULL, vote TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (change_id, voter));
`;

type Row = Record<string, unknown>;

function toChange(r: Row): ChangeRow {
  const out: Record<string, unknown> = {};
  for (const [k, col] of Object.entries(COLUMNS)) out[k] = r[col] ?? null;
  out.feedback = JSON.parse(String(r.feedback_json ?? "[]")) as string[];
  return out as unknown as ChangeRow;
}

export class Store {
  readonly db: DatabaseSync;
  private readonly now: () => number;

  constructor(dataDir: string, now: () => number = Date.now) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new DatabaseSync(join(dataDir, "ouro-app.sqlite"));
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
    this.db.exec(SCHEMA);
    this.now = now;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Runs fn in one transaction: all of its writes happen, or none. */
  tx<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  // ── changes ──────────────────────────────────────────────────────────
  insertChange(c: NewChange): ChangeRow {
    const now = this.now();
    const row = { ...LIFECYCLE_START, ...c, createdAt: now, updatedAt: now, startedAt: null };
    const cols = Object.values(COLUMNS);
    this.db
      .prepare(`INSERT INTO changes (${cols.join(", ")}, feedback_json) VALUES (${cols.map(() => "?").join(", ")}, ?)`)
      .run(
        ...Object.keys(COLUMNS).map((k) => (row as Record<string, unknown>)[k] as string | number | null),
        JSON.stringify(c.feedback ?? []),
      );
    return this.change(c.id)!;
  }

  updateChange(id: string, patch: Partial<Omit<ChangeRow, "id" | "createdAt">>): ChangeRow {
    const sets: string[] = [];
    const vals: (string | number | null)[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (k === "feedback") {
        sets.push("feedback_json = ?");
        vals.push(JSON.stringify(v));
        continue;
      }
      const col = COLUMNS[k as keyof typeof COLUMNS];
      if (!col) throw new Error(`unknown change field ${k}`);
      sets.push(`${col} = ?`);
      vals.push(v as string | number | null);
    }
    sets.push("updated_at = ?");
    vals.push(this.now());
    this.db.prepare(`UPDATE changes SET ${sets.join(", ")} WHERE id = ?`).run(...vals, id);
    const c = this.change(id);
    if (!c) throw new Error(`no change ${id}`);
    return c;
  }

  change(id: string): ChangeRow | null {
    const r = this.db.prepare("SELECT * FROM changes WHERE id = ?").get(id) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changeByRequest(requestId: string): ChangeRow | null {
    const r = this.db.prepare("SELECT * FROM changes WHERE request_id = ?").get(requestId) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changeByPr(pr: number): ChangeRow | null {
    const r = this.db.prepare("SELECT * FROM changes WHERE pr_number = ? ORDER BY created_at DESC LIMIT 1").get(pr) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changeByIssue(issue: number): ChangeRow | null {
    const r = this.db
      .prepare("SELECT * FROM changes WHERE issue_number = ? ORDER BY (kind = 'change') DESC, created_at DESC LIMIT 1")
      .get(issue) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changeByHead(sha: string): ChangeRow | null {
    const r = this.db.prepare("SELECT * FROM changes WHERE head_sha = ? ORDER BY created_at DESC LIMIT 1").get(sha) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changeByMerge(sha: string): ChangeRow | null {
    const r = this.db.prepare("SELECT * FROM changes WHERE merge_sha = ? ORDER BY created_at DESC LIMIT 1").get(sha) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changeByDeployment(id: number): ChangeRow | null {
    const r = this.db.prepare("SELECT * FROM changes WHERE deployment_id = ?").get(id) as Row | undefined;
    return r ? toChange(r) : null;
  }
  changesIn(states: readonly ChangeState[]): ChangeRow[] {
    const rows = this.db
      .prepare(`SELECT * FROM changes WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY created_at, id`)
      .all(...states) as Row[];
    return rows.map(toChange);
  }
  recentChanges(limit: number): ChangeRow[] {
    return (this.db.prepare("SELECT * FROM changes ORDER BY updated_at DESC, created_at DESC LIMIT ?").all(limit) as Row[]).map(toChange);
  }
  /** Requests accepted since `since` (ms), for rate limits. */
  requestsSince(since: number): { requester: string; at: number }[] {
    return (
      this.db
        .prepare("SELECT requester_key AS requester, created_at AS at FROM changes WHERE created_at > ? AND kind = 'change'")
        .all(since) as Row[]
    ).map((r) => ({ requester: String(r.requester), at: Number(r.at) }));
  }
  startsSince(since: number): number[] {
    return (this.db.prepare("SELECT started_at AS at FROM changes WHERE started_at > ? AND kind = 'change'").all(since) as Row[]).map((r) =>
      Number(r.at),
    );
  }
  countOpenPrs(): number {
    const r = this.db
      .prepare("SELECT COUNT(*) AS n FROM changes WHERE pr_number IS NOT NULL AND state IN ('pr', 'checks', 'review')")
      .get() as Row;
    return Number(r.n);
  }

  // ── audit and progress ──────────────────────────────────────────────
  audit(changeId: string, event: string, detail: Record<string, unknown> = {}): void {
    this.db
      .prepare("INSERT INTO audit (change_id, at, event, detail) VALUES (?, ?, ?, ?)")
      .run(changeId, new Date(this.now()).toISOString(), event, JSON.stringify(detail));
  }
  auditOf(changeId: string): AuditRow[] {
    return (this.db.prepare("SELECT * FROM audit WHERE change_id = ? ORDER BY seq").all(changeId) as Row[]).map((r) => ({
      seq: Number(r.seq),
      changeId: String(r.change_id),
      at: String(r.at),
      event: String(r.event),
      detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
    }));
  }
  auditEvents(event: string, limit: number): AuditRow[] {
    return (this.db.prepare("SELECT * FROM audit WHERE event = ? ORDER BY seq DESC LIMIT ?").all(event, limit) as Row[]).map((r) => ({
      seq: Number(r.seq),
      changeId: String(r.change_id),
      at: String(r.at),
      event: String(r.event),
      detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
    }));
  }
  addProgress(changeId: string, json: string): number {
    const r = this.db.prepare("INSERT INTO progress (change_id, json) VALUES (?, ?)").run(changeId, json);
    return Number(r.lastInsertRowid);
  }
  progressAfter(seq: number, limit = 1000): { seq: number; json: string }[] {
    return (this.db.prepare("SELECT seq, json FROM progress WHERE seq > ? ORDER BY seq LIMIT ?").all(seq, limit) as Row[]).map((r) => ({
      seq: Number(r.seq),
      json: String(r.json),
    }));
  }

  // ── idempotency ─────────────────────────────────────────────────────
  /** Records a delivery id; false when it was already recorded (a redelivery). */
  claimDelivery(id: string, event: string): boolean {
    const r = this.db.prepare("INSERT OR IGNORE INTO deliveries (id, event, at) VALUES (?, ?, ?)").run(id, event, this.now());
    return r.changes === 1;
  }
  releaseDelivery(id: string): void {
    this.db.prepare("DELETE FROM deliveries WHERE id = ?").run(id);
  }
  key(key: string): string | null {
    const r = this.db.prepare("SELECT value FROM keys WHERE key = ?").get(key) as Row | undefined;
    return r ? String(r.value) : null;
  }
  setKey(key: string, value: string): void {
    this.db
      .prepare("INSERT INTO keys (key, value, at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(key, value, this.now());
  }

  // ── persisted values ────────────────────────────────────────────────
  get<T>(key: string, schema: z.ZodType<T>, fallback: T): T {
    const r = this.db.prepare("SELECT value FROM kv WHERE key = ?").get(key) as Row | undefined;
    if (!r) return fallback;
    const parsed = schema.safeParse(JSON.parse(String(r.value)));
    return parsed.success ? parsed.data : fallback;
  }
  set(key: string, value: unknown): void {
    this.db
      .prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(key, JSON.stringify(value));
  }

  // ── votes ───────────────────────────────────────────────────────────
  vote(changeId: string, voter: string, vote: "up" | "down"): void {
    this.db
      .prepare(
        "INSERT INTO votes (change_id, voter, vote, at) VALUES (?, ?, ?, ?) ON CONFLICT(change_id, voter) DO UPDATE SET vote = excluded.vote, at = excluded.at",
      )
      .run(changeId, voter, vote, this.now());
  }
  votes(changeId: string): { up: number; down: number } {
    const rows = this.db.prepare("SELECT vote, COUNT(*) AS n FROM votes WHERE change_id = ? GROUP BY vote").all(changeId) as Row[];
    const n = (v: string) => Number(rows.find((r) => r.vote === v)?.n ?? 0);
    return { up: n("up"), down: n("down") };
  }
}
