import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { createTestDatabase } from '../../testing/test-database.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../delta/snapshot-sql.ts';
import { localDataFiles } from '../snapshot-files.ts';
import { startS3TestServer } from '../storage/conditional-write-shim.ts';
import { createCachedStorage } from '../storage/read-cache.ts';
import type { WriterJob } from './fixtures/delta-writer-process.ts';
import { openLake, stageRows, type LakeSpec } from './fixtures/delta-writer-kit.ts';
import { writeTable, type WriteTableResult } from './write-table.ts';

const WRITERS = 5;
const APPENDS = 3;
const WRITER_PROCESS = join(import.meta.dirname, 'fixtures', 'delta-writer-process.ts');

const s3 = await startS3TestServer();
const database = await createTestDatabase();
const scratch = await mkdtemp(join(tmpdir(), 'assay-concurrency-'));
after(async () => {
  await database.drop();
  await s3.stop();
  await rm(scratch, { recursive: true, force: true });
});
const staging = join(scratch, 'staging');

let tables = 0;
/** A fresh lake per test: `make` returns its spec. */
const modes: ReadonlyArray<{ name: string; make: () => LakeSpec }> = [
  { name: 'local disk', make: () => ({ kind: 'local', root: join(scratch, `lake-${tables++}`) }) },
  {
    name: 'S3 with conditional writes',
    make: () => ({
      kind: 's3',
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: `lake-${tables++}`,
      conditionalWrites: true,
    }),
  },
  {
    name: 'S3 without conditional writes, through the Postgres commit lock',
    make: () => ({
      kind: 's3',
      endpoint: s3.directEndpoint,
      bucket: s3.bucket,
      prefix: `lake-${tables++}`,
      conditionalWrites: false,
      lockDatabaseUrl: database.url,
    }),
  },
];

/** Writes the rows of `select` as one writer with its own storage client, commit strategy and DuckDB connection. */
async function write(
  spec: LakeSpec,
  table: string,
  select: string,
  txn?: { appId: string; version: number },
): Promise<WriteTableResult> {
  const lake = openLake(spec);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const { staged, columns } = await stageRows(connection, staging, [select]);
    return await writeTable(
      lake.storage,
      table,
      {
        mode: 'append',
        staged,
        columns,
        provenance: { operation: 'WRITE' },
        ...(txn === undefined ? {} : { txn }),
        ...(lake.putIfAbsent === undefined ? {} : { putIfAbsent: lake.putIfAbsent }),
      },
      connection,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
    await lake.close();
  }
}

/** The table's latest version and rows as `writer/n`, read through the read cache like a remote reader. */
async function readTable(spec: LakeSpec, table: string): Promise<{ version: number; rows: string[] }> {
  const lake = openLake(spec);
  const cacheDir = await mkdtemp(join(scratch, 'cache-'));
  const storage = createCachedStorage(lake.storage, { directory: cacheDir, maxBytes: 1024 ** 3 });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const snapshot = await loadSnapshot(storage, { tablePath: table, connection });
    const files = await localDataFiles(snapshot);
    const sql = snapshotSelectSql(snapshot, (path) => files.get(path)!);
    const result = await connection.runAndReadAll(`SELECT writer, n FROM (${sql}) ORDER BY writer, n`);
    return { version: snapshot.version, rows: result.getRowObjectsJson().map((row) => `${row.writer}/${row.n}`) };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await lake.close();
  }
}

/** The commit files of the table's log, as version numbers. */
async function loggedVersions(spec: LakeSpec, table: string): Promise<number[]> {
  const lake = openLake(spec);
  const versions: number[] = [];
  for await (const object of lake.storage.list(`${table}/_delta_log/`)) {
    const match = /\/(\d{20})\.json$/.exec(object.path);
    if (match !== null) versions.push(Number(match[1]));
  }
  await lake.close();
  return versions;
}

