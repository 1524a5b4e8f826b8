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
import { LATE } from "./budget.ts";
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

/** A PR's files with their patches, by PR and head commit: they never change for the same head. */
const filesCache = new Map<string, DiffFile[]>();
const FILES_CACHE_SIZE = 200;
const filesKey = (gh: RepoClient, number: number, head: string) => `${gh.owner}/${gh.repo}#${number}@${head}`;

/**
 * The PR's files on `head`, listed at once (beside the PR itself); a patch GitHub left out is
 * made from the file's versions at `base` and `head`, which is why `pr` (for the base) is
 * awaited only then.
 */
async function filesOf(gh: RepoClient, number: number, head: string, pr: Promise<{ base: string }>): Promise<DiffFile[]> {
  const key = filesKey(gh, number, head);
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
      patch: f.patch ?? (await patchOf(gh, f, (await pr).base, head)),
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

/** What hangs on a head commit: its check runs (with annotations) and commit statuses. */
const onHead = (gh: RepoClient, sha: string) =>
  Promise.all([
    checkRunsOf(gh, sha),
    gh.octokit.rest.repos.getCombinedStatusForRef({ owner: gh.owner, repo: gh.repo, ref: sha, per_page: 100 }).then((x) => x.data),
  ]);

/**
 * The PR and what hangs on its head commit, all asked for side by side: with the head the app
 * already knows (`knownHead`, the store's), the files, checks and statuses do not wait for the
 * PR; they are asked again only if the PR has moved on since. The files once per head commit.
 */
export async function pullView(gh: RepoClient, number: number, knownHead?: string | null): Promise<PullView> {
  const { octokit, owner, repo } = gh;
  const prAsked = octokit.rest.pulls.get({ owner, repo, pull_number: number }).then((x) => x.data);
  const shas = prAsked.then((pr) => ({ base: pr.base.sha }));
  shas.catch(() => undefined); // a failed PR is reported by `await prAsked` below
  const reviewsAsked = gh.reviews(number);
  const early = knownHead ? Promise.all([filesOf(gh, number, knownHead, shas), onHead(gh, knownHead)]) : null;
  // An early answer for a head the PR has left is dropped, never left unhandled.
  early?.catch(() => undefined);
  reviewsAsked.catch(() => undefined);
  const pr = await prAsked;
  const [files, [checkRuns, combined]] =
    early && pr.head.sha === knownHead ? await early : await Promise.all([filesOf(gh, number, pr.head.sha, shas), onHead(gh, pr.head.sha)]);
  const reviews = await reviewsAsked;
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

/**
 * The file's diff made from its two versions, when GitHub's list left `patch` out (a binary
 * file stays without). An added file has no old version and a removed one no new one: those
 * are not asked for.
 */
async function patchOf(
  gh: RepoClient,
  f: { filename: string; status: string; previous_filename?: string },
  base: string,
  head: string,
): Promise<string | undefined> {
  const [before, after] = await Promise.all([
    f.status === "added" ? null : gh.readFile(f.previous_filename ?? f.filename, base),
    f.status === "removed" ? null : gh.readFile(f.filename, head),
  ]);
  if (before?.includes("\0") || after?.includes("\0")) return undefined;
  return unifiedPatch(before ?? "", after ?? "") ?? undefined;
}

/** How a GitHubViews finds a change and the client to ask GitHub with (the app's context). */
export interface ViewSource {
  change(id: string): ChangeRow | null;
  client(): Promise<RepoClient>;
  /** Background work the app waits for when it goes idle or closes (the prefetches). */
  track(work: Promise<unknown>): void;
}

interface Kept {
  key: string;
  /** When GitHub was asked for `view`. */
  at: number;
  view: Promise<ChangeOnGitHub>;
  /** Its answer once it came (what a stale-while-asking load shows). */
  settled?: ChangeOnGitHub;
  /** A newer answer being asked for in the background. */
  refreshing?: boolean;
  /** GitHub failed (then `at` is when): a load soon after shows the failure rather than waiting again. */
  failed?: boolean;
}

/** How long a failed answer is shown as it is before GitHub is asked again. */
const FAILURE_KEPT_MS = 5_000;

/**
 * What a change's page shows from GitHub, kept per change, so that showing a page does not
 * wait for a round of GitHub requests (several, partly one after another: 0.2–0.5 s on the
 * stand-in, more on GitHub):
 * - When the app hears that a change moved (a check, a review, a merge, a deployment: the
 *   webhooks that report them end in the events this listens to), what was kept is dropped at
 *   once — a page never shows less than the app knows — and, for a change with a pull request
 *   that someone looked at, or whose pull request appeared, in the last `watchMs`, asked for
 *   again in the background, so the next load finds it ready.
 * - Older than `ttlMs` without such an event (something the app does not hear of, such as an
 *   edited description): the kept answer is shown and a fresh one asked for; when it differs,
 *   `onRefreshed` listeners are told (the console's event stream makes open pages reload it).
 *   Older than `maxStaleMs`, the load waits for GitHub.
 * - A page waits for GitHub only until its deadline (`forPage`): past it, the page shows what
 *   the store knows, and `onRefreshed` listeners are told when the answer lands.
 */
export class GitHubViews {
  readonly #cache = new Map<string, Kept>();
  readonly #lookedAt = new Map<string, number>();
  readonly #listeners = new Set<(changeId: string) => void>();
  /** Background asks not started yet (this turn's events are still landing). */
  readonly #scheduled = new Set<string>();
  /** Background asks not finished, by change (what `ready` awaits). */
  readonly #pending = new Map<string, Promise<void>>();
  /** What pages went out without (`what:changeId`): listeners are told when it lands. */
  readonly #awaited = new Set<string>();
  /** When each change's pull request appeared (it counts as looked at from then: reviewers come). */
  readonly #prSeen = new Map<string, number>();
  readonly #source: ViewSource | null;
  readonly #ttlMs: number;
  readonly #maxStaleMs: number;
  readonly #watchMs: number;
  readonly #now: () => number;

  constructor(
    events: AppEvents,
    source: ViewSource | null = null,
    o: { ttlMs?: number; maxStaleMs?: number; watchMs?: number; now?: () => number } = {},
  ) {
    this.#source = source;
    this.#ttlMs = o.ttlMs ?? 10_000;
    this.#maxStaleMs = o.maxStaleMs ?? 600_000;
    this.#watchMs = o.watchMs ?? 600_000;
    this.#now = o.now ?? (() => performance.now());
    const watched = (id: string) =>
      this.#now() - Math.max(this.#lookedAt.get(id) ?? -Infinity, this.#prSeen.get(id) ?? -Infinity) < this.#watchMs;
    const moved = (id: string | undefined, newPr = false) => {
      if (id === undefined) {
        // Anything may have moved (the app resumed, at start too): the watched ones are asked again.
        const kept = [...this.#cache.keys()];
        this.#cache.clear();
        for (const k of kept) if (watched(k)) this.#prefetch(k);
        return;
      }
      this.#cache.delete(id);
      if (newPr || watched(id)) this.#prefetch(id);
    };
    const idOf = (p: object) => ("changeId" in p && typeof p.changeId === "string" ? p.changeId : undefined);
    for (const name of ["reported", "merged", "pr-closed", "deployed", "revert-queued", "resumed"] as const)
      events.on(name, (p: object) => moved(idOf(p)));
    // every replica's progress (a PR another replica opened, too)
    events.on("progress-feed", ({ event }) => {
      const newPr = event.prUrl !== undefined && !this.#prSeen.has(event.changeId);

      if (newPr) {
        this.#prSeen.set(event.changeId, this.#now());
        if (this.#prSeen.size > 1000) this.#prSeen.delete(this.#prSeen.keys().next().value!);
      }
      moved(event.changeId, newPr);
    });
  }

  /** Asks for these changes' views in the background (at start: the changes in flight). */
  warm(ids: readonly string[]): void {
    for (const id of ids) {
      // In flight at start: watched as if its pull request had just appeared.
      if (!this.#prSeen.has(id)) this.#prSeen.set(id, this.#now());
      this.#prefetch(id);
    }
  }

  /** Called with a change's id when a background answer differs from what was shown. */
  onRefreshed(listener: (changeId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The view if it comes before `late` (a page's deadline), else LATE: the page goes out without
   * it, and `onRefreshed` listeners are told when it lands (or fails), so open pages fetch
   * themselves again. A failure before the deadline rejects.
   */
  async forPage(client: Promise<RepoClient>, c: ChangeRow, late: Promise<typeof LATE>): Promise<ChangeOnGitHub | typeof LATE> {
    const asked = client.then((gh) => this.of(gh, c));
    const first = await Promise.race([asked, late]);
    if (first !== LATE) return first;
    this.tellWhenDone(c.id, asked);
    return LATE;
  }

  /**
   * Tells `onRefreshed` listeners about the change once `work` (that a page went out without:
   * `what` names it, e.g. the PR's view or the policy) is done; once per change and `what`.
   */
  tellWhenDone(changeId: string, work: Promise<unknown>, what = "view"): void {
    const key = `${what}:${changeId}`;
    if (this.#awaited.has(key)) {
      work.catch(() => undefined); // told by the load that came first
      return;
    }
    this.#awaited.add(key);
    const told = () => {
      this.#awaited.delete(key);
      for (const l of this.#listeners) l(changeId);
    };
    work.then(told, told);
  }

  /**
   * Resolves once the change's view is kept — answered or failed — asking for it in the
   * background if nothing is kept or asked for: how a test or the bench awaits the warm-up.
   */
  async ready(id: string): Promise<void> {
    if (!this.#cache.has(id) && !this.#pending.has(id)) this.#prefetch(id);
    await this.#pending.get(id);
    await this.#cache.get(id)?.view.then(
      () => undefined,
      () => undefined,
    );
  }

  of(gh: RepoClient, c: ChangeRow): Promise<ChangeOnGitHub> {
    const now = this.#now();
    this.#lookedAt.set(c.id, now);
    if (this.#lookedAt.size > 1000) this.#lookedAt.delete(this.#lookedAt.keys().next().value!);
    const key = keyOf(c);
    const hit = this.#cache.get(c.id);
    if (hit?.failed) {
      if (hit.key === key && now - hit.at < FAILURE_KEPT_MS) return hit.view;
    } else if (hit && hit.key === key) {
      const age = now - hit.at;
      if (age < this.#ttlMs) return hit.view;
      if (hit.settled && age < this.#maxStaleMs) {
        if (!hit.refreshing) {
          hit.refreshing = true;
          const before = JSON.stringify(hit.settled);
          void this.#ask(gh, c).then(
            (fresh) => {
              if (JSON.stringify(fresh) !== before) for (const l of this.#listeners) l(c.id);
            },
            () => undefined, // the kept answer stays; the next load asks again
          );
        }
        return Promise.resolve(hit.settled);
      }
    }
    return this.#ask(gh, c);
  }

  /** Asks GitHub now and keeps the answer (a failure for FAILURE_KEPT_MS). */
  #ask(gh: RepoClient, c: ChangeRow): Promise<ChangeOnGitHub> {
    const view = Promise.all([
      c.prNumber ? pullView(gh, c.prNumber, c.headSha) : null,
      c.mergeSha ? deploymentsView(gh, c.mergeSha) : null,
    ]).then(([pull, deployments]) => ({ pull, deployments }));
    const kept: Kept = { key: keyOf(c), at: this.#now(), view };
    view.then(
      (v) => (kept.settled = v),
      () => {
        kept.failed = true;
        kept.at = this.#now();
      },
    );
    if (this.#cache.size >= 500 && !this.#cache.has(c.id)) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(c.id, kept);
    return view;
  }

  /** Asks for a change's view in the background once the events of this turn have landed. */
  #prefetch(id: string): void {
    const source = this.#source;
    if (!source || this.#scheduled.has(id)) return;
    this.#scheduled.add(id);
    const later = new Promise<void>((resolve) => setImmediate(resolve));
    const work = later.then(async () => {
      this.#scheduled.delete(id); // a move from now on asks again
      const c = source.change(id);
      if (!c?.prNumber || this.#cache.has(id)) return;
      // GitHub cannot be asked now: the page asks when it is opened.
      const gh = await source.client().catch(() => null);
      if (gh) await this.#ask(gh, c).catch(() => undefined);
    });
    const done: Promise<void> = work.finally(() => {
      if (this.#pending.get(id) === done) this.#pending.delete(id);
    });
    this.#pending.set(id, done);
    source.track(done);
  }
}

const keyOf = (c: ChangeRow) => `${c.prNumber ?? ""}:${c.mergeSha ?? ""}`;
