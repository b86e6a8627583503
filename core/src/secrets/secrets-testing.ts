import type { Knex } from 'knex';
import { createDatabase } from '../database/database.ts';
import { secretsMigration } from '../database/migrations/004_secrets.ts';
import { createTestDatabase } from '../testing/test-database.ts';

/** A fresh database with `core_secrets`, for the tests of this folder; `drop()` destroys both pool and database. */
export async function createSecretsTestDatabase(): Promise<{ db: Knex; url: string; drop(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = createDatabase(database.url);
  await secretsMigration.up(db);
  return {
    db,
    url: database.url,
    drop: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}
