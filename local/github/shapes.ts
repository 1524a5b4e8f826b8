// GitHub's JSON shapes for the stand-in's records (field names as in @octokit/openapi's
// GHES description; the contract tests validate them).
import type {
  Account,
  AppRec,
  CheckRunRec,
  CheckSuiteRec,
  CommentRec,
  DeliveryRec,
  DeploymentRec,
  DeploymentStatusRec,
  InstallationRec,
  IssueRec,
  LabelRec,
  RepoRec,
  ReviewCommentRec,
  ReviewRec,
  StatusRec,
  Store,
} from "./store.ts";
import type { CommitInfo } from "./git.ts";

const nodeId = (kind: string, id: number | string): string =>
  Buffer.from(`0${kind.length}:${kind}${id}`).toString("base64").replace(/=+$/, "");

export class Shapes {
  readonly web: string;
  readonly api: string;
  readonly store: Store;
  constructor(web: string, store: Store) {
    this.web = web;
    this.api = `${web}/api/v3`;
    this.store = store;
  }

  nodeId = nodeId;

  account(login: string): Account {
    const a = this.store.data.accounts[login.toLowerCase()];
    if (a) return a;
    return { id: 0, login, type: "User", createdAt: "1970-01-01T00:00:00Z" };
  }

  user(login: string | null): Record<string, unknown> | null {
    if (login === null) return null;
    const a = this.account(login);
    const u = `${this.api}/users/${encodeURIComponent(a.login)}`;
    return {
      login: a.login,
      id: a.id,
      node_id: nodeId(a.type === "Organization" ? "Organization" : "User", a.id),
      avatar_url: `${this.web}/avatars/u/${a.id}`,
      gravatar_id: "",
      url: u,
      html_url: a.type === "Bot" ? `${this.web}/apps/${a.login.replace(/\[bot\]$/, "")}` : `${this.web}/${a.login}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: a.type,
      site_admin: Boolean(a.siteAdmin),
      user_view_type: "public",
    };
  }

  repoUrls(r: RepoRec): Record<string, unknown> {
    const full = `${r.owner}/${r.name}`;
    const u = `${this.api}/repos/${full}`;
    return {
      id: r.id,
      node_id: nodeId("Repository", r.id),
      name: r.name,
      full_name: full,
      private: r.private,
      owner: this.user(r.owner),
      html_url: `${this.web}/${full}`,
      description: r.description,
      fork: false,
      url: u,
      archive_url: `${u}/{archive_format}{/ref}`,
      assignees_url: `${u}/assignees{/user}`,
      blobs_url: `${u}/git/blobs{/sha}`,
      branches_url: `${u}/branches{/branch}`,
      collaborators_url: `${u}/collaborators{/collaborator}`,
      comments_url: `${u}/comments{/number}`,
      commits_url: `${u}/commits{/sha}`,
      compare_url: `${u}/compare/{base}...{head}`,
      contents_url: `${u}/contents/{+path}`,
      contributors_url: `${u}/contributors`,
      deployments_url: `${u}/deployments`,
      downloads_url: `${u}/downloads`,
      events_url: `${u}/events`,
      forks_url: `${u}/forks`,
      git_commits_url: `${u}/git/commits{/sha}`,
      git_refs_url: `${u}/git/refs{/sha}`,
      git_tags_url: `${u}/git/tags{/sha}`,
      hooks_url: `${u}/hooks`,
      issue_comment_url: `${u}/issues/comments{/number}`,
      issue_events_url: `${u}/issues/events{/number}`,
      issues_url: `${u}/issues{/number}`,
      keys_url: `${u}/keys{/key_id}`,
      labels_url: `${u}/labels{/name}`,
      languages_url: `${u}/languages`,
      merges_url: `${u}/merges`,
      milestones_url: `${u}/milestones{/number}`,
      notifications_url: `${u}/notifications{?since,all,participating}`,
      pulls_url: `${u}/pulls{/number}`,
      releases_url: `${u}/releases{/id}`,
      stargazers_url: `${u}/stargazers`,
      statuses_url: `${u}/statuses/{sha}`,
      subscribers_url: `${u}/subscribers`,
      subscription_url: `${u}/subscription`,
      tags_url: `${u}/tags`,
      teams_url: `${u}/teams`,
      trees_url: `${u}/git/trees{/sha}`,
    };
  }

  repo(r: RepoRec, opts: { full?: boolean; permissions?: boolean } = {}): Record<string, unknown> {
    const full = `${r.owner}/${r.name}`;
    const openIssues = Object.values(this.store.data.issues).filter((i) => i.repo === key(r) && i.state === "open").length;
    const out: Record<string, unknown> = {
      ...this.repoUrls(r),
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      pushed_at: r.pushedAt,
      git_url: `git://${new URL(this.web).host}/${full}.git`,
      ssh_url: `git@${new URL(this.web).host}:${full}.git`,
      clone_url: `${this.web}/${full}.git`,
      svn_url: `${this.web}/${full}`,
      mirror_url: null,
      homepage: null,
      size: 0,
      stargazers_count: 0,
      watchers_count: 0,
      language: null,
      has_issues: true,
      has_projects: false,
      has_downloads: true,
      has_wiki: false,
      has_pages: false,
      has_discussions: false,
      forks_count: 0,
      archived: false,
      disabled: false,
      open_issues_count: openIssues,
      license: null,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: [],
      visibility: r.private ? "private" : "public",
      forks: 0,
      open_issues: openIssues,
      watchers: 0,
      default_branch: r.defaultBranch,
    };
    if (opts.permissions !== false) out.permissions = { admin: true, maintain: true, push: true, triage: true, pull: true };
    if (opts.full) {
      Object.assign(out, {
        network_count: 0,
        subscribers_count: 0,
        allow_squash_merge: true,
        allow_merge_commit: true,
        allow_rebase_merge: true,
        allow_auto_merge: false,
        delete_branch_on_merge: false,
        allow_update_branch: false,
      });
    }
    return out;
  }

