import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { createLocalStorage } from '../storage/local-storage.ts';
import { stagedFilesIn, uploadStagedFiles } from './staged-files.ts';

let dir: string;
let connection: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-staged-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
after(() => rm(dir, { recursive: true, force: true }));

test('partitioned output becomes uploaded files with add actions, partition values and stats', async () => {
  const output = join(dir, 'out');
  await connection.run(
    `COPY (SELECT * FROM (VALUES (1, 'eu', 10), (2, NULL, 20), (3, 'a/b c%=', 30), (4, 'eu', 40)) t(id, region, amount))
     TO ${literal(output)} (FORMAT parquet, PARTITION_BY (region))`,
  );
  const staged = await stagedFilesIn(output, ['region']);
  assert.deepEqual(staged.map((file) => file.partitionValues.region).sort(), ['a/b c%=', 'eu', null].sort());

  const storage = createLocalStorage(join(dir, 'lake'));
  const adds = await uploadStagedFiles(storage, 'silver/orders', staged, ['region'], connection);
  assert.equal(adds.length, 3);
  for (const add of adds) {
    const physical = add.path.split('/').map(decodeURIComponent).join('/');
    assert.ok(existsSync(join(dir, 'lake', 'silver', 'orders', physical)), `uploaded ${physical}`);
    assert.match(physical, /^region=[^/]+\/part-\d{5}-[0-9a-f-]{36}\.zstd\.parquet$/);
    assert.equal(add.dataChange, true);
    assert.ok(add.size > 0);
  }
  const europe = adds.find((add) => add.partitionValues.region === 'eu')!;
  assert.deepEqual(JSON.parse(europe.stats!).minValues, { id: 1, amount: 10 });
  const odd = adds.find((add) => add.partitionValues.region === 'a/b c%=')!;
  // Hive-escaped on disk (`/`, `%`, `=` percent-encoded, space kept); the add path URI-encodes that name again.
  assert.equal(decodeURIComponent(odd.path.split('/')[0]!), 'region=a%2Fb c%25%3D');
  const nulls = adds.find((add) => add.partitionValues.region === null)!;
  assert.match(nulls.path, /^region%3D__HIVE_DEFAULT_PARTITION__\//);
});

test('a single unpartitioned file is staged as is', async () => {
  const file = join(dir, 'single.parquet');
  await connection.run(`COPY (SELECT 1 AS x) TO ${literal(file)} (FORMAT parquet)`);
  assert.deepEqual(await stagedFilesIn(file, []), [{ localPath: file, partitionValues: {} }]);
});

test('output that does not match the declared partition columns is refused', async () => {
  const output = join(dir, 'mismatch');
  await connection.run(`COPY (SELECT 1 AS id, 'x' AS a) TO ${literal(output)} (FORMAT parquet, PARTITION_BY (a))`);
  await assert.rejects(stagedFilesIn(output, ['b']), { code: 'DELTA_STAGING_INVALID' });
  await assert.rejects(stagedFilesIn(output, []), { code: 'DELTA_STAGING_INVALID' });
});
