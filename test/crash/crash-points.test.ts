// Crash at any point, lose nothing. The app runs as its own process; at each crash point it is
// killed with SIGKILL — just before a GitHub write (the proxy never forwards it) or just after
// it (GitHub made it, the answer never reached the app), or just before or after the first
// store write of each kind (the process kills itself) — then
// started again on the same data directory, and the world runs until the change settles.
// After that: exactly one tracking issue, one pull request (closing the issue), one deployment
// per merge, the change in its final state, the requester told "accepted" with the issue and
// told the final state once, the audit trail complete; for a failed deployment, one revert PR
// deployed and one breaker count.
//
// The points are listed below; a dry run checks the list is what the flows really do, and a
// GitHub write the app can make that has neither a point nor a stated reason fails the test.
import { readFileSync } from "node:fs";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describePoint, pointsOf } from "./points.ts";
import { startCrashWorld } from "./world.ts";
import type { CrashPoint, CrashWorld, Flow, Outcome } from "./world.ts";

const both = (kind: CrashPoint["kind"], label: string, nth = 1): CrashPoint[] => [
  { kind, label, nth, when: "before" },
  { kind, label, nth, when: "after" },
];

/** request → tracking issue → progress comment → branch → PR → label → merge → deployment → deployed. */
const DEPLOY: CrashPoint[] = [
  ...both("github", "POST issues [change]"),
  ...both("github", "POST issues/:n/comments [progress]"),
  ...both("github", "PATCH issues/comments/:n [progress]"),
  ...both("github", "git push"),
  ...both("github", "POST pulls [change]"),
  ...both("github", "POST issues/:n/labels"),
  ...both("github", "PUT pulls/:n/merge"),
  ...both("github", "POST deployments"),
  ...both("store", "INSERT changes"),
  ...both("store", "UPDATE changes"),
  ...both("store", "INSERT audit"),
  ...both("store", "INSERT progress"),
  ...both("store", "INSERT keys"),
  ...both("store", "INSERT deliveries"),
  ...both("store", "INSERT kv"),
];

/** The deployment fails → revert branch → revert PR → label → merge → the revert's deployment. */
const REVERT: CrashPoint[] = [
  ...both("github", "git push", 2),
  ...both("github", "POST pulls [change]", 2),
  ...both("github", "POST issues/:n/labels", 2),
  ...both("github", "PUT pulls/:n/merge", 2),
  ...both("github", "POST deployments", 2),
];

/** GitHub writes the app can make that these two flows do not, and why they need no point here. */
const ELSEWHERE: Record<string, string> = {
  "PATCH issues/:n":
    "closing or editing an issue: the dashboard (rewritten from the store) and the cancelled-request path, covered by test/app tests",
  "PATCH pulls/:n": "a PR found again after a crash is updated in place (the after-`POST pulls` point exercises it)",
  "POST pulls/:n/requested_reviewers": "asked again for each head commit until recorded (review/merge gate tests)",
  "PUT pulls/:n/reviews/:n/dismissals": "a stale approval is dismissed again on the next gate pass (test/app/approvals.test.ts)",
  "POST statuses/:sha": "the votes status is set again by the next vote or gate pass (votes tests)",
};

/** Every write the app's GitHub client can make, as `METHOD route` (from Octokit's own endpoint table). */
function clientWrites(): string[] {
  const source = readFileSync(new URL("../../app/github/repo.ts", import.meta.url), "utf8");
  const kit = new Octokit() as unknown as {
    rest: Record<string, Record<string, { endpoint: { DEFAULTS: { method: string; url: string } } }>>;
  };
  const out = new Set<string>();
  for (const [, ns, method] of source.matchAll(/octokit\.rest\.(\w+)\.(\w+)/g)) {
    const { method: verb, url } = kit.rest[ns][method].endpoint.DEFAULTS;
    if (verb === "GET") continue;
    const route = url
      .replace(/^\/repos\/\{owner\}\/\{repo\}/, "")
      .split("/")
      .filter(Boolean)
      .map((s) => (/^\{(sha|ref)\}$/.test(s) ? ":sha" : /^\{.*\}$/.test(s) ? ":n" : s))
      .join("/");
    out.add(`${verb} ${route}`);
  }
  return [...out, "git push"];
}

let w: CrashWorld;
const dry: Partial<Record<Flow, Outcome>> = {};
beforeAll(async () => {
  w = await startCrashWorld();
  dry.deploy = await w.run("deploy");
  dry.revert = await w.run("revert");
}, 300_000);
afterAll(async () => {
  await w?.close();
});

describe("the crash points", () => {
  it("the flows run whole without a crash, and the list above is every lifecycle write they make", () => {
    expect(dry.deploy!.broken).toEqual([]);
    expect(dry.revert!.broken).toEqual([]);
    const found = pointsOf(dry.deploy!, dry.revert!);
    const key = (p: CrashPoint) => describePoint(p);
    expect(found.deploy.map(key).sort()).toEqual(DEPLOY.map(key).sort());
    expect(found.revert.map(key).sort()).toEqual(REVERT.map(key).sort());
  });

  it("every GitHub write the app's client can make has a crash point or a stated reason", () => {
    const covered = new Set([...DEPLOY, ...REVERT].filter((p) => p.kind === "github").map((p) => p.label.replace(/ \[\w+\]$/, "")));
    const missing = clientWrites().filter((w) => !covered.has(w) && !(w in ELSEWHERE));
    expect(missing).toEqual([]);
  });
});

describe.each([
  ["deploy", DEPLOY],
  ["revert", REVERT],
] as const)("killed in the %s flow", (flow, points) => {
  it.each(points.map((p) => [describePoint(p), p] as const))("%s: recovered", async (_name, point) => {
    const o = await w.run(flow, point);
    expect(o.crashed, "the flow never reached this point").toBe(true);
    expect(o.broken).toEqual([]);
  });
});
