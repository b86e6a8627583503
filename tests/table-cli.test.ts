import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createS3Storage,
  stagedFilesIn,
  startS3TestServer,
  writeTable,
  type S3TestServer,
} from '@assay/core/lake-testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

const golden = join(import.meta.dirname, '..', '..', 'shared', 'testdata', 'delta-golden');
const checkpointed = join(golden, 'basic-with-inserts-deletes-checkpoint', 'delta');

describe('assay table on a table Spark wrote', () => {
  test('info reports the latest version, schema and row count', async () => {
    const result = await runAssayToEnd(['table', 'info', checkpointed, '--json'], {});
    assert.equal(result.code, 0, result.stderr.join('\n'));
    const info = JSON.parse(result.stdout.join('')) as {
      version: number;
      rows: number;
      schema: Array<{ name: string }>;
    };
    assert.deepEqual([info.version, info.rows, info.schema.map((c) => c.name)], [13, 41, ['id']]);
  });

  test('history lists commits newest first with their operations', async () => {
    const result = await runAssayToEnd(['table', 'history', checkpointed, '--json', '--limit', '3'], {});
    const entries = result.stdout.map((line) => JSON.parse(line) as { version: number; operation: string });
    assert.deepEqual(
      entries.map((e) => e.version),
      [13, 12, 11],
    );
    assert.equal(entries[0]!.operation, 'DELETE');
  });

  test('read streams the rows of a version as NDJSON, and --out writes Parquet', async () => {
    const result = await runAssayToEnd(
      ['table', 'read', checkpointed, '--version', '13', '--json', '--limit', '1000'],
      {},
    );
    const ids = result.stdout.map((line) => Number((JSON.parse(line) as { id: string }).id)).sort((a, b) => a - b);
    const expected = [
      ...range(0, 5),
      ...range(10, 15),
      ...range(20, 25),
      ...range(30, 35),
      ...range(40, 45),
      ...range(50, 66),
    ];
    assert.deepEqual(ids, expected);

    const dir = await mkdtemp(join(tmpdir(), 'assay-table-'));
    try {
      const out = join(dir, 'v13.parquet');
      const written = await runAssayToEnd(['table', 'read', checkpointed, '--version', '13', '--out', out], {});
      assert.match(written.stdout.join('\n'), /Wrote 41 rows of version 13/);
      const connection = await (await DuckDBInstance.create(':memory:')).connect();
      const count = await connection.runAndReadAll(`SELECT count(*)::INT AS n FROM read_parquet('${out}')`);
      assert.deepEqual(count.getRowObjectsJson(), [{ n: 41 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('bad input: a missing table, an unavailable version, an unsupported feature, a bad flag', async () => {
    const missing = await runAssayToEnd(['table', 'info', '/nonexistent/table'], {});
    assert.equal(missing.code, 1);
    assert.match(missing.stderr[0]!, /\[DELTA_TABLE_NOT_FOUND\]$/);
    const version = await runAssayToEnd(['table', 'info', checkpointed, '--version', '99'], {});
    assert.match(version.stderr[0]!, /retains versions 0 to 13\. \[DELTA_VERSION_NOT_FOUND\]$/);
    const deletionVectors = await runAssayToEnd(
      ['table', 'read', join(golden, 'dv-partitioned-with-checkpoint', 'delta')],
      {},
    );
    assert.match(deletionVectors.stderr[0]!, /deletionVectors.*\[DELTA_UNSUPPORTED_FEATURE\]$/);
    const flag = await runAssayToEnd(['table', 'info', checkpointed, '--version', 'latest'], {});
    assert.match(flag.stderr[0]!, /--version must be an integer/);
  });
});

describe('assay table on a damaged table', () => {
  test('a truncated data file is DATA_FILE_CORRUPT naming the file, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-truncated-'));
    try {
      await cp(checkpointed, dir, { recursive: true });
      for (const file of (await readdir(dir)).filter((name) => name.endsWith('.parquet'))) {
        await truncate(join(dir, file), 20);
      }
      const result = await runAssayToEnd(['table', 'read', dir], {});
      assert.equal(result.code, 1);
      assert.equal(result.stderr.length, 1, result.stderr.join('\n'));
      assert.match(result.stderr[0]!, /Data file .*\.parquet is corrupt or truncated: .* \[DATA_FILE_CORRUPT\]$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('assay table on S3', () => {
  let server: S3TestServer;
  let dir: string;

  before(async () => {
    server = await startS3TestServer();
    dir = await tempHome('assay-table-s3-');
    const storage = createS3Storage({
      bucket: server.bucket,
      prefix: 'lake/sales',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      conditionalWrites: true,
    });
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const select = `SELECT range::INTEGER AS id, 'sku-' || range AS sku FROM range(100)`;
    await connection.run(`COPY (${select}) TO '${join(dir, 'staged.parquet')}' (FORMAT parquet)`);
    await writeTable(
      storage,
      '',
      {
        mode: 'append',
        staged: await stagedFilesIn(join(dir, 'staged.parquet'), []),
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'sku', type: 'VARCHAR' },
        ],
        provenance: { operation: 'WRITE', user: 'test' },
      },
      connection,
    );
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('reads a table Assay wrote to S3, through the local cache', async () => {
    const env = {
      ASSAY_HOME: dir,
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const result = await runAssayToEnd(
      ['table', 'read', `s3://${server.bucket}/lake/sales`, '--json', '--limit', '500'],
      env,
      dir,
    );
    assert.equal(result.code, 0, result.stderr.join('\n'));
    assert.equal(result.stdout.length, 100);
    const history = await runAssayToEnd(['table', 'history', `s3://${server.bucket}/lake/sales`, '--json'], env, dir);
    assert.equal((JSON.parse(history.stdout[0]!) as { user: string }).user, 'test');
    const badKeys = await runAssayToEnd(
      ['table', 'info', `s3://${server.bucket}/lake/sales`],
      { ...env, AWS_ACCESS_KEY_ID: 'WRONG' },
      dir,
    );
    assert.equal(badKeys.code, 1);
    assert.match(badKeys.stderr[0]!, /\[STORAGE_ACCESS_DENIED\]$/);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