  label(repoKey: string, l: LabelRec): Record<string, unknown> {
    const r = this.store.data.repos[repoKey];
    return {
      id: l.id,
      node_id: nodeId("Label", l.id),
      url: `${this.api}/repos/${r.owner}/${r.name}/labels/${encodeURIComponent(l.name)}`,
      name: l.name,
      color: l.color,
      default: false,
      description: l.description,
    };
  }

  labelsOf(i: IssueRec): Record<string, unknown>[] {
    const all = this.store.data.labels[i.repo] ?? [];
    return i.labels
      .map((n) => all.find((l) => l.name === n))
      .filter((l): l is LabelRec => Boolean(l))
      .map((l) => this.label(i.repo, l));
  }

  association(repoKey: string, login: string): string {
    const r = this.store.data.repos[repoKey];
    if (r && r.owner.toLowerCase() === login.toLowerCase()) return "OWNER";
    const a = this.store.data.accounts[login.toLowerCase()];
    return a && a.type === "Bot" ? "NONE" : "COLLABORATOR";
  }

  issue(i: IssueRec): Record<string, unknown> {
    const r = this.store.data.repos[i.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const u = `${base}/issues/${i.number}`;
    const comments = Object.values(this.store.data.comments).filter((c) => c.repo === i.repo && c.number === i.number).length;
    const out: Record<string, unknown> = {
      id: i.id,
      node_id: nodeId(i.pull ? "PullRequest" : "Issue", i.id),
      url: u,
      repository_url: base,
      labels_url: `${u}/labels{/name}`,
      comments_url: `${u}/comments`,
      events_url: `${u}/events`,
      html_url: `${this.web}/${r.owner}/${r.name}/${i.pull ? "pull" : "issues"}/${i.number}`,
      number: i.number,
      state: i.state,
      state_reason: i.stateReason,
      title: i.title,
      body: i.body,
      user: this.user(i.user),
      labels: this.labelsOf(i),
      assignee: i.assignees.length ? this.user(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.user(a)),
      milestone: null,
      locked: i.locked,
      active_lock_reason: null,
      comments,
      closed_at: i.closedAt,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_by: i.closedBy ? this.user(i.closedBy) : null,
      author_association: this.association(i.repo, i.user),
      reactions: this.reactions(u),
      timeline_url: `${u}/timeline`,
      performed_via_github_app: null,
    };
    if (i.pull) {
      out.pull_request = {
        url: `${base}/pulls/${i.number}`,
        html_url: `${this.web}/${r.owner}/${r.name}/pull/${i.number}`,
        diff_url: `${this.web}/${r.owner}/${r.name}/pull/${i.number}.diff`,
        patch_url: `${this.web}/${r.owner}/${r.name}/pull/${i.number}.patch`,
        merged_at: i.pull.mergedAt,
      };
      out.draft = i.pull.draft;
    }
    return out;
  }

  reactions(url: string): Record<string, unknown> {
    return { url: `${url}/reactions`, total_count: 0, "+1": 0, "-1": 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
  }

  comment(c: CommentRec): Record<string, unknown> {
    const r = this.store.data.repos[c.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const isPull = Boolean(this.store.data.issues[`${c.repo}#${c.number}`]?.pull);
    return {
      id: c.id,
      node_id: nodeId("IssueComment", c.id),
      url: `${base}/issues/comments/${c.id}`,
      html_url: `${this.web}/${r.owner}/${r.name}/${isPull ? "pull" : "issues"}/${c.number}#issuecomment-${c.id}`,
      issue_url: `${base}/issues/${c.number}`,
      body: c.body,
      user: this.user(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: this.association(c.repo, c.user),
      reactions: this.reactions(`${base}/issues/comments/${c.id}`),
      performed_via_github_app: null,
    };
  }

  /** A pull request; `live` carries what is computed from git (sha of head/base, mergeability, counts). */
  pull(
    i: IssueRec,
    live: {
      headSha: string;
      baseSha: string;
      mergeable: boolean | null;
      mergeableState: string;
      commits: number;
      additions: number;
      deletions: number;
      changedFiles: number;
    } | null,
  ): Record<string, unknown> {
    const p = i.pull as NonNullable<IssueRec["pull"]>;
    const r = this.store.data.repos[i.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const u = `${base}/pulls/${i.number}`;
    const html = `${this.web}/${r.owner}/${r.name}/pull/${i.number}`;
    const repoObj = this.repo(r, { permissions: false });
    const out: Record<string, unknown> = {
      url: u,
      id: i.id,
      node_id: nodeId("PullRequest", i.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${base}/issues/${i.number}`,
      number: i.number,
      state: i.state,
      locked: i.locked,
      title: i.title,
      user: this.user(i.user),
      body: i.body,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      merged_at: p.mergedAt,
      merge_commit_sha: p.mergeCommitSha,
      assignee: i.assignees.length ? this.user(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.user(a)),
      requested_reviewers: (p.requestedReviewers ?? []).map((l) => this.user(l)),
      requested_teams: [],
      labels: this.labelsOf(i),
      milestone: null,
      draft: p.draft,
      commits_url: `${u}/commits`,
      review_comments_url: `${u}/comments`,
      review_comment_url: `${base}/pulls/comments{/number}`,
      comments_url: `${base}/issues/${i.number}/comments`,
      statuses_url: `${base}/statuses/${live?.headSha ?? p.headSha}`,
      head: {
        label: `${r.owner}:${p.headRef}`,
        ref: p.headRef,
        sha: live?.headSha ?? p.headSha,
        user: this.user(r.owner),
        repo: repoObj,
      },
      base: {
        label: `${r.owner}:${p.baseRef}`,
        ref: p.baseRef,
        sha: live?.baseSha ?? p.baseSha,
        user: this.user(r.owner),
        repo: repoObj,
      },
      _links: {
        self: { href: u },
        html: { href: html },
        issue: { href: `${base}/issues/${i.number}` },
        comments: { href: `${base}/issues/${i.number}/comments` },
        review_comments: { href: `${u}/comments` },
        review_comment: { href: `${base}/pulls/comments{/number}` },
        commits: { href: `${u}/commits` },
        statuses: { href: `${base}/statuses/${live?.headSha ?? p.headSha}` },
      },
      author_association: this.association(i.repo, i.user),
      auto_merge: null,
      active_lock_reason: null,
    };
    if (live) {
      Object.assign(out, {
        merged: p.merged,
        mergeable: live.mergeable,
        rebaseable: live.mergeable,
        mergeable_state: live.mergeableState,
        merged_by: p.mergedBy ? this.user(p.mergedBy) : null,
        comments: Object.values(this.store.data.comments).filter((c) => c.repo === i.repo && c.number === i.number).length,
        review_comments: 0,
        maintainer_can_modify: p.maintainerCanModify,
        commits: live.commits,
        additions: live.additions,
        deletions: live.deletions,
        changed_files: live.changedFiles,
      });
    }
    return out;
  }

  review(v: ReviewRec): Record<string, unknown> {
    const r = this.store.data.repos[v.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const html = `${this.web}/${r.owner}/${r.name}/pull/${v.number}#pullrequestreview-${v.id}`;
    return {
      id: v.id,
      node_id: nodeId("PullRequestReview", v.id),
      user: this.user(v.user),
      body: v.body,
      state: v.state,
      html_url: html,
      pull_request_url: `${base}/pulls/${v.number}`,
      _links: { html: { href: html }, pull_request: { href: `${base}/pulls/${v.number}` } },
      submitted_at: v.submittedAt,
      commit_id: v.commitId,
      author_association: this.association(v.repo, v.user),
    };
  }

  /** A review's line comment, as `GET …/reviews/{id}/comments` lists it. */
  reviewComment(v: ReviewRec, c: ReviewCommentRec): Record<string, unknown> {
    const r = this.store.data.repos[v.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const html = `${this.web}/${r.owner}/${r.name}/pull/${v.number}#discussion_r${c.id}`;
    return {
      id: c.id,
      node_id: nodeId("PullRequestReviewComment", c.id),
      pull_request_review_id: v.id,
      url: `${base}/pulls/comments/${c.id}`,
      path: c.path,
      position: c.line,
      original_position: c.line,
      line: c.line,
      original_line: c.line,
      side: c.side,
      commit_id: v.commitId,
      original_commit_id: v.commitId,
      diff_hunk: "",
      user: this.user(v.user),
      body: c.body,
      created_at: v.submittedAt,
      updated_at: v.submittedAt,
      html_url: html,
      pull_request_url: `${base}/pulls/${v.number}`,
      author_association: this.association(v.repo, v.user),
      _links: {
        self: { href: `${base}/pulls/comments/${c.id}` },
        html: { href: html },
        pull_request: { href: `${base}/pulls/${v.number}` },
      },
    };
  }

  app(a: AppRec): Record<string, unknown> {
    return {
      id: a.id,
      slug: a.slug,
      node_id: nodeId("Integration", a.id),
      client_id: a.clientId,
      owner: this.user(a.ownerLogin),
      name: a.name,
      description: null,
      external_url: `${this.web}/apps/${a.slug}`,
      html_url: `${this.web}/apps/${a.slug}`,
      created_at: a.createdAt,
      updated_at: a.createdAt,
      permissions: a.permissions,
      events: a.events,
    };
  }

  /**
   * A webhook delivery as `GET /app/hook/deliveries` lists it: `status` in GitHub's words
   * ("OK", "Invalid HTTP Response: 503", "failed to connect to host", "timed out").
   */
  hookDelivery(d: DeliveryRec): Record<string, unknown> {
    const status =
      d.status === "OK"
        ? "OK"
        : d.statusCode > 0
          ? `Invalid HTTP Response: ${d.statusCode}`
          : /timed out/.test(d.lastError ?? "")
            ? "timed out"
            : "failed to connect to host";
    return {
      id: d.id,
      guid: d.guid,
      delivered_at: d.deliveredAt ?? d.createdAt,
      redelivery: d.redelivery,
      duration: d.durationMs / 1000,
      status,
      status_code: d.statusCode,
      event: d.event,
      action: d.action,
      installation_id: d.installationId,
      repository_id: d.repo ? (this.store.data.repos[d.repo]?.id ?? null) : null,
      throttled_at: null,
    };
  }

  installation(inst: InstallationRec): Record<string, unknown> {
    const app = this.store.data.apps[String(inst.appId)];
    const acct = this.account(inst.accountLogin);
    return {
      id: inst.id,
      account: this.user(inst.accountLogin),
      repository_selection: inst.selection,
      access_tokens_url: `${this.api}/app/installations/${inst.id}/access_tokens`,
      repositories_url: `${this.api}/installation/repositories`,
      html_url: `${this.web}/settings/installations/${inst.id}`,
      app_id: app.id,
      app_slug: app.slug,
      client_id: app.clientId,
      target_id: acct.id,
      target_type: acct.type === "Organization" ? "Organization" : "User",
      permissions: app.permissions,
      events: app.events,
      created_at: inst.createdAt,
      updated_at: inst.createdAt,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: null,
    };
  }

  gitUser(id: { name: string; email: string; date: string }): Record<string, unknown> {
    return { name: id.name, email: id.email, date: id.date };
  }

  verification(): Record<string, unknown> {
    return { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };
  }

  /** `git-commit` (the git data API) */
  gitCommit(repoKey: string, c: CommitInfo): Record<string, unknown> {
    const r = this.store.data.repos[repoKey];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    return {
      sha: c.sha,
      node_id: nodeId("Commit", c.sha),
      url: `${base}/git/commits/${c.sha}`,
      html_url: `${this.web}/${r.owner}/${r.name}/commit/${c.sha}`,
      author: this.gitUser(c.author),
      committer: this.gitUser(c.committer),
      tree: { sha: c.tree, url: `${base}/git/trees/${c.tree}` },
      message: c.message,
      parents: c.parents.map((p) => ({
        sha: p,
        url: `${base}/git/commits/${p}`,
        html_url: `${this.web}/${r.owner}/${r.name}/commit/${p}`,
      })),
      verification: this.verification(),
    };
  }

  /** `commit` (the repos API) */
  commit(
    repoKey: string,
    c: CommitInfo,
    files?: Record<string, unknown>[],
    stats?: { additions: number; deletions: number },
  ): Record<string, unknown> {
    const r = this.store.data.repos[repoKey];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const userFor = (email: string): Record<string, unknown> | null => {
      const a = Object.values(this.store.data.accounts).find((x) => x.email === email);
      return a ? this.user(a.login) : null;
    };
    const out: Record<string, unknown> = {
      url: `${base}/commits/${c.sha}`,
      sha: c.sha,
      node_id: nodeId("Commit", c.sha),
      html_url: `${this.web}/${r.owner}/${r.name}/commit/${c.sha}`,
      comments_url: `${base}/commits/${c.sha}/comments`,
      commit: {
        url: `${base}/git/commits/${c.sha}`,
        author: this.gitUser(c.author),
        committer: this.gitUser(c.committer),
        message: c.message.replace(/\n$/, ""),
        comment_count: 0,
        tree: { sha: c.tree, url: `${base}/git/trees/${c.tree}` },
        verification: this.verification(),
      },
      author: userFor(c.author.email),
      committer: userFor(c.committer.email),
      parents: c.parents.map((p) => ({ sha: p, url: `${base}/commits/${p}`, html_url: `${this.web}/${r.owner}/${r.name}/commit/${p}` })),
    };
    if (files) {
      out.files = files;
      const a = stats?.additions ?? 0;
      const d = stats?.deletions ?? 0;
      out.stats = { additions: a, deletions: d, total: a + d };
    }
    return out;
  }

  gitRef(repoKey: string, ref: string, sha: string, type: string): Record<string, unknown> {
    const r = this.store.data.repos[repoKey];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    return {
      ref,
      node_id: nodeId("Ref", `${r.id}:${ref}`),
      url: `${base}/git/${ref}`,
      object: { type, sha, url: `${base}/git/${type}s/${sha}` },
    };
  }

  checkSuite(s: CheckSuiteRec, extra = true): Record<string, unknown> {
    const r = this.store.data.repos[s.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    const runs = Object.values(this.store.data.checkRuns).filter((c) => c.suiteId === s.id);
    const done = runs.length > 0 && runs.every((c) => c.status === "completed");
    const status = runs.length === 0 ? "queued" : done ? "completed" : runs.some((c) => c.status !== "queued") ? "in_progress" : "queued";
    const conclusion = done ? suiteConclusion(runs.map((c) => c.conclusion)) : null;
    const out: Record<string, unknown> = {
      id: s.id,
      node_id: nodeId("CheckSuite", s.id),
      head_branch: s.headBranch,
      head_sha: s.headSha,
      status,
      conclusion,
      url: `${base}/check-suites/${s.id}`,
      before: null,
      after: s.headSha,
      pull_requests: this.pullRequestsMinimal(s.repo, s.headSha),
      app: s.appId ? this.app(this.store.data.apps[String(s.appId)]) : null,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      latest_check_runs_count: runs.length,
      head_commit: s.headCommit ?? null,
      check_runs_url: `${base}/check-suites/${s.id}/check-runs`,
      rerequestable: true,
      runs_rerequestable: true,
    };
    if (extra) out.repository = this.repo(r, { permissions: false });
    return out;
  }

  pullRequestsMinimal(repoKey: string, sha: string): Record<string, unknown>[] {
    const r = this.store.data.repos[repoKey];
    const repoMin = { id: r.id, url: `${this.api}/repos/${r.owner}/${r.name}`, name: r.name };
    return Object.values(this.store.data.issues)
      .filter((i) => i.repo === repoKey && i.pull && i.state === "open" && i.pull.headSha === sha)
      .map((i) => ({
        id: i.id,
        number: i.number,
        url: `${this.api}/repos/${r.owner}/${r.name}/pulls/${i.number}`,
        head: { ref: i.pull!.headRef, sha: i.pull!.headSha, repo: repoMin },
        base: { ref: i.pull!.baseRef, sha: i.pull!.baseSha, repo: repoMin },
      }));
  }

  checkRun(c: CheckRunRec): Record<string, unknown> {
    const r = this.store.data.repos[c.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    return {
      id: c.id,
      head_sha: c.headSha,
      node_id: nodeId("CheckRun", c.id),
      external_id: c.externalId,
      url: `${base}/check-runs/${c.id}`,
      html_url: `${this.web}/${r.owner}/${r.name}/runs/${c.id}`,
      details_url: c.detailsUrl ?? `${this.web}/${r.owner}/${r.name}/runs/${c.id}`,
      status: c.status,
      conclusion: c.conclusion,
      started_at: c.startedAt,
      completed_at: c.completedAt,
      output: { ...c.output, annotations_url: `${base}/check-runs/${c.id}/annotations` },
      name: c.name,
      check_suite: { id: c.suiteId },
      app: c.appId ? this.app(this.store.data.apps[String(c.appId)]) : null,
      pull_requests: this.pullRequestsMinimal(c.repo, c.headSha),
    };
  }

  status(s: StatusRec): Record<string, unknown> {
    const r = this.store.data.repos[s.repo];
    return {
      url: `${this.api}/repos/${r.owner}/${r.name}/statuses/${s.sha}`,
      avatar_url: null,
      id: s.id,
      node_id: nodeId("StatusContext", s.id),
      state: s.state,
      description: s.description,
      target_url: s.targetUrl,
      context: s.context,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      creator: this.user(s.creator),
    };
  }

  deployment(d: DeploymentRec): Record<string, unknown> {
    const r = this.store.data.repos[d.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    return {
      url: `${base}/deployments/${d.id}`,
      id: d.id,
      node_id: nodeId("Deployment", d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload ?? {},
      original_environment: d.environment,
      environment: d.environment,
      description: d.description,
      creator: this.user(d.creator),
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      statuses_url: `${base}/deployments/${d.id}/statuses`,
      repository_url: base,
      transient_environment: d.transient,
      production_environment: d.production,
      performed_via_github_app: null,
    };
  }

  deploymentStatus(s: DeploymentStatusRec): Record<string, unknown> {
    const r = this.store.data.repos[s.repo];
    const base = `${this.api}/repos/${r.owner}/${r.name}`;
    return {
      url: `${base}/deployments/${s.deploymentId}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId("DeploymentStatus", s.id),
      state: s.state,
      creator: this.user(s.creator),
      description: s.description,
      environment: s.environment,
      target_url: s.logUrl || `${this.web}/${r.owner}/${r.name}/deployments`,
      ...(s.logUrl ? { log_url: s.logUrl } : {}),
      ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
      created_at: s.createdAt,
      updated_at: s.createdAt,
      deployment_url: `${base}/deployments/${s.deploymentId}`,
      repository_url: base,
      performed_via_github_app: null,
    };
  }
}

export function key(r: { owner: string; name: string }): string {
  return `${r.owner}/${r.name}`.toLowerCase();
}

export function suiteConclusion(cs: (string | null)[]): string {
  for (const bad of ["action_required", "cancelled", "timed_out", "failure"])
    if (cs.includes(bad)) return bad === "action_required" ? "action_required" : "failure";
  if (cs.every((c) => c === "skipped")) return "skipped";
  if (cs.every((c) => c === "neutral" || c === "skipped")) return "neutral";
  return "success";
}
