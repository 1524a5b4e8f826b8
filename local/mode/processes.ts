// The child processes of local mode (the app, the deploy hook): started with an explicit
// environment, their output kept in a log file, ready when a line says so, stopped with
// SIGTERM (then SIGKILL after a grace period).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface Service {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (null: killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** Resolves with the first output line matching `re`; rejects if the process exits before. */
  waitFor(re: RegExp, what: string): Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

export interface ServiceOptions {
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

/** The last lines of a log, for an error that says why a service stopped. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function startService(name: string, args: string[], o: ServiceOptions): Service {
  const log = createWriteStream(o.logFile, { flags: "a" });
  const proc = spawn(process.execPath, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
  const watchers = new Set<{ re: RegExp; resolve(line: string): void }>();
  for (const stream of [proc.stdout, proc.stderr]) {
    createInterface({ input: stream! }).on("line", (line) => {
      log.write(`${line}\n`);
      for (const w of watchers)
        if (w.re.test(line)) {
          watchers.delete(w);
          w.resolve(line);
        }
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  void exited.then(() => log.end());
  return {
    name,
    proc,
    logFile: o.logFile,
    exited,
    waitFor(re, what) {
      return new Promise<string>((resolve, reject) => {
        const w = { re, resolve };
        watchers.add(w);
        void exited.then((code) => {
          if (!watchers.delete(w)) return;
          reject(
            new Error(`${name} stopped (exit ${code ?? "by signal"}) before ${what}; its log (${o.logFile}) ends:\n${logTail(o.logFile)}`),
          );
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
