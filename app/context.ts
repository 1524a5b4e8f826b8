// What every part of the app is given: the store, its configuration and logger, the GitHub
// client, the writer of changes, the clock, the default branch's policy, per-key locks,
// background work and the event bus. Plain data and shared services only — the parts (worker,
// dashboard, switches, progress) are not in here; they talk through `events`.
import type { Logger } from "pino";
import type { AppConfig } from "./config.ts";
import { AppEvents } from "./events.ts";
import type { RepoClient } from "./github/repo.ts";
import { BackgroundWork, Locks } from "./locks.ts";
import { PolicyCache } from "./policy.ts";
import type { EffectivePolicy } from "./policy.ts";
import type { Store } from "./store/store.ts";
import type { ChangeWriter } from "./writer.ts";

export interface AppContext {
  readonly store: Store;
  readonly config: Pick<AppConfig, "owner" | "repo" | "gitUrl" | "dataDir">;
  readonly log: Logger;
  /** The installation's GitHub client (made once, retried after a failure). */
  readonly client: () => Promise<RepoClient>;
  readonly writer: ChangeWriter;
  readonly now: () => number;
  /** The default branch's policy, re-read when the branch moves. */
  readonly policy: () => Promise<EffectivePolicy>;
  readonly locks: Locks;
  readonly background: BackgroundWork;
  readonly events: AppEvents;
}

export interface ContextDeps {
  store: Store;
  config: AppContext["config"];
  log: Logger;
  client: () => Promise<RepoClient>;
  writer: ChangeWriter;
  now?: () => number;
  /** Locks shared with other replicas (start.ts on PostgreSQL); default: this process's only. */
  locks?: Locks;
}

export function createContext(d: ContextDeps): AppContext {
  const now = d.now ?? Date.now;
  const policies = new PolicyCache(2000, now);
  const background = new BackgroundWork(d.log);
  return {
    store: d.store,
    config: d.config,
    log: d.log,
    client: d.client,
    writer: d.writer,
    now,
    policy: () => d.client().then((c) => policies.get(c)),
    locks: d.locks ?? new Locks(),
    background,
    events: new AppEvents(background),
  };
}

/** The context's clock as an ISO timestamp. */
export function isoNow(ctx: Pick<AppContext, "now">): string {
  return new Date(ctx.now()).toISOString();
}