/** Runs the writer fixture in a child process; resolves with the versions it committed. */
async function writerProcess(job: WriterJob): Promise<number[]> {
  const child = spawn(process.execPath, [WRITER_PROCESS, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const versions: number[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const match = /^committed (\d+)$/.exec(line);
    if (match !== null) versions.push(Number(match[1]));
  }
  const code = await exited;
  assert.equal(code, 0, `writer ${job.writer} exited with ${code}: ${stderr}`);
  return versions;
}

const expectedVersions = Array.from({ length: WRITERS * APPENDS }, (_, index) => index + 1);
const expectedRows = [
  '-1/-1',
  ...Array.from({ length: WRITERS }, (_, writer) => Array.from({ length: APPENDS }, (_, n) => `${writer}/${n}`)).flat(),
];

/** Versions 1..15 each committed once, in the log and by the writers, and every row present exactly once. */
async function assertAllCommittedOnce(spec: LakeSpec, table: string, committed: number[]): Promise<void> {
  assert.deepEqual(
    committed.sort((a, b) => a - b),
    expectedVersions,
    'each writer got its own version',
  );
  assert.deepEqual(await loggedVersions(spec, table), [0, ...expectedVersions], 'the log has versions 0..15');
  const { version, rows } = await readTable(spec, table);
  assert.equal(version, WRITERS * APPENDS);
  assert.deepEqual(rows, expectedRows, 'every row once, none lost or duplicated');
}

for (const mode of modes) {
  describe(`concurrent Delta writers on ${mode.name}`, () => {
    test(`${WRITERS} concurrent writers x ${APPENDS} appends: versions 1..15 each once, every row once`, async () => {
      const spec = mode.make();
      assert.equal((await write(spec, 't', 'SELECT -1 AS writer, -1 AS n')).version, 0);
      const committed = await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          const versions: number[] = [];
          for (let n = 0; n < APPENDS; n++) {
            versions.push((await write(spec, 't', `SELECT ${writer} AS writer, ${n} AS n`)).version);
          }
          return versions;
        }),
      );
      await assertAllCommittedOnce(spec, 't', committed.flat());
    });

    test(`${WRITERS} writer processes x ${APPENDS} appends: versions 1..15 each once, every row once`, async () => {
      const spec = mode.make();
      assert.equal((await write(spec, 't', 'SELECT -1 AS writer, -1 AS n')).version, 0);
      const committed = await Promise.all(
        Array.from({ length: WRITERS }, (_, writer) =>
          writerProcess({ lake: spec, tablePath: 't', staging, action: 'append', writer, appends: APPENDS }),
        ),
      );
      await assertAllCommittedOnce(spec, 't', committed.flat());
    });

    test('a retried commit with the same txn is a no-op, also when the retries race', async () => {
      const spec = mode.make();
      const txn = { appId: 'job-7', version: 3 };
      const first = await write(spec, 't', 'SELECT 0 AS writer, 0 AS n', txn);
      const retry = await write(spec, 't', 'SELECT 0 AS writer, 0 AS n', txn);
      assert.deepEqual([first.version, first.skipped], [0, false]);
      assert.deepEqual([retry.version, retry.skipped, retry.rowsAdded], [0, true, 0]);
      const older = await write(spec, 't', 'SELECT 0 AS writer, 0 AS n', { appId: 'job-7', version: 2 });
      assert.equal(older.skipped, true, 'an older version of the same app is already covered');

      const racing = await Promise.all(
        Array.from({ length: 4 }, () => write(spec, 't', 'SELECT 1 AS writer, 0 AS n', { appId: 'job-7', version: 4 })),
      );
      assert.equal(racing.filter((result) => !result.skipped).length, 1, 'exactly one of the racing retries commits');
      assert.deepEqual(
        racing.map((result) => result.version),
        [1, 1, 1, 1],
      );
      assert.deepEqual(await loggedVersions(spec, 't'), [0, 1]);
      assert.deepEqual((await readTable(spec, 't')).rows, ['0/0', '1/0']);
    });
  });
}
