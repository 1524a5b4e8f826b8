// One bot process per live (or candidate) release: `node bot/main.ts` from the release
// directory — or, sharded, `node bot/shard.ts` running this host's shards, one child each —
// detached (a process group of its own) with its output in `<data>/logs/<sha>.log`, so it
// outlives a restart of the hook; a restarted hook adopts it by pid. Stopping it stops the
// whole group: no shard (or plugin host) outlives its release.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * Node flags of a bot process (as `npm run bot` and bot/shard.ts): a 2 MiB young generation
 * keeps an idle bot ~20 MB smaller; its short-lived garbage is small (one interaction's).
 */
export const BOT_NODE_FLAGS = ["--max-semi-space-size=2"] as const;

/** The shards this host runs: `total` across all hosts, `ids` here. */
export interface HostShards {
  total: number;
  ids: number[];
}

export interface StartSpec {
  sha: string;
  dir: string;
  dataDir: string;
  node: string;
  env: Record<string, string>;
  /** Run bot/shard.ts with these shards (health port: base + shard id) instead of bot/main.ts. */
  shards?: HostShards;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Listens on `port` (0: any) for a moment; resolves with the port, or null when it is taken. */
const probePort = (port: number) =>
  new Promise<number | null>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(null));
    s.listen(port, "127.0.0.1", () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });

export const freePort = async () => {
  const port = await probePort(0);
  if (port === null) throw new Error("no free port on 127.0.0.1");
  return port;
};

/** A base port B with B + id free for every id (bot/shard.ts: each shard's health port is base + shard id). */
export async function freeShardPorts(ids: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = (await freePort()) - ids[0];
    if (base < 1 || base + ids[ids.length - 1] > 65535) continue;
    const taken = await Promise.all(ids.slice(1).map((id) => probePort(base + id)));
    if (taken.every((p) => p !== null)) return base;
  }
  throw new Error(`no free health ports for shards ${ids.join(",")} on 127.0.0.1`);
}

/**
 * The live processes of a process group (Linux /proc; zombies count as gone). A bot is
 * started as its group's leader, so its group is the bot with its shards and plugin hosts.
 */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pidAlive(pgid) ? [pgid] : []; // no /proc: the leader is all we can see
  }
  const members: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") members.push(Number(name));
  }
  return members;
}

export class BotProcess {
  readonly sha: string;
  readonly pid: number;
  /** One per process: bot/main.ts's, or each shard's (base + shard id, in the order of `shardIds`). */
  readonly healthPorts: number[];
  /** The shards it runs (bot/shard.ts); undefined: bot/main.ts, every shard in one process. */
  readonly shards?: HostShards;
  readonly logFile?: string;
  /** Resolves with the exit code (or signal name; null when an adopted process vanished). */
  readonly exited: Promise<number | string | null>;
  #exitCode: number | string | null | undefined;
  #stopping = false;
  #poll?: NodeJS.Timeout;

  private constructor(
    sha: string,
    pid: number,
    healthPorts: number[],
    shards: HostShards | undefined,
    exited: Promise<number | string | null>,
    logFile?: string,
  ) {
    this.sha = sha;
    this.pid = pid;
    this.healthPorts = healthPorts;
    this.shards = shards;
    this.logFile = logFile;
    this.exited = exited.then(async (c) => {
      clearInterval(this.#poll);
      // Whatever the leader left behind (a shard manager that crashed: its shards) goes with it.
      await this.#reapGroup();
      this.#exitCode = c;
      return c;
    });
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }
  /** stop() was called: running still, but on its way out (never a process to hand events to). */
  get stopping(): boolean {
    return this.#stopping;
  }
  /** The first health port (bot/main.ts's, or the lowest shard's). */
  get healthPort(): number {
    return this.healthPorts[0];
  }
  get healthUrl(): string {
    return `http://127.0.0.1:${this.healthPort}`;
  }
  /** Every /healthz and /metrics base this release answers on, named for messages ("shard 2", or "the bot"). */
  get endpoints(): { name: string; url: string }[] {
    return this.healthPorts.map((port, i) => ({
      name: this.shards ? `shard ${this.shards.ids[i]}` : "the bot",
      url: `http://127.0.0.1:${port}`,
    }));
  }

  static async start(spec: StartSpec): Promise<BotProcess> {
    const shards = spec.shards;
    const port = shards ? await freeShardPorts(shards.ids) : await freePort();
    const logs = join(spec.dataDir, "logs");
    mkdirSync(logs, { recursive: true });
    const logFile = join(logs, `${spec.sha.slice(0, 12)}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(spec.node, [...BOT_NODE_FLAGS, shards ? "bot/shard.ts" : "bot/main.ts"], {
      cwd: spec.dir,
      detached: true,
      stdio: ["ignore", fd, fd],
      env: {
        ...spec.env,
        ...(shards ? { OURO_SHARDS: String(shards.total), OURO_SHARD_IDS: shards.ids.join(",") } : {}),
        OURO_HEALTH_PORT: String(port),
        OURO_HEALTH_HOST: "127.0.0.1",
        OURO_VERSION: spec.sha,
        OURO_RELEASE: spec.sha,
      },
    });
    closeSync(fd);
    const exited = new Promise<number | string | null>((resolve) => {
      child.once("exit", (code, signal) => resolve(code ?? signal));
      child.once("error", () => resolve("spawn-error"));
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.node}`);
    const ports = shards ? shards.ids.map((id) => port + id) : [port];
    return new BotProcess(spec.sha, child.pid, ports, shards, exited, logFile);
  }

  /** A process started by an earlier run of the hook: watched by polling its pid. */
  static adopt(sha: string, pid: number, healthPorts: number[], shards?: HostShards): BotProcess {
    let poll: NodeJS.Timeout | undefined;
    const exited = new Promise<number | string | null>((resolve) => {
      poll = setInterval(() => {
        if (!pidAlive(pid)) resolve(null);
      }, 200);
      poll.unref();
    });
    const p = new BotProcess(sha, pid, healthPorts, shards, exited);
    p.#poll = poll;
    return p;
  }

  /**
   * SIGTERM to the leader (the bot's graceful stop: in-flight work, then exit; a shard manager
   * passes it to each shard once); SIGKILL to the whole group after `graceMs`. Resolves when no
   * process of the group is left.
   */
  async stop(graceMs = 10_000): Promise<void> {
    // Once: a second SIGTERM would cut a bot's drain short (its handler is a `once`).
    if (!this.running || this.#stopping) return void (await this.exited);
    this.#stopping = true;
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL", true), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILLs what is left of the group once the leader is gone, and waits until none is (bounded). */
  async #reapGroup(): Promise<void> {
    for (let i = 0; i < 100 && groupMembers(this.pid).length > 0; i++) {
      this.#signal("SIGKILL", true);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Forget the process without stopping it (the hook is exiting; the bot keeps serving). */
  release(): void {
    clearInterval(this.#poll);
  }

  /** To the leader, or to its whole process group (`group`: it leads one, started detached). */
  #signal(sig: NodeJS.Signals, group = false): void {
    try {
      process.kill(group ? -this.pid : this.pid, sig);
    } catch {
      /* already gone */
    }
  }
}
