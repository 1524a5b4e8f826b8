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
   * The emergency stop in force (the policy flag is separate): the newer of the one last set
   * in this process (in force even before it could be written) and the persisted one (which
   * another replica may have changed since). While the store cannot be read, this process's.
   */
  stop(): StopState {
    const held = this.#stop;
    let stored: StopState;
    try {
      stored = this.#get("stop", stopSchema, { stopped: false });
    } catch (e) {
      if (held) return held;
      throw e;
    }
    if (!held) return stored;
    return stored.changedAt && (!held.changedAt || Date.parse(stored.changedAt) > Date.parse(held.changedAt)) ? stored : held;
  }
  /** Puts `s` in force at once, in memory; saveStop writes it (switches/emergency-stop.ts does both). */
  holdStop(s: StopState): void {
    this.#stop = s;
  }
  saveStop(s: StopState): void {
    this.#set("stop", s);
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
