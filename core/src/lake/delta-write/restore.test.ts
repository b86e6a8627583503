import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot } from '../delta/snapshot.ts';
import { readHistory } from '../delta/table-history.ts';
import { restoreTable } from './restore.ts';
import { createTestLake, type TestLake } from './test-lake.ts';
import { vacuumTable } from './vacuum.ts';

let lake: TestLake;
before(async () => {
  lake = await createTestLake();
});
after(() => lake.close());

const DAY = 86_400_000;

describe('restoreTable', () => {
  test('restoring v3 to v1 brings back v1 rows, partition values included; history shows RESTORE', async () => {
    const partitionBy = ['region'];
    await lake.write('r/a', `SELECT * FROM (VALUES (1, 'eu'), (2, NULL)) t(id, region)`, { partitionBy });
    await lake.write('r/a', `SELECT 3 AS id, 'us' AS region`, { partitionBy });
    await lake.write('r/a', `SELECT 10 AS id, 'eu' AS region`, { partitionBy, mode: 'overwrite' });
    await lake.write('r/a', `SELECT 11 AS id, NULL::VARCHAR AS region`, { partitionBy });
    const v1 = await lake.rows('r/a', 'id', 1);
    const v1Files = (await loadSnapshot(lake.storage, { tablePath: 'r/a', version: 1 })).files;

    const result = await restoreTable(lake.storage, 'r/a', 1, lake.connection, { user: 'ada' });
    assert.deepEqual(result, { version: 4, filesRestored: 3, filesRemoved: 2 });
    assert.deepEqual(await lake.rows('r/a', 'id'), v1);
    assert.deepEqual(
      v1.map((row) => [row.id, row.region]),
      [
        [1, 'eu'],
        [2, null],
        [3, 'us'],
      ],
    );
    const now = await loadSnapshot(lake.storage, { tablePath: 'r/a' });
    const byPath = (files: typeof v1Files) =>
      [...files]
        .map(({ path, partitionValues, size, stats }) => ({ path, partitionValues, size, stats }))
        .sort((a, b) => (a.path < b.path ? -1 : 1));
    assert.deepEqual(byPath(now.files), byPath(v1Files), 'the original add metadata comes back');
    assert.ok(now.files.every((file) => file.dataChange));

    const [latest] = await readHistory(lake.storage, { tablePath: 'r/a', limit: 1 });
    assert.equal(latest!.operation, 'RESTORE');
    assert.deepEqual(latest!.operationParameters, { version: '1' });
    assert.equal(latest!.user, 'ada');
    assert.deepEqual([latest!.added, latest!.removed], [3, 2]);
  });

  test('restores the metaData of the target when the schema has changed since', async () => {
    await lake.write('r/schema', `SELECT 1 AS id`);
    await lake.write('r/schema', `SELECT 2 AS id, 'x' AS note`);
    await restoreTable(lake.storage, 'r/schema', 0, lake.connection);
    const snapshot = await loadSnapshot(lake.storage, { tablePath: 'r/schema' });
    assert.deepEqual(
      snapshot.schema.fields.map((field) => field.name),
      ['id'],
    );
    assert.deepEqual(await lake.rows('r/schema', 'id'), [{ id: 1 }]);
  });

  test('a version whose log is gone fails with DELTA_VERSION_NOT_FOUND and commits nothing', async () => {
    for (let n = 0; n < 11; n++) await lake.write('r/old', `SELECT ${n} AS id`);
    for (let version = 0; version < 10; version++) {
      await rm(join(lake.dir, 'lake', 'r/old', '_delta_log', `${String(version).padStart(20, '0')}.json`));
    }
    await assert.rejects(restoreTable(lake.storage, 'r/old', 5, lake.connection), {
      code: 'DELTA_VERSION_NOT_FOUND',
      message: /Version 5 .* retains versions 10 to 10/,
    });
    await assert.rejects(restoreTable(lake.storage, 'r/old', 42, lake.connection), { code: 'DELTA_VERSION_NOT_FOUND' });
    assert.equal((await loadSnapshot(lake.storage, { tablePath: 'r/old' })).version, 10);
    assert.equal((await lake.rows('r/old', 'id')).length, 11);
  });

  test('a target whose files were vacuumed fails with DELTA_RESTORE_FILES_MISSING naming one, committing nothing', async () => {
    await lake.write('r/gone', `SELECT 1 AS id`);
    await lake.write('r/gone', `SELECT 2 AS id`, { mode: 'overwrite' });
    const old = (await loadSnapshot(lake.storage, { tablePath: 'r/gone', version: 0 })).files[0]!.path;
    await vacuumTable(lake.storage, 'r/gone', lake.connection, { now: Date.now() + 10 * DAY });
    const before = await loadSnapshot(lake.storage, { tablePath: 'r/gone' });
    await assert.rejects(
      restoreTable(lake.storage, 'r/gone', 0, lake.connection),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'DELTA_RESTORE_FILES_MISSING');
        assert.ok(error.message.includes(old), error.message);
        return true;
      },
    );
    assert.equal((await loadSnapshot(lake.storage, { tablePath: 'r/gone' })).version, before.version);
    assert.deepEqual(await lake.rows('r/gone', 'id'), [{ id: 2 }]);
  });
});
