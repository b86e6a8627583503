import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Knex } from 'knex';
import { createDatabase } from '../database/database.ts';
import { ingestMigration } from '../database/migrations/008_ingest.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createIngestStateStore, txnAppId, type StateKey } from './ingest-state.ts';

let database: TestDatabase;
let db: Knex;
let key: StateKey;

before(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url);
  await ingestMigration.up(db);
  const [row] = await db('core_connections')
    .insert({ workspace: 'w', name: 'c', type: 't', version: 1, config: {} })
    .returning<Array<{ id: string }>>('id');
  key = { connectionId: row!.id, stream: 's', dataset: 'bronze.t' };
});
after(async () => {
  await db?.destroy();
  await database?.drop();
});

test('a pending state is promoted only when the table shows its commit', async () => {
  const states = createIngestStateStore(db);
  assert.deepEqual(await states.recover(key, undefined), { sequence: 0, state: undefined });
  await states.prepare(key, 1, { watermark: 'a' });
  await states.advance(key, 1, { watermark: 'a' });

  // Died after preparing 2 but before its commit: state stays, sequence 2 is never reused.
  await states.prepare(key, 2, { watermark: 'b' });
  assert.deepEqual(await states.recover(key, 1), { sequence: 2, state: { watermark: 'a' } });

  // Died after the commit of 3 landed, before the row moved: the commit's state wins.
  await states.prepare(key, 3, { watermark: 'c' });
  assert.deepEqual(await states.recover(key, 3), { sequence: 3, state: { watermark: 'c' } });
  assert.deepEqual(await states.recover(key, 3), { sequence: 3, state: { watermark: 'c' } }, 'promotion is durable');
});

test('one load per key at a time', async () => {
  const states = createIngestStateStore(db);
  let release!: () => void;
  const holding = states.exclusive(key, () => new Promise<void>((resolve) => (release = resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(
    states.exclusive(key, async () => undefined),
    (error: { code?: string }) => error.code === 'INGEST_ALREADY_RUNNING',
  );
  const other = { ...key, dataset: 'bronze.other' };
  assert.equal(await states.exclusive(other, async () => 'ran'), 'ran', 'other keys are not blocked');
  release();
  await holding;
  assert.equal(await states.exclusive(key, async () => 'ran'), 'ran', 'the lock is released');
  assert.match(txnAppId(key), /^assay-ingest:[0-9a-f-]{36}:[0-9a-f]{16}$/);
});
