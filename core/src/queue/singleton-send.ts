import type { PgBoss, SendOptions } from 'pg-boss';

/**
 * Sends a job unless one with the same `singletonKey` is still waiting (created or awaiting retry): the sdk's
 * `singletonKey` contract. pg-boss enforces keys only on special queue policies or within throttle windows, so the
 * check happens here, in one transaction with the insert, serialised per key by a transaction-scoped advisory lock
 * so that two processes cannot both see "none waiting" and both insert.
 */
export async function sendUnlessWaiting(
  boss: PgBoss,
  name: string,
  data: object,
  options: SendOptions & { singletonKey: string },
): Promise<string | null> {
  const database = boss.getDb();
  if (database.beginTransaction === undefined) {
    throw new Error('The pg-boss database adapter cannot open transactions, which singletonKey sends need');
  }
  const transaction = await database.beginTransaction();
  try {
    await transaction.db.executeSql('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
      JSON.stringify(['assay.queue-singleton', name, options.singletonKey]),
    ]);
    const waiting = await boss.findJobs(name, { key: options.singletonKey, queued: true, db: transaction.db });
    const id = waiting.length > 0 ? null : await boss.send(name, data, { ...options, db: transaction.db });
    await transaction.commit();
    return id;
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}
