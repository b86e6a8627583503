import type { Knex } from 'knex';
import type { LakeStorage } from './lake-storage.ts';

/** Put-if-absent made atomic by Postgres, for S3 servers that ignore `If-None-Match: *`. */
export interface PgCommitLock {
  /**
   * Writes `body` at `path` only if no object exists there; false when one does. Atomic against every other caller
   * that goes through a commit lock on the same database.
   */
  putIfAbsent(storage: LakeStorage, path: string, body: Buffer | string): Promise<boolean>;
}

/** First key of the two-key advisory lock: keeps commit locks apart from other advisory locks on the database. */
const LAKE_COMMIT_LOCK_SPACE = 0x1a5c0; // "lake commit"

/**
 * Creates the Postgres commit lock. Each call takes a transaction-scoped advisory lock on the object's location,
 * checks that the object is absent, writes it, and commits, which releases the lock.
 *
 * An advisory lock rather than a `core_lake_commits(path primary key)` row: it needs no table and no clean-up, it is
 * released by Postgres if the process dies mid-commit, and the object store stays the only record of which commits
 * exist, so an inserted row can never claim a commit whose upload failed. A hash collision between two locations
 * only makes two unrelated commits wait for each other. This is only correct when every writer of the lake commits
 * through this lock on the same database; the lake's storage must be configured with `conditionalWrites: false`
 * for all Assay instances sharing it.
 *
 * @example
 * ```ts
 * const lock = createPgCommitLock(db);
 * const committed = await lock.putIfAbsent(storage, 't/_delta_log/00000000000000000001.json', commitJson);
 * ```
 */
export function createPgCommitLock(db: Knex): PgCommitLock {
  return {
    putIfAbsent: (storage, path, body) => {
      const where = storage.describe(path);
      return db.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(?, hashtext(?))', [LAKE_COMMIT_LOCK_SPACE, where]);
        if ((await storage.head(path)) !== undefined) return false;
        await storage.write(path, body);
        return true;
      });
    },
  };
}
