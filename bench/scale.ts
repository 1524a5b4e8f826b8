// `npm run bench -- scale`: Ouro scaled out, as issue 15 asks. Every run: the app as real
// `app/main.ts` processes behind one webhook URL and one bot-link URL (a round-robin proxy,
// bench/scale/proxy.ts), the bot as 1 host × 2 shards + 1 host × 1 shard (`bot/shard.ts`),
// the GitHub and Discord stand-ins; N recipe requests (`/feature add-command`, each a new
// command) from U Discord users fired at once; the real agent (no model) writes each one.
// Runs: (a) PostgreSQL, 2 replicas, one SIGKILLed once a third of the PRs exist while it holds a
// change; (b) PostgreSQL, 1 replica (the throughput peer); (c) SQLite, 1 replica (the engine peer).
// Each PR is merged by a maintainer once the app has seen its checks pass (bench CI reports
// every head green), during and after the kill, and the run watches for the app's deployment.
// The deploy hook does not run: a release restarts the shards that are still answering the
// requests, and each merged commit would be a release (dependencies, health gate) — its cost
// is bench/deploy.ts's to measure; here the figure is whether each merge got one deployment.
// Figures: requests lost, duplicate tracking issues, PRs and deployments (from GitHub), merged
// PRs without a deployment, takeover time after the kill (from the store's audit log),
// throughput 2 replicas vs 1, request → PR p50/p99, fired → the bot's first interaction
// callback p50/p99 and how many came past Discord's 3 s (from the Discord stand-in).
// Knobs: OURO_BENCH_SCALE_REQUESTS (200), OURO_BENCH_SCALE_USERS (50), OURO_BENCH_SCALE_RUNS
// ("a,b,c"), OURO_BENCH_SCALE_STALL_S (300: a run stops when nothing moved for this long),
// OURO_BENCH_SCALE_MERGE (1; 0: stop at the PR, as before merges were measured),
// OURO_BENCH_SCALE_KEEP=1 (keep the runs' directories and logs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportHead } from "../local/mode/seed.ts";
import { figure, percentile, report, round, type Figure } from "./report.ts";
import { startPostgres, type Postgres } from "./scale/postgres.ts";
import { runScale, type RunResult } from "./scale/run.ts";
import { raiseLimits, ROOT } from "./scale/world.ts";

const whole = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench scale: ${name} must be a whole number ≥ ${min} (got "${raw}")`);
    process.exit(2);
  }
  return n;
};

const REQUESTS = whole("OURO_BENCH_SCALE_REQUESTS", 200, 3);
const USERS = whole("OURO_BENCH_SCALE_USERS", 50, 1);
const STALL_MS = whole("OURO_BENCH_SCALE_STALL_S", 300, 10) * 1000;
const KEEP = process.env.OURO_BENCH_SCALE_KEEP === "1";
const MERGE = (process.env.OURO_BENCH_SCALE_MERGE ?? "1").trim() || "1";
if (MERGE !== "0" && MERGE !== "1") {
  console.error(
    `bench scale: OURO_BENCH_SCALE_MERGE is 1 (merge the PRs and count deployments) or 0 (stop at the PR) (got "${process.env.OURO_BENCH_SCALE_MERGE}")`,
  );
  process.exit(2);
}
const RUNS = {
  a: { label: "postgres, 2 replicas, one killed", engine: "postgres", replicas: 2, kill: true },
  b: { label: "postgres, 1 replica", engine: "postgres", replicas: 1, kill: false },
  c: { label: "sqlite, 1 replica", engine: "sqlite", replicas: 1, kill: false },
} as const;
type RunName = keyof typeof RUNS;
const chosen = (process.env.OURO_BENCH_SCALE_RUNS ?? "a,b,c").split(",").map((s) => s.trim());
const bad = chosen.filter((r) => !(r in RUNS));
if (bad.length > 0 || chosen.length === 0) {
  console.error(`bench scale: OURO_BENCH_SCALE_RUNS takes a, b and c separated by commas (got "${bad.join(",")}")`);
  process.exit(2);
}
const runs = chosen as RunName[];

const say = (line: string) => console.log(`scale: ${line}`);
say(
  `${REQUESTS} requests from ${Math.min(USERS, REQUESTS)} users, fired at once through the Discord stand-in; runs ${runs.map((r) => `(${r}) ${RUNS[r].label}`).join("; ")}`,
);

say(
  MERGE === "1"
    ? "each PR is merged by a maintainer once the app has seen its checks pass (bench CI reports every head green); the run watches for the app's deployment of each merge; the deploy hook does not run (a release would restart the shards answering the requests)"
    : "OURO_BENCH_SCALE_MERGE=0: each run stops at the PR (no merges, no deployments)",
);
say(
  "each run: app/main.ts replicas (the real agent, no model: recipes) behind a round-robin proxy for webhooks and one for the bot link; bot/shard.ts on 2 hosts (shards 0,1 and 2 of 3); the GitHub and Discord stand-ins; the repository is this checkout's HEAD with its rate limits raised",
);
const root = mkdtempSync(join(tmpdir(), "ouro-bench-scale-"));
const head = exportHead(ROOT);
raiseLimits(head.dir);
let pg: Postgres | null = null;
const results: Partial<Record<RunName, RunResult>> = {};
try {
  for (const name of runs) {
    const spec = RUNS[name];
    if (spec.engine === "postgres") pg ??= await startPostgres();
    const t = Date.now();
    const r = await runScale({
      label: `(${name}) ${spec.label}`,
      dir: join(root, name),
      headDir: head.dir,
      replicas: spec.replicas,
      ...(spec.engine === "postgres" ? { appDatabase: pg!.database(`app_${name}`), botDatabase: pg!.database(`bot_${name}`) } : {}),
      requests: REQUESTS,
      users: Math.min(USERS, REQUESTS),
      ...(spec.kill ? { killAt: 1 / 3 } : {}),
      stallMs: STALL_MS,
      merge: MERGE === "1",
      say,
    });
    results[name] = r;
    describe(r, Date.now() - t);
  }
} finally {
  await pg?.stop();
  rmSync(head.dir, { recursive: true, force: true });
  if (KEEP) say(`runs kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

