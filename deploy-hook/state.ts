// What the hook knows, persisted in `<data>/deploy-state.json` (zod-checked, written with
// tmp + rename) so a restarted hook knows what is live, what was last good, which process
// serves it and which deployment put each release live. A lock file keeps two hooks (e.g.
// the CLI and the service) apart.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { DeployError } from "./types.ts";

export const releaseSchema = z.object({
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  dir: z.string(),
  preparedAt: z.string(),
  /** ready: prepared, never live · live: serving now · good: passed a watch window · failed: judged bad. */
  status: z.enum(["ready", "live", "good", "failed"]),
  reason: z.string().optional(),
  /**
   * The GitHub deployment whose deploy put this release live (DeployHooks.deploymentId): a
   * restarted hook reports the release's later crash loop there, not only to its log.
   */
  deploymentId: z.number().int().optional(),
});
export type Release = z.infer<typeof releaseSchema>;

export const stateSchema = z.object({
  version: z.literal(1),
  /** Newest last. */
  releases: z.array(releaseSchema),
  current: z.string().nullable(),
  lastGood: z.string().nullable(),
  /** The process serving `current` (survives a restart of the hook). */
  process: z
    .object({
      sha: z.string(),
      pid: z.number().int(),
      healthPort: z.number().int(),
      /** Sharded (bot/shard.ts): every shard's health port, in the order of `shards.ids`. */
      healthPorts: z.array(z.number().int()).optional(),
      shards: z.object({ total: z.number().int(), ids: z.array(z.number().int()) }).optional(),
    })
    .nullable(),
});
export type HookState = z.infer<typeof stateSchema>;

/** How the state file records a bot process (BotProcess.adopt reads it back). */
export const processRecord = (p: {
  sha: string;
  pid: number;
  healthPorts: number[];
  shards?: { total: number; ids: number[] };
}): NonNullable<HookState["process"]> => ({
  sha: p.sha,
  pid: p.pid,
  healthPort: p.healthPorts[0],
  ...(p.shards ? { healthPorts: p.healthPorts, shards: p.shards } : {}),
});

export const emptyState = (): HookState => ({ version: 1, releases: [], current: null, lastGood: null, process: null });

export class StateFile {
  readonly path: string;
  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, "deploy-state.json");
  }
  load(): HookState {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return emptyState();
    }
    const parsed = stateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path} is not a valid deploy state: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`);
    return parsed.data;
  }
  save(state: HookState): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(stateSchema.parse(state), null, 2));
    renameSync(tmp, this.path);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** An exclusive lock file holding the owner's pid; a lock whose owner died is taken over. */
export function acquireLock(dataDir: string, what: string): () => void {
  const path = join(dataDir, "deploy.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, what, at: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let holder: { pid?: number; what?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, "utf8"));
      } catch {
        /* half-written by a dead owner */
      }
      if (holder.pid && alive(holder.pid))
        throw new DeployError(
          "busy",
          `another deployment is running (${holder.what ?? "unknown"}, pid ${holder.pid}); try again when it has finished`,
        );
      rmSync(path, { force: true });
    }
  }
  throw new DeployError("busy", "could not take the deploy lock");
}
