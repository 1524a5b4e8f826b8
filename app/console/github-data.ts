// What a change's page shows from GitHub, asked through the app's own installation client
// (app/github/repo.ts): the PR (its body is the agent's summary), its files with their
// patches, the check runs on the head with their output and annotations, commit statuses,
// reviews, and the deployments of the merge commit with their statuses.
import type { RepoClient } from "../github/repo.ts";
import type { Review } from "../review/merge-gate.ts";
import type { DiffFile } from "./diff.ts";
import { unifiedPatch } from "./patch.ts";

export interface CheckRunView {
  name: string;
  status: string;
  conclusion: string | null;
  url: string | null;
  title: string | null;
  summary: string | null;
  annotations: { path: string; line: number; level: string; title: string | null; message: string }[];
}

export interface PullView {
  title: string;
  body: string;
  url: string;
  state: string;
  merged: boolean;
  headSha: string;
  repoUrl: string;
  files: DiffFile[];
  checkRuns: CheckRunView[];
  statuses: { context: string; state: string; description: string | null; url: string | null }[];
  reviews: Review[];
}

export interface DeploymentView {
  id: number;
  sha: string;
  task: string;
  environment: string;
  statuses: { state: string; description: string }[];
}

export async function pullView(gh: RepoClient, number: number): Promise<PullView> {
  const { octokit, owner, repo } = gh;
  const r = { owner, repo };
  const { data: pr } = await octokit.rest.pulls.get({ ...r, pull_number: number });
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...r, pull_number: number, per_page: 100 });
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { ...r, ref: pr.head.sha, per_page: 100 });
  const checkRuns: CheckRunView[] = [];
  for (const run of runs) {
    const annotations = run.output.annotations_count
      ? await octokit.paginate(octokit.rest.checks.listAnnotations, { ...r, check_run_id: run.id, per_page: 100 })
      : [];
    checkRuns.push({
      name: run.name,
      status: run.status,
      conclusion: run.conclusion ?? null,
      url: run.html_url ?? null,
      title: run.output.title ?? null,
      summary: run.output.summary ?? null,
      annotations: annotations.map((a) => ({
        path: a.path,
        line: a.start_line,
        level: a.annotation_level ?? "notice",
        title: a.title ?? null,
        message: a.message ?? "",
      })),
    });
  }
  const combined = (await octokit.rest.repos.getCombinedStatusForRef({ ...r, ref: pr.head.sha, per_page: 100 })).data;
  return {
    title: pr.title,
    body: pr.body ?? "",
    url: pr.html_url,
    state: pr.state,
    merged: Boolean(pr.merged),
    headSha: pr.head.sha,
    repoUrl: pr.base.repo.html_url,
    files: await Promise.all(
      files.map(async (f) => ({
        filename: f.filename,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        patch: f.patch ?? (await patchOf(gh, f.previous_filename ?? f.filename, f.filename, pr.base.sha, pr.head.sha)),
      })),
    ),
    checkRuns,
    statuses: combined.statuses.map((s) => ({
      context: s.context,
      state: s.state,
      description: s.description ?? null,
      url: s.target_url ?? null,
    })),
    reviews: await gh.reviews(number),
  };
}

export async function deploymentsView(gh: RepoClient, sha: string): Promise<DeploymentView[]> {
  const list = await gh.deploymentsOf(sha);
  return Promise.all(list.map(async (d) => ({ ...d, statuses: await gh.deploymentStatuses(d.id) })));
}

/** The file's diff made from its two versions, when GitHub's list left `patch` out (a binary file stays without). */
async function patchOf(gh: RepoClient, oldPath: string, newPath: string, base: string, head: string): Promise<string | undefined> {
  const [before, after] = await Promise.all([gh.readFile(oldPath, base), gh.readFile(newPath, head)]);
  if (before?.includes("\0") || after?.includes("\0")) return undefined;
  return unifiedPatch(before ?? "", after ?? "") ?? undefined;
}
