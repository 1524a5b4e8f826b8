// The two engines the store's tests run on: SQLite in a fresh data directory, and PostgreSQL
// (a real server, test/helpers/postgres.ts) in a fresh schema of this file's own database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_FILE } from "../../../app/store/database.ts";
import type { StoreLocation } from "../../../app/store/database.ts";
import type { Db } from "../../../contract/storage/engine.ts";
import { PostgresDb } from "../../../contract/storage/postgres.ts";
import { SqliteDb } from "../../../contract/storage/sqlite.ts";
import { Store } from "../../../app/store/store.ts";
import { freshSchema, postgresDatabase } from "../../helpers/postgres.ts";

export interface StoreEngine {
  name: "sqlite" | "postgres";
  /** Before the file's tests (PostgreSQL: its database). */
  setup(): Promise<void>;
  /** An empty store location of its own. */
  fresh(): StoreLocation;
  /** A connection of its own to the store's tables, as someone with the database but not the key reads them. */
  raw(where: StoreLocation): Db;
  /** Removes what fresh() made on disk. */
  cleanup(): void;
}

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "ouro-app-store-"));
  dirs.push(d);
  return d;
};
const removeDirs = () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
};

const sqlite: StoreEngine = {
  name: "sqlite",
  setup: () => Promise.resolve(),
  fresh: () => ({ dataDir: dataDir() }),
  raw: (where) => new SqliteDb(join(where.dataDir, DATABASE_FILE)),
  cleanup: removeDirs,
};

let database: string | null = null;
const postgres: StoreEngine = {
  name: "postgres",
  async setup() {
    database ??= await postgresDatabase();
  },
  fresh() {
    if (!database) throw new Error("postgres.setup() first");
    return { dataDir: dataDir(), databaseUrl: freshSchema(database) };
  },
  raw: (where) => new PostgresDb(where.databaseUrl!),
  cleanup: removeDirs,
};

export const STORE_ENGINES: readonly StoreEngine[] = [sqlite, postgres];

/** The store at `where`, as the app opens it. */
export const openStore = (where: StoreLocation, key: Buffer, now?: () => number): Store =>
  new Store(where.dataDir, key, now, { databaseUrl: where.databaseUrl });
