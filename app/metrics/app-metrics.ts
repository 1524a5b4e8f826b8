// What `/metrics` tells about the app (Prometheus text format 0.0.4, names `ouro_app_*`).
// Served on the public listener beside /healthz, so it carries counts only: every label is
// from a fixed set (states, kinds, event names, outcomes) — never a request's text, a change
// or delivery id, a person's name or id, a breaker's reason, or anything from a token.
//
// Kept in memory (since this app started): agent runs with their durations (the writer is
// wrapped, so reverts, which no agent writes, are not counted) and webhook deliveries by
// event and outcome, each counted once, when start.ts has answered it (handlers/guard.ts
// notes the ones it skipped as duplicates). Read from the store when scraped, cheaper than
// tracking every move: changes by kind and state, the queue, the circuit breaker and the
// emergency stop. A scrape never writes; when the store cannot be read the series read from
// it are left out, and the rest still answers.
import { CHANGE_STATES } from "../../contract/change-state.ts";
import type { AppContext } from "../context.ts";
import type { EffectivePolicy } from "../policy.ts";
import type { ChangeRow } from "../store/changes.ts";
import { SEED_BREAKER } from "../switches/breaker.ts";
import type { BreakerState } from "../switches/breaker.ts";
import { breakerNow } from "../switches/circuit-breaker.ts";
import type { ChangeWriter } from "../writer.ts";
import { Counter, family, Histogram } from "./exposition.ts";
import type { Sample } from "./exposition.ts";
import { processMetrics } from "./process.ts";

/**
 * What became of a webhook delivery. Refused at the door: `rejected` (signature missing or
 * wrong), `too_large` (over GitHub's 25 MB), `unavailable` (the store could not be written:
 * 503, GitHub keeps it as failed). Handed to Probot: `processed` (answered 2xx, whether or not
 * a handler wanted that action), `duplicate` (a redelivery of one already processed),
 * `ignored` (another repository), `failed` (anything else: a handler threw, or the answer was
 * cut short; GitHub may redeliver it).
 */
export type DeliveryOutcome = "processed" | "duplicate" | "ignored" | "failed" | "rejected" | "too_large" | "unavailable";
/** What a handler may note about a delivery before it is answered. */
export type DeliveryNote = Extract<DeliveryOutcome, "duplicate" | "ignored">;

/** Agent runs take from seconds (a recipe) to an hour (the model's tool loop with fix rounds). */
export const AGENT_RUN_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
/** How long a scrape waits for the default branch's policy before using the last one read. */
const POLICY_WAIT_MS = 2_000;
const KINDS = ["change", "revert"] as const satisfies readonly ChangeRow["kind"][];
const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "half-open"];
/** Notes kept for deliveries not answered yet; past this the oldest go (a lost note counts as processed). */
const MAX_NOTES = 1_000;

export class AppMetrics {
  readonly deliveries = new Counter(
    "ouro_app_webhook_deliveries_total",
    "Webhook deliveries received since the app started, by event and outcome.",
    ["event", "outcome"],
  );
  readonly agentRuns = new Histogram(
    "ouro_app_agent_run_duration_seconds",
    "Agent runs since the app started and how long each took, by run (change, follow-up) and outcome (ok, failed, error).",
    AGENT_RUN_BUCKETS,
    ["run", "outcome"],
  );
  readonly #events: ReadonlySet<string>;
  #lastPolicy: EffectivePolicy | null = null;
  #policyRead: Promise<EffectivePolicy | null> | null = null;
  readonly #notes = new Map<string, DeliveryNote>();

  /** `events`: the webhook events the app subscribes to; any other name is counted as `other`. */
  constructor(events: readonly string[]) {
    this.#events = new Set(events);
  }

  /** Counts one webhook delivery (the event name from its header, kept to the known ones). */
  delivery(event: string | undefined, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ event: event && this.#events.has(event) ? event : "other", outcome });
  }

