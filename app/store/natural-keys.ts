// Natural keys (the `keys` table): what the app already did on GitHub or already answered,
// so that a redelivered event, a retry or a restart does it once — and the ids of the
// comments and issues it keeps editing (sticky progress comments, the dashboard, error issues).
// The intent is recorded before or right after the side effect and found again by the key.
// The dashboard's body (titles and requesters) is sealed at rest like other personal data.
import type { Db } from "../../contract/storage/engine.ts";
import type { Row } from "./database.ts";
import { DASHBOARD_BODY_AAD } from "./personal.ts";
import type { PersonalData } from "./personal.ts";

/** How a sealed value is marked in a text column. */
const SEALED_TEXT = "sealed:";

export class NaturalKeys {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #personal: PersonalData;

  constructor(db: Db, now: () => number, personal: PersonalData) {
    this.#db = db;
    this.#now = now;
    this.#personal = personal;
  }

  // ── commands and requests answered ─────────────────────────────────
  /** An `/ouro …` comment was acted on. */
  commentHandled(commentId: number): boolean {
    return this.#has(`comment:${commentId}`);
  }
  markCommentHandled(commentId: number): void {
    this.#set(`comment:${commentId}`, "done");
  }
  /** A labelled issue from someone the policy does not allow was refused (and told so). */
  issueRefused(issue: number): boolean {
    return this.#has(`issue-refused:${issue}`);
  }
  markIssueRefused(issue: number, login: string): void {
    this.#set(`issue-refused:${issue}`, login);
  }

  // ── the merge gate ─────────────────────────────────────────────────
  /** CI's last answer for a change, as the dashboard shows it. */
  checksState(changeId: string): string | null {
    return this.#get(`checks:${changeId}`);
  }
  setChecksState(changeId: string, state: string): void {
    this.#set(`checks:${changeId}`, state);
  }
  /** A CI failure on this head commit was counted (breaker, feedback) once. */
  ciFailureCounted(sha: string): boolean {
    return this.#has(`ci-failure:${sha}`);
  }
  markCiFailureCounted(sha: string, changeId: string): void {
    this.#set(`ci-failure:${sha}`, changeId);
  }
  /** Reviewers were asked for (or found missing) for this head commit. */
  reviewersAsked(changeId: string, headSha: string): boolean {
    return this.#has(`reviewers:${changeId}:${headSha}`);
  }
  markReviewersAsked(changeId: string, headSha: string, owners: { users: string[]; teams: string[] }): void {
    this.#set(`reviewers:${changeId}:${headSha}`, JSON.stringify(owners));
  }

  // ── deployments ────────────────────────────────────────────────────
  /** The GitHub deployment made for a merged change (null: none yet). */
  deploymentOf(changeId: string): number | null {
    return this.#number(`deployment:${changeId}`);
  }
  setDeploymentOf(changeId: string, deploymentId: number): void {
    this.#set(`deployment:${changeId}`, String(deploymentId));
  }
  /** A deployment status (success, failure, inactive, …) was acted on. */
  deploymentStatusSeen(deploymentId: number, state: string): boolean {
    return this.#has(`deployment-status:${deploymentId}:${state}`);
  }
  markDeploymentStatusSeen(deploymentId: number, state: string): void {
    this.#set(`deployment-status:${deploymentId}:${state}`, "1");
  }
  /** The change whose rollback this deployment is (asked of the deploy hook), or null. */
  rollbackDeploymentOf(deploymentId: number): string | null {
    return this.#get(`rollback-deployment:${deploymentId}`);
  }
  setRollbackDeployment(deploymentId: number, changeId: string): void {
    this.#set(`rollback-deployment:${deploymentId}`, changeId);
  }

  // ── comments and issues the app keeps editing ──────────────────────
  /** The sticky progress comment of a change in one thread (its issue or its PR). */
  stickyCommentId(changeId: string, thread: number): number | null {
    return this.#number(`sticky:${changeId}:${thread}`);
  }
  setStickyCommentId(changeId: string, thread: number, commentId: number): void {
    this.#set(`sticky:${changeId}:${thread}`, String(commentId));
  }
  /** What the sticky comments of a change last showed (see progress/report.ts). */
  shownProgress(changeId: string): string | null {
    return this.#get(`shown:${changeId}`);
  }
  setShownProgress(changeId: string, shown: string): void {
    this.#set(`shown:${changeId}`, shown);
  }
  dashboardIssue(): number | null {
    return this.#number("dashboard:issue");
  }
  setDashboardIssue(issue: number): void {
    this.#set("dashboard:issue", String(issue));
  }
  /** The dashboard's body as last written (an unchanged body is not sent again). */
  dashboardBody(): string | null {
    const r = this.#db.prepare("SELECT value FROM keys WHERE key = 'dashboard:body'").get() as Row | undefined;
    if (!r) return null;
    // sealed bytes as base64 text (the column is TEXT on PostgreSQL); a BLOB from an earlier version as it is
    const v =
      typeof r.value === "string" && r.value.startsWith(SEALED_TEXT) ? Buffer.from(r.value.slice(SEALED_TEXT.length), "base64") : r.value;
    return this.#personal.open(v, DASHBOARD_BODY_AAD);
  }
  setDashboardBody(body: string): void {
    this.#set("dashboard:body", SEALED_TEXT + Buffer.from(this.#personal.seal(body, DASHBOARD_BODY_AAD)).toString("base64"));
  }
  /** The issue that tracks one runtime error fingerprint. */
  errorIssue(fingerprint: string): number | null {
    return this.#number(`error:${fingerprint}`);
  }
  setErrorIssue(fingerprint: string, issue: number): void {
    this.#set(`error:${fingerprint}`, String(issue));
  }

  #get(key: string): string | null {
    const r = this.#db.prepare("SELECT value FROM keys WHERE key = ?").get(key) as Row | undefined;
    return r ? String(r.value) : null;
  }
  #has(key: string): boolean {
    return this.#get(key) !== null;
  }
  /** A stored id; null when absent (or 0, which no GitHub object has). */
  #number(key: string): number | null {
    return Number(this.#get(key) ?? 0) || null;
  }
  #set(key: string, value: string): void {
    this.#db
      .prepare("INSERT INTO keys (key, value, at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(key, value, this.#now());
  }
}
