import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot, type DeltaSnapshot } from '../delta/snapshot.ts';
import { CHECKPOINT_COLUMNS, writeCheckpoint } from './checkpoint-writer.ts';
import { commitWithRetry } from './commit-loop.ts';
import { createTestLake, type TestLake } from './test-lake.ts';

let lake: TestLake;
before(async () => {
  lake = await createTestLake();
});
after(() => lake.close());

const DAY = 86_400_000;
const logDir = (table: string) => join(lake.dir, 'lake', table, '_delta_log');

function comparable(snapshot: DeltaSnapshot) {
  return {
    version: snapshot.version,
    files: [...snapshot.files].sort((a, b) => (a.path < b.path ? -1 : 1)),
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    // A checkpoint has a column for every field, so absent optional fields come back as nulls.
    metadata: Object.fromEntries(Object.entries(snapshot.metadata).filter(([, value]) => value !== null)),
    protocol: snapshot.protocol,
    txns: [...snapshot.txns].sort(),
  };
}

async function describeCheckpoint(path: string): Promise<Record<string, string>> {
  const rows = await lake.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  return Object.fromEntries(rows.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]));
}

describe('writeCheckpoint', () => {
  test('25 writes: checkpoints at 10 and 20, _last_checkpoint 20, and the same snapshot without them', async () => {
    await lake.write('t/many', `SELECT 0 AS id, 'r0' AS region`, { partitionBy: ['region'] });
    for (let n = 1; n < 25; n++) {
      const mode = n === 13 ? 'overwrite' : 'append';
      const region = n % 3 === 0 ? 'NULL' : `'r${n % 3}'`;
      await lake.write('t/many', `SELECT ${n} AS id, ${region}::VARCHAR AS region`, {
        partitionBy: ['region'],
        mode,
        txn: { appId: `job-${n % 2}`, version: n },
      });
    }
    const names = (await readdir(logDir('t/many'))).filter((name) => name.includes('checkpoint'));
    assert.deepEqual(names.sort(), [
      '00000000000000000010.checkpoint.parquet',
      '00000000000000000020.checkpoint.parquet',
      '_last_checkpoint',
    ]);
    const hint = JSON.parse(await readFile(join(logDir('t/many'), '_last_checkpoint'), 'utf8')) as unknown;
    // protocol + metaData + 2 txns + 8 live files (ids 13..20) + 13 tombstones of the overwrite at version 13.
    assert.deepEqual(hint, { version: 20, size: 2 + 2 + 8 + 13 });

    const withCheckpoints = await Promise.all(
      [undefined, 10, 15, 20].map((version) =>
        loadSnapshot(lake.storage, { tablePath: 't/many', ...(version === undefined ? {} : { version }) }),
      ),
    );
    const rows = await lake.rows('t/many', 'id');
    for (const name of names) await rm(join(logDir('t/many'), name));
    const without = await Promise.all(
      [undefined, 10, 15, 20].map((version) =>
        loadSnapshot(lake.storage, { tablePath: 't/many', ...(version === undefined ? {} : { version }) }),
      ),
    );
    assert.deepEqual(withCheckpoints.map(comparable), without.map(comparable));
    assert.equal(withCheckpoints[0]!.version, 24);
    assert.deepEqual([...withCheckpoints[0]!.txns].sort(), [
      ['job-0', 24],
      ['job-1', 23],
    ]);
    assert.deepEqual(await lake.rows('t/many', 'id'), rows);
    assert.deepEqual(
      rows.map((row) => row.id),
      [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
    );
  });

  test('round-trips partition values (null included), stats and txns, and keeps only unexpired tombstones', async () => {
    await lake.write('t/round', `SELECT * FROM (VALUES (1, 'eu'), (2, NULL), (3, 'us')) t(id, region)`, {
      partitionBy: ['region'],
      txn: { appId: 'app', version: 7 },
    });
    await lake.write('t/round', `SELECT 4 AS id, 'eu' AS region`, { partitionBy: ['region'], mode: 'overwrite' });
    const before = await loadSnapshot(lake.storage, { tablePath: 't/round' });
    const written = await writeCheckpoint(lake.storage, 't/round', 1, lake.connection);
    assert.deepEqual([written.size, written.numOfAddFiles], [2 + 1 + 1 + 3, 1]);
    const checkpoint = lake.storage.localPath(written.path)!;
    const actions = await lake.connection.runAndReadAll(
      `SELECT to_json(add) AS a, to_json(remove) AS r, to_json(txn) AS t FROM read_parquet('${checkpoint}')`,
    );
    const parsed = actions.getRowObjectsJson().map((row) => ({
      add: row.a === null ? null : (JSON.parse(String(row.a)) as Record<string, unknown>),
      remove: row.r === null ? null : (JSON.parse(String(row.r)) as Record<string, unknown>),
      txn: row.t === null ? null : (JSON.parse(String(row.t)) as Record<string, unknown>),
    }));
    assert.deepEqual(
      parsed.flatMap((row) => (row.txn === null ? [] : [row.txn])),
      [{ appId: 'app', version: 7 }],
    );
    const adds = parsed.flatMap((row) => (row.add === null ? [] : [row.add]));
    assert.deepEqual(adds[0]!.partitionValues, { region: 'eu' });
    assert.equal((JSON.parse(adds[0]!.stats as string) as { numRecords: number }).numRecords, 1);
    assert.equal(parsed.filter((row) => row.remove !== null).length, 3);

    for (const file of ['00000000000000000000.json', '00000000000000000001.json'])
      await rm(join(logDir('t/round'), file));
    const restored = await loadSnapshot(lake.storage, { tablePath: 't/round' });
    assert.deepEqual(comparable(restored), comparable(before));

    // Null partition values survive: a checkpoint of version 0 (before the overwrite) of another table.
    await lake.write('t/nulls', `SELECT * FROM (VALUES (1, 'eu'), (2, NULL)) t(id, region)`, {
      partitionBy: ['region'],
    });
    const zero = await loadSnapshot(lake.storage, { tablePath: 't/nulls' });
    await writeCheckpoint(lake.storage, 't/nulls', 0, lake.connection);
    await rm(join(logDir('t/nulls'), '00000000000000000000.json'));
    const fromCheckpoint = await loadSnapshot(lake.storage, { tablePath: 't/nulls' });
    assert.deepEqual(comparable(fromCheckpoint), comparable(zero));
    assert.deepEqual(fromCheckpoint.files.map((file) => file.partitionValues.region).sort(), ['eu', null]);
    assert.deepEqual(
      (await lake.rows('t/nulls', 'id')).map((row) => row.region),
      ['eu', null],
    );

    // Eight days later the default 7-day retention has expired the tombstones.
    await lake.write('t/round2', `SELECT 1 AS id`);
    await lake.write('t/round2', `SELECT 2 AS id`, { mode: 'overwrite' });
    const late = await writeCheckpoint(lake.storage, 't/round2', 1, lake.connection, { now: Date.now() + 8 * DAY });
    assert.equal(late.size, 2 + 1);
  });

  test('honours delta.deletedFileRetentionDuration for tombstones', async () => {
    await lake.write('t/ret', `SELECT 1 AS id`);
    await commitWithRetry(lake.storage, 't/ret', lake.connection, (snapshot) => ({
      provenance: { operation: 'SET TBLPROPERTIES' },
      metaData: {
        ...snapshot!.metadata,
        configuration: { 'delta.deletedFileRetentionDuration': 'interval 30 days' },
      },
    }));
    await lake.write('t/ret', `SELECT 2 AS id`, { mode: 'overwrite' });
    const kept = await writeCheckpoint(lake.storage, 't/ret', 2, lake.connection, { now: Date.now() + 8 * DAY });
    assert.equal(kept.size, 2 + 1 + 1, 'the tombstone is within 30 days');
    const gone = await writeCheckpoint(lake.storage, 't/ret', 2, lake.connection, { now: Date.now() + 31 * DAY });
    assert.equal(gone.size, 2 + 1);
  });

  test('the checkpoint Parquet schema is the one PROTOCOL.md specifies', async () => {
    await lake.write('t/schema', `SELECT 1 AS id, 'a' AS region`, { partitionBy: ['region'] });
    const written = await writeCheckpoint(lake.storage, 't/schema', 0, lake.connection);
    const columns = await describeCheckpoint(lake.storage.localPath(written.path)!);
    assert.deepEqual(Object.keys(columns).sort(), ['add', 'metaData', 'protocol', 'remove', 'txn']);
    assert.equal(
      columns.add,
      'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, ' +
        'dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))',
    );
    assert.equal(columns.remove, 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN)');
    assert.equal(columns.txn, 'STRUCT(appId VARCHAR, "version" BIGINT)');
    assert.equal(
      columns.protocol,
      'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
    );
    assert.equal(
      columns.metaData,
      'STRUCT(id VARCHAR, "name" VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, "options" MAP(VARCHAR, VARCHAR)), ' +
        'schemaString VARCHAR, partitionColumns VARCHAR[], createdTime BIGINT, "configuration" MAP(VARCHAR, VARCHAR))',
    );
    assert.deepEqual(Object.keys(CHECKPOINT_COLUMNS).sort(), Object.keys(columns).sort());
    const rows = await lake.connection.runAndReadAll(
      `SELECT count(*)::INT AS n FROM read_parquet('${lake.storage.localPath(written.path)!}')
       WHERE (protocol IS NOT NULL)::INT + (metaData IS NOT NULL)::INT + (add IS NOT NULL)::INT
           + (remove IS NOT NULL)::INT + (txn IS NOT NULL)::INT <> 1`,
    );
    assert.deepEqual(rows.getRowObjectsJson(), [{ n: 0 }], 'each row holds exactly one action');
  });
});
