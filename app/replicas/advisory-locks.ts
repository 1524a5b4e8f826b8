// Locks shared by every replica on one PostgreSQL database: session advisory locks, keyed by a
// hash of the schema and the lock's name (advisory locks are per database, and two Ouro apps
// may keep their stores in two schemas of one), in a key space of Ouro's own (beside the
// migrations' lock). A lock lives as long as the session that took it, so a replica that dies
// (SIGKILL, a lost host) loses its locks the moment PostgreSQL sees its connection close: the
// lease is the session, and nothing is held for a dead process. Locks of one session nest
// (PostgreSQL counts them), which is why the in-process queue in locks.ts lets only one holder
// per key ask at a time.
import type { Db } from "../../contract/storage/engine.ts";
import type { SharedLocks } from "../locks.ts";

/** The first half of every Ouro lock's key ("ourl" in ASCII); migrations use "ouro" (postgres-schema.ts). */
export const LOCK_SPACE = 0x6f75726c;

export function advisoryLocks(db: Db): SharedLocks {
  return {
    holds: (key) => {
      try {
        const r = db
          .prepare(
            `SELECT 1 AS ok FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND classid = ${LOCK_SPACE}::oid AND objid = hashtext(current_schema() || ':' || ?)::oid`,
          )
          .get(key);
        return r?.ok === 1;
      } catch {
        return false; // no session now: nothing is held
      }
    },
    tryLock: (key) =>
      db.prepare(`SELECT pg_try_advisory_lock(${LOCK_SPACE}, hashtext(current_schema() || ':' || ?)) AS ok`).get(key)?.ok === true,
    unlock: (key) => {
      try {
        db.prepare(`SELECT pg_advisory_unlock(${LOCK_SPACE}, hashtext(current_schema() || ':' || ?)) AS ok`).get(key);
      } catch {
        // the session is gone (closed or lost), and its locks went with it
      }
    },
  };
}
