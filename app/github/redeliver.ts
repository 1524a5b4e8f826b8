// Failed webhook deliveries, asked for again. GitHub does not redeliver a delivery that
// failed (the app answered an error, or was down), so the app does what GitHub's "Handling
// failed webhook deliveries" describes: list the App's deliveries since the last look
// (`GET /app/hook/deliveries`, App JWT), take each event (`guid`) none of whose deliveries
// is OK, and ask for it again (`POST /app/hook/deliveries/{id}/attempts`), oldest event
// first. A redelivery keeps its `guid` (= `x-github-delivery`), so the handlers' once-per-
// delivery guard still holds. An event that keeps failing is given up after `maxAttempts`
// redeliveries, with an error log naming it: nothing is dropped silently.
import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import type { BackgroundWork } from "../locks.ts";

export interface RedeliveryOptions {
  /** How often failed deliveries are looked for (ms; default 5 min). start.ts also looks at start and when the store can be written again. */
  everyMs: number;
  /** How far back the first look goes (ms; default 3 days, as far back as GitHub redelivers). */
  horizonMs: number;
  /** Redeliveries of one event before it is given up (default 5). */
  maxAttempts: number;
}

export const DEFAULT_REDELIVERY: RedeliveryOptions = { everyMs: 5 * 60_000, horizonMs: 3 * 24 * 3_600_000, maxAttempts: 5 };

type Delivery = Awaited<ReturnType<ProbotOctokit["rest"]["apps"]["listWebhookDeliveries"]>>["data"][number];

/** What one look found and did. */
export interface Sweep {
  /** Deliveries listed (within the window). */
  seen: number;
  /** Deliveries asked for again, by id. */
  redelivered: { id: number; guid: string; event: string }[];
  /** Events given up in this look. */
  gaveUp: { guid: string; event: string; status: string }[];
}

/** An asked-for redelivery that has not shown up in the list yet is waited for this long before asking again. */
const PENDING_MS = 60_000;

export class Redeliverer {
  readonly #appOctokit: () => Promise<ProbotOctokit>;
  readonly #log: Logger;
  readonly #opts: RedeliveryOptions;
  /** Per event: how often the app asked for it again, when it last did, and the newest delivery then. */
  readonly #asked = new Map<string, { count: number; at: number; after: number }>();
  readonly #givenUp = new Set<string>();
  #lastLookAt: number | null = null;
  /** The look in progress, if any. */
  #looking: Promise<void> | null = null;
  #lookAgain = false;

  constructor(appOctokit: () => Promise<ProbotOctokit>, log: Logger, opts: RedeliveryOptions) {
    this.#appOctokit = appOctokit;
    this.#log = log;
    this.#opts = opts;
  }

  /** Looks now as background work, or once more right after the look in progress. */
  soon(background: BackgroundWork): void {
    const running = this.#looking !== null;
    const look = this.look();
    if (!running) background.track(look, "redelivery of failed webhooks");
  }

  /** Looks now, or once more right after the look in progress; resolves when the looking is done. */
  look(): Promise<void> {
    if (this.#looking) {
      this.#lookAgain = true;
      return this.#looking;
    }
    const run = async () => {
      try {
        do {
          this.#lookAgain = false;
          await this.sweep();
        } while (this.#lookAgain);
      } finally {
        this.#looking = null;
      }
    };
    this.#looking = run();
    return this.#looking;
  }

  get everyMs(): number {
    return this.#opts.everyMs;
  }

  /** Events given up since the start (their guid). */
  get givenUp(): string[] {
    return [...this.#givenUp];
  }

  /** One look: lists the deliveries since the last look (with overlap) and asks for the failed ones again. */
  async sweep(): Promise<Sweep> {
    const startedAt = Date.now();
    const since = this.#lastLookAt === null ? startedAt - this.#opts.horizonMs : this.#lastLookAt - this.#opts.everyMs;
    const octokit = await this.#appOctokit();
    const byGuid = new Map<string, Delivery[]>();
    let seen = 0;
    // Newest first: stop at the first delivery older than the window.
    pages: for await (const { data } of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
      for (const d of data) {
        if (Date.parse(d.delivered_at) < since) break pages;
        seen++;
        const list = byGuid.get(d.guid) ?? [];
        list.push(d);
        byGuid.set(d.guid, list);
      }
    }
    const failed = [...byGuid.values()]
      .filter((ds) => !ds.some((d) => d.status === "OK"))
      .map((ds) => ds.sort((a, b) => a.id - b.id)) // ids grow with time
      .sort((a, b) => a[0].id - b[0].id); // the oldest event first
    const out: Sweep = { seen, redelivered: [], gaveUp: [] };
    for (const ds of failed) {
      const latest = ds[ds.length - 1];
      const { guid, event } = latest;
      const label = latest.action ? `${event}.${latest.action}` : event;
      const asked = this.#asked.get(guid);
      if (asked && latest.id <= asked.after && startedAt - asked.at < PENDING_MS) continue; // asked; not delivered yet
      const times = Math.max(asked?.count ?? 0, ds.filter((d) => d.redelivery).length);
      if (times >= this.#opts.maxAttempts) {
        if (!this.#givenUp.has(guid)) {
          this.#givenUp.add(guid);
          out.gaveUp.push({ guid, event: label, status: latest.status });
          this.#log.error(
            { guid, deliveryId: latest.id, event: label, status: latest.status },
            `gave up on webhook ${label} (delivery ${guid}) after ${times} redeliveries, last "${latest.status}": it was not processed; redeliver it from the App's settings once the cause is fixed`,
          );
        }
        continue;
      }
      try {
        await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: latest.id });
        this.#asked.set(guid, { count: times + 1, at: Date.now(), after: latest.id });
        out.redelivered.push({ id: latest.id, guid, event: label });
        this.#log.info(
          { guid, deliveryId: latest.id, event: label, status: latest.status },
          `asked GitHub to redeliver a failed ${label} webhook`,
        );
      } catch (e) {
        this.#log.warn(
          { err: e, guid, deliveryId: latest.id, event: label },
          "could not ask for a failed webhook's redelivery; will try again",
        );
      }
    }
    this.#lastLookAt = startedAt;
    return out;
  }
}
