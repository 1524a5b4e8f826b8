// Small values the app keeps across restarts (the `kv` table): the circuit breaker, the
// emergency stop and the last deployment. Each is read back through its schema; a missing
// or malformed value reads as its default. The emergency stop is also held in memory the
// moment it is set, so it is in force even while the store cannot be written.
import type { Db } from "../../contract/storage/engine.ts";
import { z } from "zod";
import { CLOSED } from "../switches/breaker.ts";
import type { Breaker } from "../switches/breaker.ts";
import type { Row } from "./database.ts";

const breakerSchema = z.object({
  state: z.enum(["closed", "open", "half-open"]),
  failures: z.number(),
  successes: z.number(),
  openedAt: z.number().optional(),
  reason: z.string().optional(),
});

const stopSchema = z.object({
  stopped: z.boolean(),
  by: z.string().optional(),
  since: z.string().optional(),
  reason: z.string().optional(),
  /** When the switch was last set or lifted (a stop or resume older than this changes nothing). */
  changedAt: z.string().optional(),
});
export type StopState = z.infer<typeof stopSchema>;

const lastDeploySchema = z.object({
  commit: z.string(),
  prUrl: z.string().nullable().optional(),
  deployedAt: z.string(),
  changeId: z.string().optional(),
});
export type LastDeploy = z.infer<typeof lastDeploySchema>;

export class PersistedValues {
  readonly #db: Db;
  /** The stop last set in this process (in force whether or not it could be written yet). */
  #stop: StopState | null = null;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The breaker as last recorded (switches/circuit-breaker.ts reads it as of now). */
  breaker(): Breaker {
    return this.#get("breaker", breakerSchema, CLOSED);
  }
  saveBreaker(b: Breaker): void {
    this.#set("breaker", b);
  }

  /**
   * The emergency stop in force (the policy flag is separate): the one set in this process
   * while it is not yet written (in force at once, whatever the store can do), else the
   * stored one — which another replica may have changed since.
   */
  stop(): StopState {
    return this.#stop ?? this.#get("stop", stopSchema, { stopped: false });
  }
  /** Puts `s` in force at once, in memory; saveStop writes it (switches/emergency-stop.ts does both). */
  holdStop(s: StopState): void {
    this.#stop = s;
  }
  /** Writes `s`; once written, the stored value is the one in force (no longer the one held here). */
  saveStop(s: StopState): void {
    this.#set("stop", s);
    if (this.#stop === s) this.#stop = null;
  }

  /** The change last deployed successfully (null before the first). */
  lastDeploy(): LastDeploy | null {
    return this.#get("lastDeploy", lastDeploySchema.nullable(), null);
  }
  saveLastDeploy(d: LastDeploy): void {
    this.#set("lastDeploy", d);
  }

  #get<T>(key: string, schema: z.ZodType<T>, fallback: T): T {
    const r = this.#db.prepare("SELECT value FROM kv WHERE key = ?").get(key) as Row | undefined;
    if (!r) return fallback;
    try {
      const parsed = schema.safeParse(JSON.parse(String(r.value)));
      return parsed.success ? parsed.data : fallback;
    } catch {
      return fallback;
    }
  }
  #set(key: string, value: unknown): void {
    this.#db
      .prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(key, JSON.stringify(value));
  }
}
