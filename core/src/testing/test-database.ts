import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database created for one test file or platform, dropped on `drop()`. */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database on the server in `TEST_DATABASE_URL` (which `npm test` sets, starting
 * an embedded PostgreSQL when the machine has none). Tests never depend on what other runs left behind.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    throw new Error('TEST_DATABASE_URL is not set: run tests through `npm test`, or point it at a PostgreSQL server');
  }
  const name = `assay_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (client) => client.query(`drop database if exists "${name}" with (force)`)),
  };
}

async function withAdmin(adminUrl: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