function describe(r: RunResult, tookMs: number): void {
  const s = (ms: number) => `${round(ms / 1000, 1)} s`;
  const ms = (n: number) => (Number.isNaN(n) ? "none" : `${round(n / 1000, 2)} s`);
  say(`${r.label}: took ${s(tookMs)} in all; first request → last PR ${s(r.wallMs)}`);
  if (r.toPrMs.length > 0)
    say(
      `${r.label}: request → PR p50 ${s(percentile(r.toPrMs, 50))}, p99 ${s(percentile(r.toPrMs, 99))}; a third of the PRs after ${r.firstThirdMs === null ? "never" : s(r.firstThirdMs)}`,
    );
  say(
    `${r.label}: ${r.answered}/${r.requests} answered in Discord; first interaction callback p50 ${ms(percentile(r.firstCallbackMs, 50))}, p99 ${ms(percentile(r.firstCallbackMs, 99))}; ${r.lateCallbacks} past 3 s, ${r.noCallback} never called back; ${r.reachedPr} reached a PR; ${r.ended.length} ended without one; ${r.lost.length} lost`,
  );
  for (const f of r.answerFailures.slice(0, 5)) say(`  answer failed: ${f}`);
  for (const e of r.ended.slice(0, 10)) say(`  ended: ${e.id} ${e.state}: ${e.reason ?? "(no reason)"}`);
  for (const l of r.lost.slice(0, 10)) say(`  lost: ${l.id} (last seen ${l.state})`);
  for (const id of r.progressWithoutPr.slice(0, 10)) say(`  its progress message never showed the PR: ${id}`);
  for (const d of r.duplicateIssues) say(`  DUPLICATE tracking issues: ${d.id} has ${d.count}`);
  for (const d of r.duplicatePrs) say(`  DUPLICATE PRs: ${d.id} has ${d.count}`);
  if (r.kill) {
    say(
      `${r.label}: replica 0 killed at ${r.kill.atPrs} PRs holding ${r.kill.held.join(", ")}; first held change moving again after ${r.kill.takeoverMs === null ? "never" : s(r.kill.takeoverMs)}, all after ${r.kill.allMovedMs === null ? "never" : s(r.kill.allMovedMs)}`,
    );
    for (const a of r.kill.after.slice(0, 12)) say(`  after the kill: ${a.at} ${a.change_id} ${a.event}`);
  }
  say(`${r.label}: proxy answers: webhooks ${JSON.stringify(r.proxies.webhooks)}; bot link ${JSON.stringify(r.proxies.botLink)}`);
  const m = r.merges;
  if (!m) say(`${r.label}: deployments on GitHub: ${r.deployments} (OURO_BENCH_SCALE_MERGE=0: the run stopped at the PR)`);
  else {
    const merged = [...m.merged.values()];
    const byApp = merged.filter((x) => x.by === "app").length;
    say(
      `${r.label}: merged ${merged.length} of ${r.reachedPr} PRs (${merged.length - byApp} by the maintainer, ${byApp} by the app's gate${r.kill ? `; ${m.afterKill} after the kill` : ""}); ${m.closedUnmerged.length} closed unmerged; ${m.stillOpen.length} still open; merges refused: ${JSON.stringify(m.refused)}`,
    );
    say(
      `${r.label}: deployments on GitHub: ${r.deployments}; duplicate deployments ${m.duplicateDeployments.reduce((n, d) => n + d.count - 1, 0)}; merged without a deployment ${m.withoutDeployment.length}; merge → deployment p50 ${ms(percentile(m.mergeToDeploymentMs, 50))}, p99 ${ms(percentile(m.mergeToDeploymentMs, 99))}`,
    );
    for (const c of m.closedUnmerged.slice(0, 10)) say(`  closed unmerged: ${c.id} ${c.state}: ${c.reason ?? "(no reason)"}`);
    for (const c of m.stillOpen.slice(0, 10)) say(`  still open: ${c.id} (${c.state})`);
    for (const d of m.duplicateDeployments) say(`  DUPLICATE deployments: ${d.id} (${d.sha.slice(0, 7)}) has ${d.count}`);
    for (const d of m.withoutDeployment) say(`  MERGED WITHOUT DEPLOYMENT: ${d.id} (${d.sha.slice(0, 7)})`);
  }
  if (KEEP) say(`${r.label}: logs in ${r.logs}`);
}

