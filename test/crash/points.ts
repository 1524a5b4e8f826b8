// Which crash points a flow has: read from a dry run (every GitHub write the app made, through
// the proxy, and every store write, from the app process's trace), then each distinct write
// at its first occurrence, just before and just after. The revert flow adds only the
// writes the deploy flow does not make (its second push, PR, merge, deployment, …).
import type { CrashPoint, Outcome } from "./world.ts";

/**
 * Not part of a change's life: the dashboard (rewritten from the store on every change), the
 * store's health probe, and asking GitHub to redeliver failed webhooks (recovery itself, made
 * when an earlier run left failed deliveries behind).
 */
const notLifecycle = (label: string) =>
  label.endsWith("[dashboard]") || label.endsWith(" heartbeat") || label.includes("app/hook/deliveries");

export function pointsOf(deploy: Outcome, revert?: Outcome): { deploy: CrashPoint[]; revert: CrashPoint[] } {
  const occurrences = (labels: string[]) => {
    const n = new Map<string, number>();
    for (const l of labels) n.set(l, (n.get(l) ?? 0) + 1);
    return n;
  };
  const both = (kind: CrashPoint["kind"], label: string, nth: number): CrashPoint[] => [
    { kind, label, nth, when: "before" },
    { kind, label, nth, when: "after" },
  ];
  const deployPoints: CrashPoint[] = [];
  const inDeploy = occurrences(deploy.githubWrites);
  for (const label of inDeploy.keys()) if (!notLifecycle(label)) deployPoints.push(...both("github", label, 1));
  // Store writes: each kind of write at its first occurrence, just before and just after it.
  for (const label of occurrences(deploy.storeWrites).keys()) if (!notLifecycle(label)) deployPoints.push(...both("store", label, 1));
  const revertPoints: CrashPoint[] = [];
  if (revert)
    for (const [label, count] of occurrences(revert.githubWrites)) {
      const first = (inDeploy.get(label) ?? 0) + 1;
      if (count >= first && !notLifecycle(label) && !label.endsWith("[progress]"))
        // sticky comments: covered in the deploy flow
        revertPoints.push(...both("github", label, first));
    }
  return { deploy: deployPoints, revert: revertPoints };
}

export const describePoint = (p: CrashPoint) => `${p.when} ${p.kind === "github" ? "GitHub" : "store"} write ${p.label} #${p.nth}`;
