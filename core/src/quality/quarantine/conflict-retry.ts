import { AssayError, ConflictError } from '@assay/sdk';

/**
 * Attempts of a quarantine change before a conflict is reported. A small quarantine is one file, so every edit
 * rewrites it and concurrent edits all conflict: each round one of them lands, so allow a round per editor.
 */
const ATTEMPTS = 12;

/**
 * Runs a quarantine change again, from a fresh snapshot, when a concurrent commit rewrote files it read
 * (`DELTA_CONCURRENT_MODIFICATION`): the change is worked out anew over the other writer's result, so neither edit
 * is lost. After {@link ATTEMPTS} conflicts it gives up with 409 `QUARANTINE_CONFLICT` (safe to retry). `work`
 * learns whether it is a retry, to tell a row that is gone from a row someone else changed meanwhile.
 */
export async function retryOnConflict<T>(where: string, work: (retry: boolean) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt > 1);
    } catch (error) {
      if (!(error instanceof AssayError) || error.code !== 'DELTA_CONCURRENT_MODIFICATION') throw error;
      if (attempt >= ATTEMPTS) {
        throw new ConflictError(
          `${where}: the quarantine kept changing under concurrent edits (${ATTEMPTS} attempts); try again`,
          { code: 'QUARANTINE_CONFLICT', cause: error },
        );
      }
      // Jittered and growing, so the writers that lost a round do not collide again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(400, 10 * 2 ** attempt)));
    }
  }
}
