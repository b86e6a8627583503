import type { Knex } from 'knex';
import { pino } from 'pino';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import type { AccessHookOptions } from '../auth/access-hook.ts';
import { createIdentity, type Identity } from '../auth/identity.ts';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createTestDatabase } from './test-database.ts';

/** A migrated test database with the real identity services, for tests that build a bare HTTP app. */
export interface IdentityTestKit {
  readonly db: Knex;
  readonly identity: Identity;
  /** What `createHttpServer`/`installAccessHook` need. */
  readonly access: AccessHookOptions;
  readonly audit: AuditLog;
  close(): Promise<void>;
}

export async function createIdentityTestKit(): Promise<IdentityTestKit> {
  const database = await createTestDatabase();
  const db = createDatabase(database.url);
  try {
    await runMigrations(db);
    const identity = await createIdentity({ db, logger: pino({ level: 'silent' }) });
    return {
      db,
      identity,
      audit: createAuditLog({ db }),
      access: { authenticator: identity.authenticator, access: identity.access, workspaces: identity.workspaces },
      close: async () => {
        await db.destroy();
        await database.drop();
      },
    };
  } catch (error) {
    await db.destroy();
    await database.drop();
    throw error;
  }
}