/** PRs per minute from the first request to a third of them having a PR (both replicas alive in run a). */
const rate = (r: RunResult | undefined) => (r?.firstThirdMs ? Math.ceil(r.requests / 3) / (r.firstThirdMs / 60_000) : undefined);
const figures: Record<string, Figure> = {};
for (const name of runs) {
  const r = results[name];
  if (!r) continue;
  figures[`(${name}) requests lost`] = figure(r.lost.length, "requests", { target: 0 });
  figures[`(${name}) duplicate tracking issues`] = figure(
    r.duplicateIssues.reduce((n, d) => n + d.count - 1, 0),
    "issues",
    { target: 0 },
  );
  figures[`(${name}) duplicate PRs`] = figure(
    r.duplicatePrs.reduce((n, d) => n + d.count - 1, 0),
    "PRs",
    { target: 0 },
  );
  figures[`(${name}) requests not answered in Discord`] = figure(r.requests - r.answered, "requests", { target: 0 });
  figures[`(${name}) first interaction callback p50`] = figure(percentile(r.firstCallbackMs, 50) / 1000, "s", { target: 3 });
  figures[`(${name}) first interaction callback p99`] = figure(percentile(r.firstCallbackMs, 99) / 1000, "s", { target: 3 });
  figures[`(${name}) requests called back past 3 s or never`] = figure(r.lateCallbacks + r.noCallback, "requests", { target: 0 });
  if (r.merges) {
    figures[`(${name}) PRs merged`] = figure(r.merges.merged.size, "PRs", { higherIsBetter: true });
    figures[`(${name}) PRs closed unmerged`] = figure(r.merges.closedUnmerged.length, "PRs");
    figures[`(${name}) deployments made`] = figure(r.deployments, "deployments", { higherIsBetter: true });
    figures[`(${name}) duplicate deployments`] = figure(
      r.merges.duplicateDeployments.reduce((n, d) => n + d.count - 1, 0),
      "deployments",
      { target: 0 },
    );
    figures[`(${name}) merged without a deployment`] = figure(r.merges.withoutDeployment.length, "PRs", { target: 0 });
    if (r.merges.mergeToDeploymentMs.length > 0)
      figures[`(${name}) merge → deployment p50`] = figure(percentile(r.merges.mergeToDeploymentMs, 50) / 1000, "s");
  }
  figures[`(${name}) PRs never shown in their progress message`] = figure(r.progressWithoutPr.length, "changes", { target: 0 });
  const peer = name === "a" ? results.b : name === "b" ? results.c : undefined;
  const p = (q: number, x?: RunResult) => (x && x.toPrMs.length ? percentile(x.toPrMs, q) / 1000 : undefined);
  figures[`(${name}) request → PR p50`] = figure(p(50, r) ?? Number.NaN, "s", p(50, peer) === undefined ? {} : { peer: p(50, peer) });
  figures[`(${name}) request → PR p99`] = figure(p(99, r) ?? Number.NaN, "s", p(99, peer) === undefined ? {} : { peer: p(99, peer) });
  const own = rate(r);
  const peerRate = rate(peer);
  if (own !== undefined)
    figures[`(${name}) throughput to a third of the PRs`] = figure(own, "PRs/min", {
      ...(peerRate !== undefined ? { peer: peerRate } : {}),
      higherIsBetter: true,
    });
  if (r.kill)
    figures[`(${name}) takeover after SIGKILL`] = figure(
      r.kill.takeoverMs === null ? Number.POSITIVE_INFINITY : r.kill.takeoverMs / 1000,
      "s",
      {
        target: 10,
      },
    );
}
say(
  "peers: (a)'s are (b)'s (2 replicas against 1 on PostgreSQL), (b)'s are (c)'s (PostgreSQL against SQLite); throughput is measured from the first request to a third of the PRs, before (a)'s kill",
);
report("scale", figures);