  /** A handler's word on a delivery not answered yet (counted by answered()). */
  note(id: string, note: DeliveryNote): void {
    if (this.#notes.size >= MAX_NOTES) this.#notes.delete(this.#notes.keys().next().value!);
    this.#notes.set(id, note);
  }

  /** Counts a delivery Probot has answered (or that closed unanswered), by how. */
  answered(id: string | undefined, event: string | undefined, res: { statusCode: number; writableFinished: boolean }): void {
    const note = id === undefined ? undefined : this.#notes.get(id);
    if (id !== undefined) this.#notes.delete(id);
    this.delivery(event, res.writableFinished && res.statusCode < 300 ? (note ?? "processed") : "failed");
  }

  /** The writer, timed: each run is observed with its outcome, however it ends. */
  timed(writer: ChangeWriter): ChangeWriter {
    const run = async (job: Parameters<ChangeWriter>[0]) => {
      const started = performance.now();
      let outcome = "error";
      try {
        const res = await writer(job);
        outcome = res.ok ? "ok" : "failed";
        return res;
      } finally {
        this.agentRuns.observe({ run: job.followUp ? "follow-up" : "change", outcome }, (performance.now() - started) / 1000);
      }
    };
    return writer.canFollowUp === undefined ? run : Object.assign(run, { canFollowUp: writer.canFollowUp });
  }

  /** The whole exposition, as of now, reading `ctx`'s store and policy. */
  async render(ctx: AppContext): Promise<string> {
    const policy = await this.#policy(ctx);
    const { store } = ctx;
    return [
      family("ouro_app_store_writable", "gauge", "1 when the app's store could be written at its last probe.", [
        { value: store.unwritable === null ? 1 : 0 },
      ]),
      this.#read(ctx, () => changeFamilies(ctx)),
      this.#read(ctx, () => switchFamilies(ctx, policy)),
      this.deliveries.render(),
      this.agentRuns.render(),
      processMetrics(),
    ].join("");
  }

  /** Series read from the store; none when it cannot be read (the scrape still answers). */
  #read(ctx: AppContext, fn: () => string): string {
    try {
      return fn();
    } catch (e) {
      ctx.log.debug({ err: e }, "metrics: could not read the store");
      return "";
    }
  }

  /**
   * The default branch's policy (for the breaker's cool-off and the policy's stop flag),
   * waiting at most POLICY_WAIT_MS: a scrape never hangs on GitHub. Meanwhile, or when it
   * cannot be read, the last one read (none yet: the seed breaker and the switch alone).
   */
  async #policy(ctx: AppContext): Promise<EffectivePolicy | null> {
    this.#policyRead ??= ctx
      .policy()
      .then(
        (p) => (this.#lastPolicy = p),
        () => this.#lastPolicy,
      )
      .finally(() => (this.#policyRead = null));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), POLICY_WAIT_MS);
      timer.unref();
    });
    const p = await Promise.race([this.#policyRead, late]);
    clearTimeout(timer);
    return p ?? this.#lastPolicy;
  }
}

function changeFamilies(ctx: AppContext): string {
  // One grouped count: the store's repositories list rows, and this needs only the numbers.
  const rows = ctx.store.db.prepare("SELECT kind, state, COUNT(*) AS n FROM changes GROUP BY kind, state").all() as {
    kind: string;
    state: string;
    n: number;
  }[];
  const count = (kind: string, state: string) => Number(rows.find((r) => r.kind === kind && r.state === state)?.n ?? 0);
  const samples: Sample[] = KINDS.flatMap((kind) => CHANGE_STATES.map((state) => ({ labels: { kind, state }, value: count(kind, state) })));
  const queued = KINDS.reduce((n, kind) => n + count(kind, "queued"), 0);
  return (
    family("ouro_app_changes", "gauge", "Changes in the store, by kind (change, revert) and state.", samples) +
    family("ouro_app_queue_depth", "gauge", "Changes queued, waiting for the worker to start them.", [{ value: queued }])
  );
}

function switchFamilies(ctx: AppContext, p: EffectivePolicy | null): string {
  const b = breakerNow(ctx, p?.policy.circuitBreaker ?? SEED_BREAKER);
  const stopped = ctx.store.values.stop().stopped || Boolean(p?.policy.emergencyStop);
  return (
    family(
      "ouro_app_breaker_state",
      "gauge",
      "The circuit breaker's state: 1 for the current one (closed, open, half-open), 0 for the others.",
      BREAKER_STATES.map((state) => ({ labels: { state }, value: b.state === state ? 1 : 0 })),
    ) +
    family("ouro_app_breaker_failures", "gauge", "Failures the circuit breaker has counted (consecutive while closed).", [
      { value: b.failures },
    ]) +
    family("ouro_app_emergency_stop", "gauge", "1 while the emergency stop holds new work (the switch or the policy flag).", [
      { value: stopped ? 1 : 0 },
    ])
  );
}

const attached = new WeakMap<AppContext, AppMetrics>();

/** Makes `metrics` the one the hooks below count into for this app (start.ts). */
export function attachMetrics(ctx: AppContext, metrics: AppMetrics): void {
  attached.set(ctx, metrics);
}

/** Notes what a handler did with a delivery (nothing when no metrics are attached, e.g. a bare test context). */
export function noteDelivery(ctx: AppContext, id: string, note: DeliveryNote): void {
  attached.get(ctx)?.note(id, note);
}
