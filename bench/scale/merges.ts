// The people around the scale bench's pull requests, through the GitHub stand-in's API: CI,
// which reports every head commit of an Ouro PR green (the bench measures the app, not the
// tests), and a maintainer, who merges a PR once the app itself has seen its checks pass (the
// change is in `review`) — as local mode's demo and the e2e tests merge. Every recipe PR adds
// a line to the same plugin registry, so each merge makes the other open PRs conflict; the
// app redoes those on the new base (or closes them when its redo budget is spent), and the
// maintainer merges the redone heads in turn. A merge that GitHub refuses (a conflict not yet
// redone, a head that moved) is tried again when the head or main moves.
import type { GitHubStandIn } from "../../local/github/index.ts";

interface Json {
  [k: string]: unknown;
}

export const CI_LOGIN = "bench-ci";
export const MAINTAINER_LOGIN = "bench-maintainer";

export interface MergedPr {
  number: number;
  /** The merge commit on main: what the app's deployment must be for. */
  sha: string;
  /** When the merge was answered (the maintainer's) or first seen (the app's own). */
  at: number;
  by: "maintainer" | "app";
}

export interface Merges {
  /** One look at the PRs: green the new heads, merge what may be merged. `state` is the app's state of a change. */
  pass(pulls: Json[], state: (id: string) => string | undefined): Promise<void>;
  /** Change id → its merge. */
  merged: Map<string, MergedPr>;
  /** Merges GitHub refused, by reason (e.g. "405 not mergeable"). */
  refused: Map<string, number>;
}

export function mergesFor(gh: GitHubStandIn, repo: string, changeIdOf: (pr: Json) => string | null): Merges {
  gh.driver.setPermission(repo, MAINTAINER_LOGIN, "admin");
  gh.driver.setPermission(repo, CI_LOGIN, "write");
  const ci = gh.driver.user(CI_LOGIN);
  const maintainer = gh.driver.user(MAINTAINER_LOGIN);
  const green = new Set<string>();
  /** `${head}:${main}` pairs a merge was refused on: not tried again until one of them moves. */
  const triedOn = new Set<string>();
  const merged = new Map<string, MergedPr>();
  const refused = new Map<string, number>();

  async function pass(pulls: Json[], state: (id: string) => string | undefined): Promise<void> {
    let main: string | null = null;
    for (const pr of pulls) {
      const id = changeIdOf(pr);
      if (!id || merged.has(id)) continue;
      if (pr.merged_at) {
        // merged by the app's own gate (the policy let it): counted all the same
        merged.set(id, { number: pr.number as number, sha: pr.merge_commit_sha as string, at: Date.now(), by: "app" });
        continue;
      }
      if (pr.state !== "open") continue;
      const head = (pr.head as { sha: string }).sha;
      if (!green.has(head)) {
        await ci.request("POST", `/repos/${repo}/statuses/${head}`, { state: "success", context: "ci/bench", description: "bench CI" });
        green.add(head);
        continue; // the app hears of it by the status event and moves the change to review
      }
      if (state(id) !== "review") continue;
      main ??= (await maintainer.request<{ sha: string }>("GET", `/repos/${repo}/commits/main`)).sha;
      if (triedOn.has(`${head}:${main}`)) continue;
      try {
        const r = await maintainer.merge(repo, pr.number as number, { sha: head });
        merged.set(id, { number: pr.number as number, sha: r.sha as string, at: Date.now(), by: "maintainer" });
        main = r.sha as string;
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status !== 405 && status !== 409) throw err;
        triedOn.add(`${head}:${main}`);
        const why = `${status} ${status === 405 ? "not mergeable" : "head or base moved"}`;
        refused.set(why, (refused.get(why) ?? 0) + 1);
      }
    }
  }

  return { pass, merged, refused };
}
