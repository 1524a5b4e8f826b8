// Policy as the app reads it: ALWAYS from the default branch (never a PR head), through the
// same loader as the checker. A policy that fails to load leaves the switches at their seed
// defaults and turns automerge off (fail closed), and the reason is logged and shown.
import { loadPolicy } from "../policy-engine/policy/load.ts";
import { policySchema } from "../policy-engine/policy/schema.ts";
import type { Policy } from "../policy-engine/policy/schema.ts";
import { evaluate } from "../policy-engine/engine.ts";
import { readChangeSet } from "../policy-engine/git.ts";
import { readPolicyFilesAtRef } from "../policy-engine/policy-files.ts";
import type { Verdict } from "../policy-engine/types.ts";
import type { RepoClient } from "./github/repo.ts";

export type { Policy };

export interface EffectivePolicy {
  policy: Policy;
  /** Set when the default branch's policy did not load. */
  error?: string;
  sha: string;
}

export const DEFAULT_POLICY: Policy = policySchema.parse({});

/** The default branch's policy, re-read when the branch moves (checked at most every `ttlMs`). */
export class PolicyCache {
  private cached: EffectivePolicy | null = null;
  private checkedAt = -Infinity;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs = 2000, now: () => number = () => performance.now()) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  async get(client: RepoClient): Promise<EffectivePolicy> {
    if (this.cached && this.now() - this.checkedAt < this.ttlMs) return this.cached;
    const branch = await client.defaultBranch();
    this.checkedAt = this.now();
    if (this.cached?.sha === branch.sha) return this.cached;
    const files = await client.readDir("policies", branch.sha);
    this.cached = fromFiles(files, branch.sha);
    return this.cached;
  }
}

export function fromFiles(files: { path: string; text: string }[], sha: string): EffectivePolicy {
  const loaded = loadPolicy(files);
  if (loaded.ok) return { policy: loaded.policy, sha };
  return {
    policy: DEFAULT_POLICY,
    sha,
    error: loaded.errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ""}: ${e.message}`).join("; "),
  };
}

/** The verdict on `head` judged by the policy at `base` (both commits in the clone `dir`). */
export function verdictFor(dir: string, base: string, head: string, facts: { author: string; labels: string[] }): Verdict {
  const loaded = loadPolicy(readPolicyFilesAtRef(dir, base));
  return evaluate(readChangeSet(dir, base, head), loaded, { ...facts, selfEdit: true });
}
