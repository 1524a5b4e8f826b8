// Everything the app asks of GitHub for its one repository, through the installation's
// Probot Octokit (retries, throttling, token refresh). Each write that must happen once
// has a lookup first (by branch, hidden marker or payload), so a retry finds its earlier result.
import type { ProbotOctokit } from "probot";
import type { ChecksState, Review, Role } from "../review/merge-gate.ts";

const ROLES = ["none", "read", "triage", "write", "maintain", "admin"] as const satisfies readonly Role[];

type Octokit = ProbotOctokit;

export interface PullInfo {
  number: number;
  url: string;
  state: string;
  merged: boolean;
  mergeSha: string | null;
  headSha: string;
  headRef: string;
  author: string;
  labels: string[];
  /**
   * Whether the PR merges cleanly into its base: false when another merge made it conflict
   * (`mergeable_state: "dirty"`); null while GitHub has not computed it, and in lists.
   */
  mergeable: boolean | null;
}

/** A failed check run or commit status, for the agent's `ci-failure` follow-up. */
export interface CheckFailure {
  name: string;
  conclusion: string;
  title: string | null;
  summary: string | null;
  /** The run's output text (often the log); the caller keeps its end. */
  text: string | null;
  annotations: { path: string; line: number; level: string; title: string | null; message: string }[];
}

const FAILED = new Set(["failure", "timed_out", "action_required", "startup_failure", "stale"]);

export class RepoClient {
  readonly octokit: Octokit;
  readonly owner: string;
  readonly repo: string;
  /** The App's own login, e.g. `ouro[bot]`. */
  readonly botLogin: string;

  constructor(octokit: Octokit, owner: string, repo: string, botLogin: string) {
    this.octokit = octokit;
    this.owner = owner;
    this.repo = repo;
    this.botLogin = botLogin;
  }

  private get r() {
    return { owner: this.owner, repo: this.repo };
  }

  /** An installation token for git over HTTP. */
  async token(): Promise<string> {
    const auth = (await this.octokit.auth({ type: "installation" })) as { token: string };
    return auth.token;
  }

  private defaultName: string | null = null;

  /** The default branch and its head (the name is looked up once; renaming it needs a restart). */
  async defaultBranch(): Promise<{ name: string; sha: string }> {
    this.defaultName ??= (await this.octokit.rest.repos.get(this.r)).data.default_branch;
    const b = await this.octokit.rest.repos.getBranch({ ...this.r, branch: this.defaultName });
    return { name: this.defaultName, sha: b.data.commit.sha };
  }

  /** Text files directly under `dir` at `ref` (empty when the folder is absent). */
  async readDir(dir: string, ref: string): Promise<{ path: string; text: string }[]> {
    let listing;
    try {
      listing = (await this.octokit.rest.repos.getContent({ ...this.r, path: dir, ref })).data;
    } catch (e) {
      if ((e as { status?: number }).status === 404) return [];
      throw e;
    }
    if (!Array.isArray(listing)) return [];
    const out: { path: string; text: string }[] = [];
    for (const entry of listing) {
      if (entry.type !== "file") continue;
      const text = await this.readFile(entry.path, ref);
      if (text !== null) out.push({ path: entry.path, text });
    }
    return out;
  }

