// The dashboard issue (like Renovate's dependency dashboard): the app's work and safety
// switches, gathered from the store and rewritten after every reported change, emergency stop,
// deployment and resume. A burst of those lands in one edit; an unchanged body is not sent.
import type { AppContext } from "../context.ts";
import { DASHBOARD_MARKER } from "../github/markers.ts";
import { isStopped } from "../switches/emergency-stop.ts";
import { breakerNow } from "../switches/circuit-breaker.ts";
import { DASHBOARD_TITLE, renderDashboard } from "./dashboard-render.ts";
import type { DashboardData } from "./dashboard-render.ts";

/** How long a refresh waits for more moves to land in the same edit. */
const BURST_MS = 25;

export class Dashboard {
  readonly #ctx: AppContext;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  /** Rewrites the dashboard whenever something it shows may have changed. */
  start(): void {
    const refresh = () => this.refresh();
    const { events } = this.#ctx;
    events.on("reported", refresh);
    events.on("switches-changed", refresh);
    events.on("deployed", refresh);
    events.on("resumed", refresh);
  }

  /** On shutdown: a rewrite that was asked for still runs once, but no burst repeats it. */
  stop(): void {
    this.#stopped = true;
  }

  refresh(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#ctx.background.track(
      (async () => {
        try {
          do {
            this.#again = false;
            await new Promise((r) => setTimeout(r, BURST_MS));
            await this.#write();
          } while (this.#again && !this.#stopped);
        } finally {
          this.#running = false;
        }
      })(),
      "dashboard",
    );
  }

  async #write(): Promise<void> {
    const ctx = this.#ctx;
    const { keys } = ctx.store;
    await ctx.locks.withLock("dashboard", async () => {
      const body = renderDashboard(await dashboardData(ctx));
      if (keys.dashboardBody() === body) return;
      const gh = await ctx.client();
      let number = keys.dashboardIssue();
      if (!number) {
        const found = await gh.findOwnIssue(DASHBOARD_MARKER);
        number = found ? found.number : (await gh.createIssue(DASHBOARD_TITLE, body, [])).number;
        keys.setDashboardIssue(number);
        if (!found) {
          keys.setDashboardBody(body);
          return;
        }
      }
      await gh.updateIssue(number, { body });
      keys.setDashboardBody(body);
    });
  }
}

/** What the dashboard shows, from the store and the default branch's policy. */
export async function dashboardData(ctx: AppContext): Promise<DashboardData> {
  const { changes, audit, keys, values } = ctx.store;
  const p = await ctx.policy();
  const b = breakerNow(ctx, p.policy.circuitBreaker);
  const s = values.stop();
  const pending = changes.inStates(["queued", "working"]).map((c) => ({
    changeId: c.id,
    title: c.title,
    requester: c.requester,
    state: c.state,
    reason: c.reason ?? undefined,
    issueUrl: c.issueUrl ?? undefined,
  }));
  const openPrs = changes
    .inStates(["pr", "checks", "review"])
    .filter((c) => c.prNumber)
    .map((c) => ({
      changeId: c.id,
      number: c.prNumber!,
      url: c.prUrl ?? "",
      title: c.title,
      risk: c.risk ?? undefined,
      checks: keys.checksState(c.id) ?? "pending",
      state: c.state,
      rollback: c.kind === "revert",
    }));
  const deploys = audit.latestDeployments(5).map((d) => ({ ...d, prUrl: changes.byId(d.changeId)?.prUrl ?? undefined }));
  const rollbacks = audit.latestRollbacks(5);
  return {
    pending,
    openPrs,
    breaker: {
      state: b.state,
      failures: b.failures,
      reason: b.reason,
      openedAt: b.openedAt ? new Date(b.openedAt).toISOString() : undefined,
    },
    stop: { stopped: isStopped(ctx, p), by: s.by, since: s.since, policy: p.policy.emergencyStop && !s.stopped },
    deploys,
    rollbacks,
  };
}
