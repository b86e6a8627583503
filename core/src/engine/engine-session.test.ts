import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from './dataset-view.ts';
import { openSession, type EngineSession, type SessionOptions } from './engine-session.ts';

let dir: string;
let customers: string;
let secret: string;
let session: EngineSession;

const customersView = () => ({
  name: 'silver.customers',
  source: `SELECT * FROM read_parquet([${literal(customers)}])`,
  files: [customers],
  masks: { email: `regexp_replace(email, '^[^@]+', '***')` },
  rowFilter: `region = 'eu'`,
});

function options(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return {
    views: [customersView()],
    memoryLimit: '256MB',
    threads: 1,
    scratchDirectory: join(dir, `scratch-${Math.random().toString(36).slice(2)}`),
    ...overrides,
  };
}

async function rows(sql: string, target = session): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for await (const chunk of target.stream(sql)) all.push(...chunk);
  return all;
}

async function rejects(sql: string, code: string): Promise<void> {
  await assert.rejects(rows(sql), (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, `${sql}: ${error.message}`);
    return true;
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-engine-'));
  customers = join(dir, 'lake', 'silver', 'customers', 'part-0.parquet');
  secret = join(dir, 'lake', 'silver', 'payroll', 'part-0.parquet');
  const setup = await (await DuckDBInstance.create(':memory:')).connect();
  await setup.run(`COPY (SELECT 1) TO ${literal(join(dir, 'mkdir.parquet'))}`);
  for (const [file, select] of [
    [
      customers,
      `SELECT * FROM (VALUES (1, 'ann@example.com', 'eu'), (2, 'bob@example.com', 'us'), (3, 'cy@example.com', 'eu')) t(id, email, region)`,
    ],
    [secret, `SELECT 'ceo' AS role, 1000000 AS salary`],
  ] as const) {
    await setup.run(`CREATE OR REPLACE TEMP TABLE t AS ${select}`);
    await import('node:fs/promises').then((fs) => fs.mkdir(join(file, '..'), { recursive: true }));
    await setup.run(`COPY t TO ${literal(file)} (FORMAT parquet)`);
  }
  symlinkSync('/etc/passwd', join(dir, 'lake', 'silver', 'customers', 'escape.parquet'));
  session = await openSession(options());
});
after(async () => {
  await session.close();
  await rm(dir, { recursive: true, force: true });
});

describe('engine session: dataset views', () => {
  test('a masked column is masked and a row-filtered row is absent', async () => {
    assert.deepEqual(await rows('SELECT id, email, region FROM silver.customers ORDER BY id'), [
      { id: 1, email: '***@example.com', region: 'eu' },
      { id: 3, email: '***@example.com', region: 'eu' },
    ]);
  });

  test('CTEs, joins and aggregates over views work', async () => {
    const result = await rows(
      'WITH c AS (SELECT * FROM silver.customers) SELECT count(*)::INT AS n FROM c JOIN silver.customers USING (id)',
    );
    assert.deepEqual(result, [{ n: 2 }]);
  });

  test('results stream in chunks instead of one array', async () => {
    const sizes: number[] = [];
    for await (const chunk of session.stream('SELECT range AS n FROM range(10000)')) sizes.push(chunk.length);
    assert.ok(sizes.length >= 4, `chunks: ${sizes.join(',')}`);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      10000,
    );
  });

  test('copyToParquet writes into the session scratch directory only', async () => {
    const { path, rows: written } = await session.copyToParquet('SELECT * FROM silver.customers', 'out.parquet');
    assert.equal(written, 2);
    assert.ok(existsSync(path));
    await assert.rejects(session.copyToParquet('SELECT 1', '../escape.parquet'), { code: 'OUTPUT_INVALID' });
  });

  test('copyToParquet with partitionBy writes column=value directories without the partition column', async () => {
    const { path, rows: written } = await session.copyToParquet(
      'SELECT id, region FROM silver.customers UNION ALL SELECT 9, NULL',
      'parts.parquet',
      { partitionBy: ['region'] },
    );
    assert.equal(written, 3);
    assert.ok(path.endsWith('/parts'));
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual((await readdir(path)).sort(), ['region=__HIVE_DEFAULT_PARTITION__', 'region=eu']);
  });

  test('describe reports the columns without running the query, after the same checks', async () => {
    assert.deepEqual(await session.describe('SELECT id, upper(email) AS email FROM silver.customers'), [
      { name: 'id', type: 'INTEGER' },
      { name: 'email', type: 'VARCHAR' },
    ]);
    const started = Date.now();
    await session.describe('SELECT count(*) AS n FROM range(10000000000) a, range(1000) b');
    assert.ok(Date.now() - started < 1000, 'not executed');
    await assert.rejects(session.describe('SELECT * FROM silver.payroll'), { code: 'SQL_RELATION_NOT_ALLOWED' });
    await assert.rejects(session.describe('DROP TABLE silver.customers'), { code: 'SQL_NOT_A_QUERY' });
  });
});

