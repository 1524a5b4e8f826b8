// What the bench reads back from the app's store (never written here): each change's state
// and reason, and audit entries after a moment. PostgreSQL is read over its own connection;
// SQLite read-only beside the running app (WAL lets a reader in).
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { DATABASE_FILE } from "../../app/store/database.ts";
import { query } from "./postgres.ts";

export interface StoredChange {
  id: string;
  state: string;
  reason: string | null;
  pr_number: number | null;
}

export interface AuditEntry {
  change_id: string;
  at: string;
  event: string;
}

export interface StoreReader {
  changes(): StoredChange[];
  /** Audit entries at or after `iso`, oldest first. */
  auditSince(iso: string): AuditEntry[];
}

export function storeReader(o: { databaseUrl?: string; dataDir: string }): StoreReader {
  const changesSql = "SELECT id, state, reason, pr_number FROM changes";
  const auditSql = "SELECT change_id, at, event FROM audit WHERE at >= ? ORDER BY seq";
  if (o.databaseUrl) {
    const url = o.databaseUrl;
    return {
      changes: () => query<StoredChange>(url, changesSql),
      auditSince: (iso) => query<AuditEntry>(url, auditSql, iso),
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
  return { changes: () => read<StoredChange>(changesSql), auditSince: (iso) => read<AuditEntry>(auditSql, iso) };
}
