import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadSnapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../delta/snapshot-sql.ts';
import { localDataFiles } from '../snapshot-files.ts';
import { startS3TestServer } from '../storage/conditional-write-shim.ts';
import { createCachedStorage } from '../storage/read-cache.ts';
import type { WriterJob } from './fixtures/delta-writer-process.ts';
import { openLake, stageRows, type LakeSpec } from './fixtures/delta-writer-kit.ts';
import { vacuumTable } from './vacuum.ts';
import { writeTable } from './write-table.ts';

const DAY = 86_400_000;
const WRITER_PROCESS = join(import.meta.dirname, 'fixtures', 'delta-writer-process.ts');

const s3 = await startS3TestServer();
const scratch = await mkdtemp(join(tmpdir(), 'assay-killed-writer-'));
after(async () => {
  await s3.stop();
  await rm(scratch, { recursive: true, force: true });
});
const staging = join(scratch, 'staging');

const modes: ReadonlyArray<{ name: string; spec: LakeSpec }> = [
  { name: 'local disk', spec: { kind: 'local', root: join(scratch, 'lake') } },
  {
    name: 'S3',
    spec: { kind: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'lake', conditionalWrites: true },
  },
];

/** Appends the rows of `select` in this process. */
async function append(spec: LakeSpec, select: string): Promise<number> {
  const lake = openLake(spec);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const { staged, columns } = await stageRows(connection, staging, [select]);
    const request = { mode: 'append', staged, columns, provenance: { operation: 'WRITE' } } as const;
    return (await writeTable(lake.storage, 't', request, connection)).version;
  } finally {
    connection.closeSync();
    instance.closeSync();
    await lake.close();
  }
}

/** The table's latest version, its rows as `writer/n`, and its live data files. */
async function readTable(spec: LakeSpec): Promise<{ version: number; rows: string[]; files: string[] }> {
  const lake = openLake(spec);
  const storage = createCachedStorage(lake.storage, {
    directory: await mkdtemp(join(scratch, 'cache-')),
    maxBytes: 1024 ** 3,
  });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const snapshot = await loadSnapshot(storage, { tablePath: 't', connection });
    const files = await localDataFiles(snapshot);
    const sql = snapshotSelectSql(snapshot, (path) => files.get(path)!);
    const result = await connection.runAndReadAll(`SELECT writer, n FROM (${sql}) ORDER BY writer, n`);
    return {
      version: snapshot.version,
      rows: result.getRowObjectsJson().map((row) => `${row.writer}/${row.n}`),
      files: snapshot.files.map((file) => file.path).sort(),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await lake.close();
  }
}

/** The table's Parquet data files in storage, committed or not. */
async function storedDataFiles(spec: LakeSpec): Promise<string[]> {
  const lake = openLake(spec);
  const files: string[] = [];
  for await (const object of lake.storage.list('t/')) {
    if (!object.path.startsWith('t/_delta_log/') && object.path.endsWith('.parquet')) files.push(object.path.slice(2));
  }
  await lake.close();
  return files.sort();
}

/** Vacuums the table as if it were `now`, with the default retention of 7 days. */
async function vacuum(spec: LakeSpec, options: { now: number; dryRun: boolean }): Promise<string[]> {
  const lake = openLake(spec);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return [...(await vacuumTable(lake.storage, 't', connection, options)).deleted].sort();
  } finally {
    connection.closeSync();
    instance.closeSync();
    await lake.close();
  }
}

/**
 * Starts the writer fixture, waits until it has uploaded its data files, and SIGKILLs it before it commits.
 * Resolves with the paths it uploaded.
 */
async function killAfterUpload(spec: LakeSpec): Promise<string[]> {
  const job: WriterJob = { lake: spec, tablePath: 't', staging, action: 'upload-and-wait', writer: 9, appends: 0 };
  const child = spawn(process.execPath, [WRITER_PROCESS, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let uploaded: string[] | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('uploaded ')) continue;
    uploaded = JSON.parse(line.slice('uploaded '.length)) as string[];
    child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL', `the writer was to be killed after its upload; it said: ${stderr}`);
  assert.ok(uploaded !== undefined);
  return uploaded.sort();
}

for (const { name, spec } of modes) {
  describe(`a writer killed between data upload and commit, on ${name}`, () => {
    test('leaves the table readable at its previous version and orphans in storage; the next write commits, vacuum removes the orphans', async () => {
      await append(spec, 'SELECT 0 AS writer, 0 AS n');
      await append(spec, 'SELECT 0 AS writer, 1 AS n');
      const before = await readTable(spec);
      assert.deepEqual([before.version, before.rows], [1, ['0/0', '0/1']]);

      const orphans = await killAfterUpload(spec);
      assert.equal(orphans.length, 2);

      const afterKill = await readTable(spec);
      assert.deepEqual(afterKill, before, 'the killed write is invisible: same version, rows and files');
      const stored = await storedDataFiles(spec);
      assert.deepEqual(stored, [...before.files, ...orphans].sort(), 'the orphans stay in storage, uncommitted');

      assert.equal(await append(spec, 'SELECT 1 AS writer, 0 AS n'), 2);
      const next = await readTable(spec);
      assert.deepEqual([next.version, next.rows], [2, ['0/0', '0/1', '1/0']]);
      assert.ok(
        next.files.every((file) => !orphans.includes(file)),
        'the later write did not adopt the orphans',
      );

      assert.deepEqual(await vacuum(spec, { now: Date.now(), dryRun: true }), [], 'fresh orphans may be in flight');
      assert.deepEqual(await vacuum(spec, { now: Date.now() + 8 * DAY, dryRun: false }), orphans);
      assert.deepEqual(await storedDataFiles(spec), next.files, 'only the live files remain');
      assert.deepEqual((await readTable(spec)).rows, next.rows, 'vacuum kept every live row');
    });
  });
}