describe('engine session: the sandbox refuses', () => {
  test('reading /etc/passwd', () => rejects(`SELECT * FROM read_csv('/etc/passwd')`, 'SQL_FUNCTION_NOT_ALLOWED'));
  test('a file path used as a table', () => rejects(`SELECT * FROM '/etc/passwd'`, 'SQL_RELATION_NOT_ALLOWED'));
  test('a granted dataset file read directly, which would bypass the masks', () =>
    rejects(`SELECT * FROM read_parquet(${literal(customers)})`, 'SQL_FUNCTION_NOT_ALLOWED'));
  test('traversal with ../', () =>
    rejects(
      `SELECT * FROM read_parquet('${dir}/lake/silver/customers/../payroll/part-0.parquet')`,
      'SQL_FUNCTION_NOT_ALLOWED',
    ));
  test('a glob outside the session', () => rejects(`SELECT * FROM glob('/etc/*')`, 'SQL_FUNCTION_NOT_ALLOWED'));
  test('a dataset not granted to the session', () =>
    rejects('SELECT * FROM silver.payroll', 'SQL_RELATION_NOT_ALLOWED'));
  test('ATTACH', () => rejects(`ATTACH '${dir}/x.duckdb'`, 'SQL_NOT_A_QUERY'));
  test('INSTALL and LOAD', async () => {
    await rejects('INSTALL httpfs', 'SQL_NOT_A_QUERY');
    await rejects('LOAD httpfs', 'SQL_NOT_A_QUERY');
  });
  test('COPY into the lake', () =>
    rejects(`COPY (SELECT 1) TO '${dir}/lake/silver/customers/evil.parquet'`, 'SQL_NOT_A_QUERY'));
  test('changing settings', () => rejects('SET enable_external_access = true', 'SQL_NOT_A_QUERY'));
  test('several statements', () => rejects('SELECT 1; SELECT 2', 'SQL_NOT_A_QUERY'));
  test('invalid SQL, with a precise message', () => rejects('SELEC 1', 'SQL_INVALID'));
  test('a column that does not exist', () => rejects('SELECT nope FROM silver.customers', 'SQL_ERROR'));
});

describe('engine session: DuckDB file sandbox beneath the SQL check', () => {
  const openWithSource = (source: string) =>
    openSession(options({ views: [{ name: 'bronze.probe', source, files: [customers] }] }));

  test('a file outside the granted list cannot be read', async () => {
    await assert.rejects(openWithSource(`SELECT * FROM read_parquet(${literal(secret)})`), { code: 'SQL_NOT_ALLOWED' });
  });
  test('/etc/passwd cannot be read', async () => {
    await assert.rejects(openWithSource(`SELECT * FROM read_csv('/etc/passwd')`), { code: 'SQL_NOT_ALLOWED' });
  });
  test('a symlink beside granted files cannot be followed out', async () => {
    const link = join(dir, 'lake', 'silver', 'customers', 'escape.parquet');
    await assert.rejects(openWithSource(`SELECT * FROM read_csv(${literal(link)})`), { code: 'SQL_NOT_ALLOWED' });
  });
  test('traversal out of a granted file path cannot be read', async () => {
    await assert.rejects(
      openWithSource(`SELECT * FROM read_csv(${literal(`${customers}/../../../../../../etc/passwd`)})`),
      {
        code: 'SQL_NOT_ALLOWED',
      },
    );
  });
});

describe('engine session: limits', () => {
  test('a statement over its time limit is interrupted with QUERY_TIMEOUT', async () => {
    const slow = await openSession(options({ timeoutMs: 200 }));
    try {
      const started = Date.now();
      await assert.rejects(rows('SELECT count(*) FROM range(10000000000) a, range(10) b', slow), {
        code: 'QUERY_TIMEOUT',
      });
      assert.ok(Date.now() - started < 5000, 'interrupted promptly');
    } finally {
      await slow.close();
    }
  });

  test('aborting the signal cancels the running statement', async () => {
    const controller = new AbortController();
    const cancellable = await openSession(options({ signal: controller.signal }));
    try {
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(rows('SELECT count(*) FROM range(10000000000)', cancellable), { code: 'QUERY_CANCELLED' });
    } finally {
      await cancellable.close();
    }
  });

  test('closing removes the scratch directory', async () => {
    const scratchDirectory = join(dir, 'scratch-closing');
    const temporary = await openSession(options({ scratchDirectory }));
    await temporary.copyToParquet('SELECT 1 AS x', 'x.parquet');
    await temporary.close();
    assert.equal(existsSync(scratchDirectory), false);
  });
});