  async readFile(path: string, ref: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({ ...this.r, path, ref });
      if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
      return Buffer.from(data.content, "base64").toString("utf8");
    } catch (e) {
      if ((e as { status?: number }).status === 404) return null;
      throw e;
    }
  }

  // ── issues and comments ─────────────────────────────────────────────
  async createIssue(title: string, body: string, labels: string[]): Promise<{ number: number; url: string }> {
    const { data } = await this.octokit.rest.issues.create({ ...this.r, title, body, labels });
    return { number: data.number, url: data.html_url };
  }

  /** An open or closed issue the App wrote whose body contains `marker`. */
  async findOwnIssue(marker: string, label?: string): Promise<{ number: number; url: string; body: string } | null> {
    const issues = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
      ...this.r,
      state: "all",
      per_page: 100,
      ...(label ? { labels: label } : {}),
    });
    const hit = issues.find((i) => !i.pull_request && i.user?.login === this.botLogin && (i.body ?? "").includes(marker));
    return hit ? { number: hit.number, url: hit.html_url, body: hit.body ?? "" } : null;
  }

  async updateIssue(number: number, patch: { body?: string; title?: string; state?: "open" | "closed" }): Promise<void> {
    await this.octokit.rest.issues.update({ ...this.r, issue_number: number, ...patch });
  }

  async issueUrl(number: number): Promise<string> {
    return (await this.octokit.rest.issues.get({ ...this.r, issue_number: number })).data.html_url;
  }

  async comment(number: number, body: string): Promise<number> {
    return (await this.octokit.rest.issues.createComment({ ...this.r, issue_number: number, body })).data.id;
  }

  /**
   * A comment made once: if the App already wrote one holding `marker` here (before a crash,
   * or for a redelivered event), that one stands and nothing is posted. Returns its id.
   */
  async commentOnce(number: number, marker: string, body: string): Promise<number> {
    const mine = await this.ownComment(number, marker);
    return mine ? mine.id : this.comment(number, `${body}\n\n${marker}`);
  }

  /** The App's own comment holding `marker` in this thread, if any. */
  private async ownComment(number: number, marker: string): Promise<{ id: number; body?: string } | undefined> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { ...this.r, issue_number: number, per_page: 100 });
    return comments.find((c) => c.user?.login === this.botLogin && (c.body ?? "").includes(marker));
  }

  /** The sticky comment: edits the App's comment holding `marker`, or creates it. Returns its id. */
  async upsertSticky(number: number, marker: string, body: string, knownId?: number | null): Promise<number> {
    if (knownId) {
      try {
        await this.octokit.rest.issues.updateComment({ ...this.r, comment_id: knownId, body });
        return knownId;
      } catch (e) {
        if ((e as { status?: number }).status !== 404) throw e;
      }
    }
    const mine = await this.ownComment(number, marker);
    if (mine) {
      if (mine.body !== body) await this.octokit.rest.issues.updateComment({ ...this.r, comment_id: mine.id, body });
      return mine.id;
    }
    return this.comment(number, body);
  }

  async addLabels(number: number, labels: string[]): Promise<void> {
    await this.octokit.rest.issues.addLabels({ ...this.r, issue_number: number, labels });
  }

  // ── pull requests ───────────────────────────────────────────────────
  private pullInfo(p: {
    number: number;
    html_url: string;
    state: string;
    merged?: boolean | null;
    merged_at?: string | null;
    merge_commit_sha: string | null;
    head: { sha: string; ref: string };
    user: { login: string } | null;
    labels: { name?: string }[];
    mergeable?: boolean | null;
  }): PullInfo {
    return {
      number: p.number,
      url: p.html_url,
      state: p.state,
      merged: Boolean(p.merged ?? p.merged_at),
      mergeSha: p.merge_commit_sha,
      headSha: p.head.sha,
      headRef: p.head.ref,
      author: p.user?.login ?? "",
      labels: p.labels.map((l) => l.name ?? ""),
      mergeable: p.mergeable ?? null,
    };
  }

  async pull(number: number): Promise<PullInfo> {
    return this.pullInfo((await this.octokit.rest.pulls.get({ ...this.r, pull_number: number })).data);
  }

  async openPullForBranch(branch: string): Promise<PullInfo | null> {
    const { data } = await this.octokit.rest.pulls.list({ ...this.r, state: "open", head: `${this.owner}:${branch}`, per_page: 100 });
    const hit = data.find((p) => p.head.ref === branch);
    return hit ? this.pullInfo(hit) : null;
  }

  async openPull(p: { title: string; body: string; head: string; base: string }): Promise<PullInfo> {
    return this.pullInfo((await this.octokit.rest.pulls.create({ ...this.r, ...p })).data);
  }

  async updatePull(number: number, patch: { title?: string; body?: string }): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.r, pull_number: number, ...patch });
  }

  /** Closes a PR without merging it (say why in a comment first). */
  async closePull(number: number): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.r, pull_number: number, state: "closed" });
  }

  async reviews(number: number): Promise<Review[]> {
    const list = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, { ...this.r, pull_number: number, per_page: 100 });
    return list.map((r) => ({ id: r.id, login: r.user?.login ?? "", state: r.state, commitId: r.commit_id, bot: r.user?.type === "Bot" }));
  }

  /** The line comments of one review (path, line — null on a comment about an outdated line — and text). */
  async reviewComments(number: number, reviewId: number): Promise<{ path: string; line: number | null; body: string }[]> {
    const list = await this.octokit.paginate(this.octokit.rest.pulls.listCommentsForReview, {
      ...this.r,
      pull_number: number,
      review_id: reviewId,
      per_page: 100,
    });
    return list.map((c) => ({ path: c.path, line: c.line ?? c.original_line ?? null, body: c.body }));
  }

  /** Dismisses a review (an approval or a change request) with a message shown on the PR. */
  async dismissReview(number: number, reviewId: number, message: string): Promise<void> {
    await this.octokit.rest.pulls.dismissReview({ ...this.r, pull_number: number, review_id: reviewId, message, event: "DISMISS" });
  }

  async changedFiles(number: number): Promise<string[]> {
    const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, { ...this.r, pull_number: number, per_page: 100 });
    return files.map((f) => f.filename);
  }

  async requestReviewers(number: number, users: string[], teams: string[]): Promise<void> {
    await this.octokit.rest.pulls.requestReviewers({ ...this.r, pull_number: number, reviewers: users, team_reviewers: teams });
  }

  async merge(number: number, sha: string, title: string): Promise<string> {
    const { data } = await this.octokit.rest.pulls.merge({
      ...this.r,
      pull_number: number,
      sha,
      merge_method: "merge",
      commit_title: title,
    });
    return data.sha;
  }

  // ── checks, statuses, deployments ──────────────────────────────────
  /** Check runs and commit statuses on `sha` (our own `ouro/*` statuses excluded). */
  async checksState(sha: string): Promise<{ state: ChecksState; summary: string }> {
    const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, { ...this.r, ref: sha, per_page: 100 });
    const combined = (await this.octokit.rest.repos.getCombinedStatusForRef({ ...this.r, ref: sha, per_page: 100 })).data;
    const statuses = combined.statuses.filter((s) => !s.context.startsWith("ouro/"));
    if (runs.length === 0 && statuses.length === 0) return { state: "pending", summary: "no checks reported yet" };
    const failed = [
      ...runs.filter((r) => r.status === "completed" && FAILED.has(r.conclusion ?? "")).map((r) => r.name),
      ...statuses.filter((s) => s.state === "failure" || s.state === "error").map((s) => s.context),
    ];
    if (failed.length > 0) return { state: "failure", summary: `failed: ${failed.join(", ")}` };
    const pending = [
      ...runs.filter((r) => r.status !== "completed").map((r) => r.name),
      ...statuses.filter((s) => s.state === "pending").map((s) => s.context),
    ];
    if (pending.length > 0) return { state: "pending", summary: `running: ${pending.join(", ")}` };
    // A cancelled run is not a verdict: a workflow's concurrency group cancels a run when a newer
    // one starts (whose check run may not exist yet), or a person cancelled it and may re-run it.
    const cancelled = runs.filter((r) => r.conclusion === "cancelled").map((r) => r.name);
    if (cancelled.length > 0) return { state: "pending", summary: `cancelled, waiting for a re-run: ${cancelled.join(", ")}` };
    return { state: "success", summary: `${runs.length + statuses.length} passed` };
  }

  /**
   * What failed on `sha`, as the GitHub API gives it: each failed check run's output (title,
   * summary, the end of its text — the log tail) and its annotations, and each failed commit
   * status's description; and the names of checks still running (our own `ouro/*` excluded).
   */
  async checkFailures(sha: string): Promise<{ running: string[]; failures: CheckFailure[] }> {
    const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, { ...this.r, ref: sha, per_page: 100 });
    const combined = (await this.octokit.rest.repos.getCombinedStatusForRef({ ...this.r, ref: sha, per_page: 100 })).data;
    const statuses = combined.statuses.filter((s) => !s.context.startsWith("ouro/"));
    const running = [
      ...runs.filter((r) => r.status !== "completed").map((r) => r.name),
      ...statuses.filter((s) => s.state === "pending").map((s) => s.context),
    ];
    const failures: CheckFailure[] = [];
    for (const r of runs.filter((r) => r.status === "completed" && FAILED.has(r.conclusion ?? ""))) {
      const annotations = r.output.annotations_count
        ? await this.octokit.paginate(this.octokit.rest.checks.listAnnotations, { ...this.r, check_run_id: r.id, per_page: 100 })
        : [];
      failures.push({
        name: r.name,
        conclusion: r.conclusion ?? "failure",
        title: r.output.title ?? null,
        summary: r.output.summary ?? null,
        text: r.output.text ?? null,
        annotations: annotations.map((a) => ({
          path: a.path,
          line: a.start_line,
          level: a.annotation_level ?? "failure",
          title: a.title ?? null,
          message: a.message ?? "",
        })),
      });
    }
    for (const s of statuses.filter((s) => s.state === "failure" || s.state === "error"))
      failures.push({ name: s.context, conclusion: s.state, title: null, summary: s.description ?? null, text: null, annotations: [] });
    return { running, failures };
  }

  async setStatus(sha: string, context: string, state: "pending" | "success" | "failure", description: string): Promise<void> {
    await this.octokit.rest.repos.createCommitStatus({ ...this.r, sha, state, context, description: description.slice(0, 140) });
  }

  /** The deployment of `sha` whose payload names `changeId`, if one exists. */
  async findDeployment(sha: string, changeId: string): Promise<number | null> {
    const list = await this.octokit.paginate(this.octokit.rest.repos.listDeployments, { ...this.r, sha, per_page: 100 });
    const hit = list.find((d) => {
      if (d.task !== "deploy") return false;
      const p = typeof d.payload === "string" ? safeJson(d.payload) : d.payload;
      return (p as { changeId?: string } | null)?.changeId === changeId;
    });
    return hit ? hit.id : null;
  }

  /** The deployments of commit `sha` (any task, any creator), newest first. */
  async deploymentsOf(sha: string): Promise<{ id: number; sha: string; task: string; environment: string; creator: string | null }[]> {
    const list = await this.octokit.paginate(this.octokit.rest.repos.listDeployments, { ...this.r, sha, per_page: 100 });
    return list.map((d) => ({ id: d.id, sha: d.sha, task: d.task, environment: d.environment, creator: d.creator?.login ?? null }));
  }

  /** A deployment's statuses, newest first (what the deploy hook reported). */
  async deploymentStatuses(id: number): Promise<{ id: number; state: string; description: string }[]> {
    const list = await this.octokit.paginate(this.octokit.rest.repos.listDeploymentStatuses, {
      ...this.r,
      deployment_id: id,
      per_page: 100,
    });
    return list.map((s) => ({ id: s.id, state: s.state, description: s.description ?? "" }));
  }

  async createDeployment(sha: string, changeId: string, pr: number, description: string, task = "deploy"): Promise<number> {
    const { data } = await this.octokit.rest.repos.createDeployment({
      ...this.r,
      ref: sha,
      task,
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      payload: { changeId, pr },
      description: description.slice(0, 140),
      production_environment: true,
    });
    if (!("id" in data)) throw new Error(`deployment not created: ${JSON.stringify(data).slice(0, 200)}`);
    return data.id;
  }

  /**
   * The role of `login` on the repository: GitHub's `role_name` (which tells maintain from
   * write and triage from read); a custom role falls back to its base `permission`. An
   * unknown user is "none"; any other error is thrown (the caller must not guess).
   */
  async role(login: string): Promise<Role> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...this.r, username: login });
      if ((ROLES as readonly string[]).includes(data.role_name)) return data.role_name as Role;
      return (ROLES as readonly string[]).includes(data.permission) ? (data.permission as Role) : "none";
    } catch (e) {
      if ((e as { status?: number }).status === 404) return "none";
      throw e;
    }
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
