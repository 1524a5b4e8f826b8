// One bot process per live (or candidate) release: `node bot/main.ts` from the release
// directory, detached with its output in `<data>/logs/<sha>.log`, so it outlives a restart
// of the hook; a restarted hook adopts it by pid.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * Node flags of a bot process (as `npm run bot` and bot/shard.ts): a 2 MiB young generation
 * keeps an idle bot ~20 MB smaller; its short-lived garbage is small (one interaction's).
 */
export const BOT_NODE_FLAGS = ["--max-semi-space-size=2"] as const;

export interface StartSpec {
  sha: string;
  dir: string;
  dataDir: string;
  node: string;
  env: Record<string, string>;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export class BotProcess {
  readonly sha: string;
  readonly pid: number;
  readonly healthPort: number;
  readonly logFile?: string;
  /** Resolves with the exit code (or signal name; null when an adopted process vanished). */
  readonly exited: Promise<number | string | null>;
  #exitCode: number | string | null | undefined;
  #poll?: NodeJS.Timeout;

  private constructor(sha: string, pid: number, healthPort: number, exited: Promise<number | string | null>, logFile?: string) {
    this.sha = sha;
    this.pid = pid;
    this.healthPort = healthPort;
    this.logFile = logFile;
    this.exited = exited.then((c) => {
      this.#exitCode = c;
      clearInterval(this.#poll);
      return c;
    });
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }
  get healthUrl(): string {
    return `http://127.0.0.1:${this.healthPort}`;
  }

  static async start(spec: StartSpec): Promise<BotProcess> {
    const port = await freePort();
    const logs = join(spec.dataDir, "logs");
    mkdirSync(logs, { recursive: true });
    const logFile = join(logs, `${spec.sha.slice(0, 12)}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(spec.node, [...BOT_NODE_FLAGS, "bot/main.ts"], {
      cwd: spec.dir,
      detached: true,
      stdio: ["ignore", fd, fd],
      env: { ...spec.env, OURO_HEALTH_PORT: String(port), OURO_HEALTH_HOST: "127.0.0.1", OURO_VERSION: spec.sha, OURO_RELEASE: spec.sha },
    });
    closeSync(fd);
    const exited = new Promise<number | string | null>((resolve) => {
      child.once("exit", (code, signal) => resolve(code ?? signal));
      child.once("error", () => resolve("spawn-error"));
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.node}`);
    return new BotProcess(spec.sha, child.pid, port, exited, logFile);
  }

  /** A process started by an earlier run of the hook: watched by polling its pid. */
  static adopt(sha: string, pid: number, healthPort: number): BotProcess {
    let poll: NodeJS.Timeout | undefined;
    const exited = new Promise<number | string | null>((resolve) => {
      poll = setInterval(() => {
        if (!pidAlive(pid)) resolve(null);
      }, 200);
      poll.unref();
    });
    const p = new BotProcess(sha, pid, healthPort, exited);
    p.#poll = poll;
    return p;
  }

  /** SIGTERM (the bot's graceful stop: in-flight work, then exit); SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Forget the process without stopping it (the hook is exiting; the bot keeps serving). */
  release(): void {
    clearInterval(this.#poll);
  }

  #signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      /* already gone */
    }
  }
}
