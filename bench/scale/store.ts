// What the bench reads back from the app's store (never written here): each change's state
// and reason, and audit entries after a moment. PostgreSQL is read over one connection of its
// own, asynchronously: this process also hosts the Discord stand-in, whose 3 s window a
// blocking read (or a new connection per read) would eat into. SQLite is read read-only
// beside the running app (WAL lets a reader in).
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { DATABASE_FILE } from "../../app/store/database.ts";
import pg from "pg";

export interface StoredChange {
  id: string;
  state: string;
  reason: string | null;
}

export interface AuditEntry {
  change_id: string;
  at: string;
  event: string;
}

export interface StoreReader {
  changes(): Promise<StoredChange[]>;
  /** Audit entries at or after `iso`, oldest first. */
  auditSince(iso: string): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export function storeReader(o: { databaseUrl?: string; dataDir: string }): StoreReader {
  const changesSql = "SELECT id, state, reason FROM changes";
  const auditSql = "SELECT change_id, at, event FROM audit WHERE at >= ? ORDER BY seq";
  if (o.databaseUrl) {
    const client = new pg.Client({ connectionString: o.databaseUrl });
    const connected = client.connect();
    const query = async <T>(sql: string, ...params: string[]): Promise<T[]> => {
      await connected;
      let n = 0;
      return (await client.query({ text: sql.replace(/\?/g, () => `$${++n}`), values: params })).rows as T[];
    };
    return {
      changes: () => query<StoredChange>(changesSql),
      auditSince: (iso) => query<AuditEntry>(auditSql, iso),
      close: () => connected.then(() => client.end()).catch(() => undefined),
    };
  }
  const file = join(o.dataDir, DATABASE_FILE);
  const read = <T>(sql: string, ...params: string[]): T[] => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  return {
    changes: () => Promise.resolve(read<StoredChange>(changesSql)),
    auditSince: (iso) => Promise.resolve(read<AuditEntry>(auditSql, iso)),
    close: () => Promise.resolve(),
  };
}
