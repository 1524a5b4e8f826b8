// What a change's page shows from GitHub, asked through the app's own installation client
// (app/github/repo.ts): the PR (its body is the agent's summary), its files with their
// patches, the check runs on the head with their output and annotations, commit statuses,
// reviews, and the deployments of the merge commit with their statuses.
import { performance } from "node:perf_hooks";
import type { AppEvents } from "../events.ts";
import type { RepoClient } from "../github/repo.ts";
import type { ChangeRow } from "../store/changes.ts";
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

export interface ChangeOnGitHub {
  pull: PullView | null;
  deployments: DeploymentView[] | null;
}

export interface DeploymentView {
  id: number;
  sha: string;
  task: string;
  environment: string;
  statuses: { state: string; description: string }[];
}

/** A PR's files with their patches, by base and head commit: they never change for the same pair. */
const filesCache = new Map<string, DiffFile[]>();
const FILES_CACHE_SIZE = 200;

async function filesOf(gh: RepoClient, number: number, base: string, head: string): Promise<DiffFile[]> {
  const key = `${gh.owner}/${gh.repo}#${number}:${base}..${head}`;
  const hit = filesCache.get(key);
  if (hit) return hit;
  const { octokit, owner, repo } = gh;
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: number, per_page: 100 });
  const out = await Promise.all(
    files.map(async (f) => ({
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      patch: f.patch ?? (await patchOf(gh, f.previous_filename ?? f.filename, f.filename, base, head)),
    })),
  );
  if (filesCache.size >= FILES_CACHE_SIZE) filesCache.delete(filesCache.keys().next().value!);
  filesCache.set(key, out);
  return out;
}

async function checkRunsOf(gh: RepoClient, sha: string): Promise<CheckRunView[]> {
  const { octokit, owner, repo } = gh;
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { owner, repo, ref: sha, per_page: 100 });
  return Promise.all(
    runs.map(async (run) => {
      const annotations = run.output.annotations_count
        ? await octokit.paginate(octokit.rest.checks.listAnnotations, { owner, repo, check_run_id: run.id, per_page: 100 })
        : [];
      return {
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
      };
    }),
  );
}

/** The PR and what hangs on its head commit, asked for side by side (the files once per commit pair). */
export async function pullView(gh: RepoClient, number: number): Promise<PullView> {
  const { octokit, owner, repo } = gh;
  const r = { owner, repo };
  const { data: pr } = await octokit.rest.pulls.get({ ...r, pull_number: number });
  const [files, checkRuns, combined, reviews] = await Promise.all([
    filesOf(gh, number, pr.base.sha, pr.head.sha),
    checkRunsOf(gh, pr.head.sha),
    octokit.rest.repos.getCombinedStatusForRef({ ...r, ref: pr.head.sha, per_page: 100 }).then((x) => x.data),
    gh.reviews(number),
  ]);
  return {
    title: pr.title,
    body: pr.body ?? "",
    url: pr.html_url,
    state: pr.state,
    merged: Boolean(pr.merged),
    headSha: pr.head.sha,
    repoUrl: pr.base.repo.html_url,
    files,
    checkRuns,
    statuses: combined.statuses.map((s) => ({
      context: s.context,
      state: s.state,
      description: s.description ?? null,
      url: s.target_url ?? null,
    })),
    reviews,
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

/**
 * What a change's page shows from GitHub, kept per change for `ttlMs` and dropped as soon as
 * the app hears that the change moved (a check, a review, a merge, a deployment all move it:
 * the webhooks that report them end in the events this listens to), so a page shown again is
 * not a round of GitHub requests, and never older than what the app knows.
 */
export class GitHubViews {
  readonly #cache = new Map<string, { key: string; at: number; view: Promise<ChangeOnGitHub> }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(events: AppEvents, ttlMs = 10_000, now: () => number = () => performance.now()) {
    this.#ttlMs = ttlMs;
    this.#now = now;
    const drop = (p: object) => {
      if ("changeId" in p && typeof p.changeId === "string") this.#cache.delete(p.changeId);
      else this.#cache.clear();
    };
    for (const name of ["reported", "merged", "pr-closed", "deployed", "revert-queued", "resumed"] as const) events.on(name, drop);
    events.on("progress", ({ event }) => this.#cache.delete(event.changeId));
  }

  of(gh: RepoClient, c: ChangeRow): Promise<ChangeOnGitHub> {
    const key = `${c.prNumber ?? ""}:${c.mergeSha ?? ""}`;
    const hit = this.#cache.get(c.id);
    if (hit && hit.key === key && this.#now() - hit.at < this.#ttlMs) return hit.view;
    const view = Promise.all([c.prNumber ? pullView(gh, c.prNumber) : null, c.mergeSha ? deploymentsView(gh, c.mergeSha) : null]).then(
      ([pull, deployments]) => ({ pull, deployments }),
    );
    view.catch(() => this.#cache.delete(c.id)); // a failure is not kept
    if (this.#cache.size >= 500) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(c.id, { key, at: this.#now(), view });
    return view;
  }
}
