import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AssayError } from '@assay/sdk';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { createLocalStorage } from '../storage/local-storage.ts';
import { loadSnapshot } from './snapshot.ts';
import { snapshotSelectSql } from './snapshot-sql.ts';

const GOLDEN = join(import.meta.dirname, '../../../../../shared/testdata/delta-golden');
const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: "it's", type: { type: 'array', elementType: 'string', containsNull: true }, nullable: true, metadata: {} },
  ],
});
const HEADER = [
  { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
  {
    metaData: {
      id: 't',
      format: { provider: 'parquet', options: {} },
      schemaString: SCHEMA,
      partitionColumns: [],
      configuration: {},
    },
  },
];

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let scratch: string;
before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  scratch = await mkdtemp(join(tmpdir(), 'assay-delta-log-'));
});
after(async () => {
  connection.closeSync();
  instance.closeSync();
  await rm(scratch, { recursive: true, force: true });
});

async function copyOf(name: string): Promise<string> {
  const target = await mkdtemp(join(scratch, `${name}-`));
  await cp(join(GOLDEN, name, 'delta'), target, { recursive: true });
  return target;
}

/** A table written by hand: one commit per entry, each a list of lines. */
async function tableWith(commits: readonly (readonly (object | string)[])[]): Promise<string> {
  const root = await mkdtemp(join(scratch, 'hand-'));
  await mkdir(join(root, '_delta_log'));
  for (const [version, lines] of commits.entries()) {
    const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
    await writeFile(join(root, '_delta_log', `${String(version).padStart(20, '0')}.json`), `${text}\n`);
  }
  return root;
}

async function failure(storage: LakeStorage, code: string): Promise<AssayError> {
  let caught: unknown;
  await loadSnapshot(storage, { connection }).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof AssayError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

async function fileCount(storage: LakeStorage): Promise<number> {
  return (await loadSnapshot(storage, { connection })).files.length;
}

describe('delta log access', () => {
  test('a corrupt commit line fails naming the file and the line', async () => {
    const root = await tableWith([HEADER, [{ commitInfo: {} }, '{"add": {"path": "a.parquet", "size": 1']]);
    const error = await failure(createLocalStorage(root), 'DELTA_LOG_CORRUPT');
    assert.match(error.message, /00000000000000000001\.json line 2/);
  });

  test('an add without a size is corrupt', async () => {
    const root = await tableWith([
      HEADER,
      [{ add: { path: 'a.parquet', partitionValues: {}, modificationTime: 1, dataChange: true } }],
    ]);
    await failure(createLocalStorage(root), 'DELTA_LOG_CORRUPT');
  });

  test('an empty or missing _delta_log is not a table', async () => {
    const root = await mkdtemp(join(scratch, 'empty-'));
    await failure(createLocalStorage(root), 'DELTA_TABLE_NOT_FOUND');
    await mkdir(join(root, '_delta_log'));
    await failure(createLocalStorage(root), 'DELTA_TABLE_NOT_FOUND');
  });

  test('a gap in the versions names the missing commit', async () => {
    const error = await failure(
      createLocalStorage(join(GOLDEN, 'versions-not-contiguous', 'delta')),
      'DELTA_VERSIONS_NOT_CONTIGUOUS',
    );
    assert.deepEqual(error.details, { missing: 1, from: 0, to: 2 });
  });

  test('replay keeps the latest txn per application and drops removed files', async () => {
    const add = (path: string) => ({
      add: { path, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true },
    });
    const root = await tableWith([
      [...HEADER, add('a.parquet'), add('b%20c.parquet'), { txn: { appId: 'job-1', version: 1 } }],
      [
        { remove: { path: 'b c.parquet', dataChange: true } },
        { txn: { appId: 'job-1', version: 2 } },
        { txn: { appId: 'job-2', version: 7 } },
      ],
      [{ domainMetadata: { domain: 'd', configuration: '{}', removed: false } }, { cdc: { path: 'x', size: 1 } }],
    ]);
    const snapshot = await loadSnapshot(createLocalStorage(root), { connection });
    assert.deepEqual(
      snapshot.files.map((file) => file.path),
      ['a.parquet'],
    );
    assert.deepEqual(
      [...snapshot.txns],
      [
        ['job-1', 2],
        ['job-2', 7],
      ],
    );
  });

  test('an empty table reads as a typed empty relation', async () => {
    const snapshot = await loadSnapshot(createLocalStorage(await tableWith([HEADER])), { connection });
    const result = await connection.runAndReadAll(`SELECT * FROM (${snapshotSelectSql(snapshot, (path) => path)})`);
    assert.equal(result.getRows().length, 0);
    assert.deepEqual(result.columnNames(), ['id', "it's"]);
    assert.deepEqual(result.columnTypes().map(String), ['BIGINT', 'VARCHAR[]']);
  });
});

describe('checkpoints', () => {
  test('a stale _last_checkpoint falls back to listing', async () => {
    const root = await copyOf('basic-with-inserts-deletes-checkpoint');
    const expected = await fileCount(createLocalStorage(root));
    await writeFile(join(root, '_delta_log', '_last_checkpoint'), '{"version":12,"size":3}');
    const snapshot = await loadSnapshot(createLocalStorage(root), { connection });
    assert.equal(snapshot.version, 13);
    assert.equal(snapshot.files.length, expected);
  });

  test('an incomplete multi-part checkpoint is ignored', async () => {
    const root = await copyOf('multi-part-checkpoint');
    const expected = await fileCount(createLocalStorage(root));
    await rm(join(root, '_delta_log', '00000000000000000001.checkpoint.0000000002.0000000002.parquet'));
    assert.equal(await fileCount(createLocalStorage(root)), expected);
    await rm(join(root, '_delta_log', '00000000000000000000.json'));
    const error = await failure(createLocalStorage(root), 'DELTA_VERSIONS_NOT_CONTIGUOUS');
    assert.equal(error.details?.missing, 0);
  });

  test('remote storage reads checkpoints through a temporary local copy', async () => {
    const local = createLocalStorage(join(GOLDEN, 'multi-part-checkpoint', 'delta'));
    const remote: LakeStorage = { ...local, localPath: () => undefined };
    const viaLocal = await loadSnapshot(local, { connection });
    const viaRemote = await loadSnapshot(remote);
    assert.deepEqual(viaRemote.files, viaLocal.files);
    assert.equal(viaRemote.files.length, 10);
  });

  test('a table below a prefix of the storage is found with tablePath', async () => {
    const snapshot = await loadSnapshot(createLocalStorage(GOLDEN), { tablePath: 'checkpoint/delta', connection });
    assert.equal(snapshot.tableRoot, 'checkpoint/delta/');
    assert.equal(snapshot.version, 14);
  });
});
