// What the review pane shows, read from GitHub as the person using it: the pull requests, and
// for one of them its check runs, commit statuses, reviews and comments.
import { GitHubError, type CheckRun, type Comment, type CommitStatus, type GitHubAs, type Pull, type Review } from "./github.ts";

export interface PullDetail {
  pull: Pull;
  runs: CheckRun[];
  statuses: CommitStatus[];
  reviews: Review[];
  comments: Comment[];
}

export type PullState = "open" | "all";

export function listPulls(gh: GitHubAs, login: string, repo: string, state: PullState): Promise<Pull[]> {
  return gh.read<Pull[]>(login, `/repos/${repo}/pulls?state=${state}&per_page=100`, "to list the pull requests");
}

/** The pull request with everything on it, or null if GitHub has none by that number. */
export async function loadPull(gh: GitHubAs, login: string, repo: string, n: number): Promise<PullDetail | null> {
  const a = await gh.call<Pull>(login, "GET", `/repos/${repo}/pulls/${n}`);
  if (a.status === 404) return null;
  if (a.status >= 400) throw new GitHubError(`to show pull request #${n}`, a);
  const pull = a.body;
  const sha = encodeURIComponent(pull.head.sha);
  const [runs, status, reviews, comments] = await Promise.all([
    gh.read<{ check_runs: CheckRun[] }>(login, `/repos/${repo}/commits/${sha}/check-runs?per_page=100`, "to list the check runs"),
    gh.read<{ statuses: CommitStatus[] }>(login, `/repos/${repo}/commits/${sha}/status`, "to show the commit statuses"),
    gh.read<Review[]>(login, `/repos/${repo}/pulls/${n}/reviews?per_page=100`, "to list the reviews"),
    gh.read<Comment[]>(login, `/repos/${repo}/issues/${n}/comments?per_page=100`, "to list the comments"),
  ]);
  return {
    pull,
    runs: [...runs.check_runs].sort((x, y) => x.name.localeCompare(y.name)),
    statuses: status.statuses,
    reviews,
    comments,
  };
}

/** The person's role on the repository as GitHub reports it ("admin", "write", "read", …). */
export async function roleOf(gh: GitHubAs, login: string, repo: string): Promise<string> {
  const a = await gh.call<{ role_name?: string; permission?: string }>(
    login,
    "GET",
    `/repos/${repo}/collaborators/${encodeURIComponent(login)}/permission`,
  );
  return a.status < 400 ? (a.body.role_name ?? a.body.permission ?? "unknown") : "unknown";
}
