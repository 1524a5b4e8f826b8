// GitHub Deployments drive the hook: the app creates a deployment (environment
// production) when a change merges; the hook runs it and reports deployment statuses
// (in_progress → success | failure | error). A `failure` status is what makes the app open
// the revert PR (app/lifecycle/deployment.ts); a failure after success (the watch window rolled
// back) is a second status on the same deployment, and so is a later crash loop of the
// release — after a restart of the hook too (statusHooks as the Deployer's deploymentHooks).
// A deployment with task `ouro:rollback` asks for the previous release now (the fast path
// of /rollback and `/ouro revert`).
//
// Two ways in: `poll()` (the hook as its own service: a token with deployments
// read/write, no webhook receiver) or `handle(deployment)` from a `deployment.created`
// webhook handler.
import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { Deployer, DeployResult } from "./deployer.ts";
import type { DeployHooks, DeployState } from "./types.ts";
import { ROLLBACK_TASK } from "../contract/deployments.ts";

export { ROLLBACK_TASK };

export const deploymentSchema = z.object({
  id: z.number().int(),
  sha: z.string(),
  task: z.string().default("deploy"),
  environment: z.string(),
  payload: z.unknown().optional(),
});
export type DeploymentRef = z.infer<typeof deploymentSchema>;

export interface GitHubDeploymentsOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  deployer: Deployer;
  environment?: string;
  /** Extra hooks called beside the statuses (e.g. telling the Discord thread). */
  hooks?: DeployHooks;
  log?: (msg: string, detail?: Record<string, unknown>) => void;
}

/** GitHub's limit on a deployment status description. */
const MAX_DESCRIPTION = 140;

/**
 * A description cut to GitHub's 140 characters in the middle, not at the end: the end says
 * how it ended ("rolled back to …", "nothing is serving"), the start what went wrong.
 */
export function fitDescription(text: string, max = MAX_DESCRIPTION): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

export class GitHubDeployments {
  readonly o: GitHubDeploymentsOptions;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #seen = new Set<number>();
  #timer?: NodeJS.Timeout;
  /** Results of handled deployments, by id (tests, bench). */
  readonly results = new Map<number, DeployResult>();

  constructor(o: GitHubDeploymentsOptions) {
    this.o = o;
  }

  /**
   * Hooks that turn the Deployer's statuses into deployment statuses on `deploymentId`. Also
   * the Deployer's `deploymentHooks`: a restarted hook reports a live release's crash loop on
   * the deployment that put it live (the id is stored with the release).
   */
  statusHooks(deploymentId: number): DeployHooks {
    const { octokit, owner, repo } = this.o;
    const extra = this.o.hooks ?? {};
    return {
      deploymentId,
      onStatus: async (state: DeployState, description: string, ctx) => {
        await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: deploymentId,
          state,
          description: fitDescription(description),
          ...(state === "success" ? { auto_inactive: true } : {}),
        });
        await extra.onStatus?.(state, description, ctx);
      },
      onFailed: (sha, reason) => extra.onFailed?.(sha, reason),
      onLive: (sha, how) => extra.onLive?.(sha, how),
      onDetected: (sha, problem) => extra.onDetected?.(sha, problem),
    };
  }

  /** Runs one deployment (queued behind any running one, so GitHub never sees "busy"). */
  handle(raw: unknown): Promise<DeployResult | null> {
    const d = deploymentSchema.parse(raw);
    const env = this.o.environment ?? "production";
    if (d.environment !== env || this.#seen.has(d.id)) return Promise.resolve(null);
    this.#seen.add(d.id);
    const run = async () => {
      const hooks = this.statusHooks(d.id);
      const r =
        d.task === ROLLBACK_TASK
          ? await this.o.deployer.rollback(hooks, `rollback requested by deployment ${d.id}`)
          : await this.o.deployer.deploy(d.sha, hooks);
      this.results.set(d.id, r);
      this.o.log?.(`deployment ${d.id} (${d.task} ${d.sha.slice(0, 7)}): ${r.state} — ${r.description}`);
      return r;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Handles deployments of the environment that have no status yet, oldest first; older pending ones are superseded. */
  async poll(): Promise<void> {
    const { octokit, owner, repo } = this.o;
    const env = this.o.environment ?? "production";
    const { data } = await octokit.rest.repos.listDeployments({ owner, repo, environment: env, per_page: 20 });
    const fresh: DeploymentRef[] = [];
    for (const raw of data) {
      const d = deploymentSchema.parse(raw);
      if (this.#seen.has(d.id)) continue;
      const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: d.id, per_page: 1 });
      if (statuses.length > 0) {
        this.#seen.add(d.id); // someone (an earlier run) already acted on it
        continue;
      }
      fresh.push(d);
    }
    // Newest first from the API: only the newest plain deploy matters; rollbacks always run.
    const newestDeploy = fresh.find((d) => d.task !== ROLLBACK_TASK);
    for (const d of fresh.reverse()) {
      if (d.task !== ROLLBACK_TASK && d !== newestDeploy) {
        this.#seen.add(d.id);
        await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: d.id,
          state: "inactive",
          description: `superseded by deployment ${newestDeploy!.id}`,
        });
        continue;
      }
      await this.handle(d);
    }
  }

  /** Polls every `intervalMs` until stop(). */
  start(intervalMs = 2000): void {
    const tick = async () => {
      try {
        await this.poll();
      } catch (err) {
        this.o.log?.("polling deployments failed", { err: (err as Error).message });
      }
      if (this.#timer) this.#timer = setTimeout(() => void tick(), intervalMs);
    };
    this.#timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#queue;
  }
}
