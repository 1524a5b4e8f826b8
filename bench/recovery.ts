// `npm run bench -- recovery`: the app killed with SIGKILL at each crash point of the
// lifecycle (test/crash: just before and just after each GitHub write and the first store
// write of each kind), restarted on the same data directory and left to itself with its default
// reconcile interval (30 s; a reconcile pass also runs at start). Reports the points covered,
// those recovered (every invariant of test/crash/world.ts holds), and the time from the
// restart to the change moving again (target ≤ 10 s). The peer is the same flow with no crash:
// the whole request → deployed time, with and without a crash on the way.
import { figure, report } from "./report.ts";
import { pointsOf, describePoint } from "../test/crash/points.ts";
import { startCrashWorld } from "../test/crash/world.ts";

const only = process.env.OURO_BENCH_RECOVERY_POINTS; // e.g. "deploy" to skip the revert flow's points
const w = await startCrashWorld();
try {
  const t0 = Date.now();
  const deploy = await w.run("deploy", undefined, { timer: true });
  const dryMs = Date.now() - t0;
  const revert = only === "deploy" ? undefined : await w.run("revert", undefined, { timer: true });
  const points = pointsOf(deploy, revert);
  const runs = [...points.deploy.map((p) => ["deploy", p] as const), ...points.revert.map((p) => ["revert", p] as const)];
  const moved: number[] = [];
  const deployTotals: number[] = [];
  let recovered = 0;
  for (const [flow, p] of runs) {
    const t = Date.now();
    const o = await w.run(flow, p, { timer: true });
    const total = Date.now() - t;
    if (flow === "deploy") deployTotals.push(total);
    const ok = o.crashed && o.broken.length === 0;
    if (ok) recovered++;
    if (o.movedAfterMs !== null) moved.push(o.movedAfterMs);
    console.log(
      `${flow}: ${describePoint(p)}: ${ok ? "recovered" : o.crashed ? `NOT RECOVERED: ${o.broken.join("; ")}` : "never reached"}; moved again ${o.movedAfterMs ?? "–"} ms after the restart; whole flow ${total} ms`,
    );
  }
  const sorted = [...moved].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const worst = sorted.at(-1) ?? 0;
  const totals = [...deployTotals].sort((a, b) => a - b);
  report("recovery", {
    "crash points covered": figure(runs.length, "points"),
    "crash points recovered": figure(recovered, "points", { target: runs.length, higherIsBetter: true }),
    "restart → change moving again, p50": figure(p50 / 1000, "s", { target: 10 }),
    "restart → change moving again, worst": figure(worst / 1000, "s", { target: 10 }),
    "request → deployed with a crash on the way, p50": figure((totals[Math.floor(totals.length / 2)] ?? 0) / 1000, "s", {
      peer: dryMs / 1000,
    }),
  });
} finally {
  await w.close();
}
