import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import plugin, { sqlOperator } from './index.ts';

let kit: JobTestKit;

const ORDERS = `SELECT * FROM (VALUES
  (1, ' Ann@Example.com ', 'oslo', 10.5, 'c'),
  (2, 'bob@example.com', 'rome', NULL, 'c'),
  (3, 'CY@example.com', 'lima', 3.0, 'c'),
  (3, 'CY@example.com', 'lima', 3.0, 'c')
) AS t(id, email, city, amount, op)`;

const CLEAN = `SELECT DISTINCT id, lower(trim(email)) AS email, city, amount
  FROM bronze.orders WHERE amount IS NOT NULL`;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('bronze.orders', ORDERS);
});
after(() => kit?.close());

const sqlJob = (config: Record<string, unknown>, output: string, inputs = ['bronze.orders']) => ({
  id: output.replace('.', '_'),
  operator: sqlOperator,
  config,
  inputs,
  output,
});

interface Refusal {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

const code = (expected: string) => (error: { code?: string; message?: string }) => {
  assert.equal(error.code, expected, error.message);
  return true;
};

describe('sql operator: write modes (outputs compared as multisets)', () => {
  test('full_refresh (the default) makes the output exactly the query result, replacing it on each run', async () => {
    const result = await kit.runJob(sqlJob({ sql: CLEAN }, 'silver.orders'), { runSequence: 1 });
    // Decimals come back as exact text, as the preview API returns them.
    assert.equal(result.rowsRead, 4);
    assert.equal(result.rowsWritten, 2);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.orders')),
      sortedRows([
        { id: 1, email: 'ann@example.com', city: 'oslo', amount: '10.5' },
        { id: 3, email: 'cy@example.com', city: 'lima', amount: '3.0' },
      ]),
    );
    // A full refresh takes the query's schema, also when a column changes type or goes away.
    const again = await kit.runJob(
      sqlJob({ sql: `SELECT id::VARCHAR AS id, city FROM bronze.orders WHERE id = 2` }, 'silver.orders'),
      { runSequence: 2 },
    );
    assert.equal(again.deltaVersion, 1);
    assert.deepEqual(await kit.rows('silver.orders'), [{ id: '2', city: 'rome' }]);
  });

  test('append adds the rows of each run once: a retried attempt of a run is skipped', async () => {
    const job = sqlJob({ sql: CLEAN, write: { mode: 'append' } }, 'silver.appended');
    const once = sortedRows([
      { id: 1, email: 'ann@example.com', city: 'oslo', amount: '10.5' },
      { id: 3, email: 'cy@example.com', city: 'lima', amount: '3.0' },
    ]);
    await kit.runJob(job, { runSequence: 1 });
    const retry = await kit.runJob(job, { runSequence: 1, attempt: 2 });
    assert.equal(retry.skipped, true);
    assert.equal(retry.rowsWritten, 0);
    assert.deepEqual(sortedRows(await kit.rows('silver.appended')), once, 'one copy of each row');
    const next = await kit.runJob(job, { runSequence: 2 });
    assert.equal(next.skipped, false);
    assert.equal(next.rowsWritten, 2);
    assert.deepEqual(sortedRows(await kit.rows('silver.appended')), sortedRows([...once, ...once]));
  });

  test('merge upserts by key and deletes the keys whose rows match deleteWhen', async () => {
    const output = 'silver.customers';
    await kit.runJob(
      sqlJob({ sql: `SELECT DISTINCT id, city, op FROM bronze.orders`, write: { mode: 'merge', key: ['id'] } }, output),
      { runSequence: 1 },
    );
    await kit.writeDataset(
      'bronze.changes',
      `SELECT * FROM (VALUES (1, 'bergen', 'u'), (2, 'rome', 'd'), (4, 'quito', 'c')) AS t(id, city, op)`,
    );
    const merged = await kit.runJob(
      sqlJob(
        {
          sql: 'SELECT id, city, op FROM bronze.changes',
          write: { mode: 'merge', key: ['id'], deleteWhen: "op = 'd'" },
        },
        output,
        ['bronze.changes'],
      ),
      { runSequence: 2 },
    );
    assert.deepEqual([merged.rowsWritten, merged.rowsUpdated, merged.rowsDeleted], [2, 1, 1]);
    assert.deepEqual(
      sortedRows(await kit.rows(output)),
      sortedRows([
        { id: 1, city: 'bergen', op: 'u' },
        { id: 3, city: 'lima', op: 'c' },
        { id: 4, city: 'quito', op: 'c' },
      ]),
    );
  });

  test('partitionBy creates the output partitioned', async () => {
    await kit.runJob(sqlJob({ sql: CLEAN, write: { partitionBy: ['city'] } }, 'silver.by_city'));
    assert.deepEqual(await kit.layout('silver.by_city'), { partitionColumns: ['city'], files: 2 });
    assert.equal((await kit.rows('silver.by_city')).length, 2);
  });

  test('overwrite_partitions replaces the partitions present in the result and leaves the others', async () => {
    const output = 'silver.sales_by_region';
    await kit.writeDataset(
      'bronze.sales',
      `SELECT * FROM (VALUES ('eu', 'a', 1), ('eu', 'b', 2), ('us', 'c', 3), ('apac', 'd', 4)) AS t(region, sku, qty)`,
    );
    const job = (sql: string, write: Record<string, unknown> = {}) =>
      sqlJob({ sql, write: { mode: 'overwrite_partitions', ...write } }, output, ['bronze.sales']);
    await kit.runJob(job('SELECT * FROM bronze.sales', { partitionBy: ['region'] }), { runSequence: 1 });
    assert.deepEqual((await kit.layout(output)).partitionColumns, ['region']);
    // A restatement of eu (one row fewer, one changed) and a new region: us and apac are left as they were.
    const second = await kit.runJob(
      job(`SELECT * FROM (VALUES ('eu', 'a', 10), ('latam', 'e', 5)) AS t(region, sku, qty)`),
      { runSequence: 2 },
    );
    assert.equal(second.rowsWritten, 2);
    assert.deepEqual(
      sortedRows(await kit.rows(output)),
      sortedRows([
        { region: 'eu', sku: 'a', qty: 10 },
        { region: 'us', sku: 'c', qty: 3 },
        { region: 'apac', sku: 'd', qty: 4 },
        { region: 'latam', sku: 'e', qty: 5 },
      ]),
    );
    assert.equal(
      sqlOperator.partitions?.unsupported?.({ sql: 'x', write: { mode: 'overwrite_partitions' } }),
      undefined,
    );
  });

  test('overwrite_partitions needs partitionBy to create the table, and a partitioned table (OUTPUT_WRITE_INVALID)', async () => {
    await assert.rejects(
      kit.runJob(sqlJob({ sql: CLEAN, write: { mode: 'overwrite_partitions' } }, 'silver.refused')),
      (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'OUTPUT_WRITE_INVALID');
        assert.match(error.message!, /give partitionBy/);
        return true;
      },
    );
    assert.equal(await kit.version('silver.refused'), undefined);
    await kit.runJob(sqlJob({ sql: CLEAN }, 'silver.unpartitioned'), { runSequence: 1 });
    await assert.rejects(
      kit.runJob(sqlJob({ sql: CLEAN, write: { mode: 'overwrite_partitions' } }, 'silver.unpartitioned'), {
        runSequence: 2,
      }),
      (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'OUTPUT_WRITE_INVALID');
        assert.match(error.message!, /not partitioned/);
        return true;
      },
    );
    assert.equal(await kit.version('silver.unpartitioned'), 0);
  });
});

describe('sql operator: refusals', () => {
  test('merge needs a key, and merge-only fields are refused for other modes (JOB_CONFIG_INVALID)', async () => {
    await assert.rejects(
      kit.runJob(sqlJob({ sql: CLEAN, write: { mode: 'merge' } }, 'silver.refused')),
      (error: { code?: string; details?: { path?: string } }) => {
        assert.equal(error.code, 'JOB_CONFIG_INVALID');
        assert.equal(error.details?.path, 'config.write.key');
        return true;
      },
    );
    await assert.rejects(
      kit.runJob(sqlJob({ sql: CLEAN, write: { mode: 'append', deleteWhen: 'true' } }, 'silver.refused')),
      code('JOB_CONFIG_INVALID'),
    );
    await assert.rejects(kit.runJob(sqlJob({ sql: '' }, 'silver.refused')), code('JOB_CONFIG_INVALID'));
    assert.equal(await kit.version('silver.refused'), undefined);
  });

  test("SQL that does not parse or bind is SQL_INVALID with DuckDB's message, line and column", async () => {
    await assert.rejects(
      kit.runJob(sqlJob({ sql: 'SELECT nope FROM bronze.orders' }, 'silver.refused')),
      (error: Refusal) => {
        assert.equal(error.code, 'SQL_INVALID');
        assert.match(error.message!, /Binder Error: Referenced column "nope" not found/);
        assert.match(error.message!, /^config\.sql is invalid: Binder Error: .* \(line 1, column 8\)\n\nLINE 1: /);
        assert.deepEqual(error.details, { path: 'config.sql', line: 1, column: 8 });
        return true;
      },
    );
    await assert.rejects(kit.runJob(sqlJob({ sql: 'SELEC 1' }, 'silver.refused')), (error: Refusal) => {
      assert.equal(error.code, 'SQL_INVALID');
      assert.equal(
        error.message,
        'config.sql is invalid: syntax error at or near "SELEC" (line 1, column 1)\n\nLINE 1: SELEC 1\n        ^',
      );
      return true;
    });
    await assert.rejects(
      kit.runJob(
        sqlJob({ sql: CLEAN, write: { mode: 'merge', key: ['id'], deleteWhen: 'missing = 1' } }, 'silver.refused'),
      ),
      (error: { code?: string; details?: { path?: string } }) => {
        assert.equal(error.code, 'SQL_INVALID');
        assert.equal(error.details?.path, 'config.write.deleteWhen');
        return true;
      },
    );
    assert.equal(await kit.version('silver.refused'), undefined);
  });

  test('a syntax error further down names its line and column in the SQL as written (leading lines, non-ASCII)', async () => {
    // The engine sees the statement trimmed; the spot is mapped back to the config's text.
    const sql = "\n  SELECT id, city\n  FROM bronze.orders\n  WHERE city = 'é' AND AND amount > 1";
    await assert.rejects(kit.runJob(sqlJob({ sql }, 'silver.refused')), (error: Refusal) => {
      assert.equal(error.code, 'SQL_INVALID');
      assert.equal(
        error.message,
        'config.sql is invalid: syntax error at or near "AND" (line 4, column 24)\n\n' +
          "LINE 4:   WHERE city = 'é' AND AND amount > 1\n" +
          `${' '.repeat('LINE 4: '.length + 23)}^`,
      );
      assert.deepEqual(error.details, { path: 'config.sql', line: 4, column: 24 });
      return true;
    });
    const unbound = 'SELECT id,\n       cty\nFROM bronze.orders';
    await assert.rejects(kit.runJob(sqlJob({ sql: unbound }, 'silver.refused')), (error: Refusal) => {
      assert.equal(error.code, 'SQL_INVALID');
      assert.match(
        error.message!,
        /^config\.sql is invalid: Binder Error: Referenced column "cty" .* \(line 2, column 8\)\n/,
      );
      assert.ok(error.message!.endsWith(`\n\nLINE 2:        cty\n${' '.repeat(15)}^`), error.message);
      return true;
    });
  });

  for (const [sql, expected] of [
    ['DROP TABLE bronze.orders', 'SQL_NOT_A_QUERY'],
    [`COPY (SELECT * FROM bronze.orders) TO '/tmp/assay-orders.csv'`, 'SQL_NOT_A_QUERY'],
    ['SELECT * FROM bronze.secret', 'SQL_RELATION_NOT_ALLOWED'],
    [`SELECT * FROM read_parquet('/tmp/*.parquet')`, 'SQL_FUNCTION_NOT_ALLOWED'],
  ] as const) {
    test(`${expected}: ${sql}`, async () => {
      await kit.writeDataset('bronze.secret', `SELECT 'ceo' AS role, 1000000 AS salary`);
      await assert.rejects(kit.runJob(sqlJob({ sql }, 'silver.refused')), code(expected));
      assert.equal(await kit.version('silver.refused'), undefined, 'nothing was written');
      assert.equal(await kit.version('bronze.orders'), 0, 'the input is untouched');
    });
  }

  test('cancelling a job during a long query stops it within seconds, and the output gets no new version', async () => {
    const output = 'silver.slow';
    await kit.runJob(sqlJob({ sql: 'SELECT 1 AS n' }, output), { runSequence: 1 });
    const controller = new AbortController();
    // About 10^11 rows to count: minutes of work on any machine.
    const slow = sqlJob({ sql: 'SELECT count(*) AS n FROM range(100000000) a, range(1000) b' }, output);
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    await assert.rejects(kit.runJob(slow, { runSequence: 2, signal: controller.signal }), (error: { code?: string }) =>
      ['JOB_CANCELLED', 'QUERY_CANCELLED'].includes(error.code!),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3500, `stopped after ${elapsed} ms`);
    assert.equal(await kit.version(output), 0);
    assert.deepEqual(await kit.rows(output), [{ n: 1 }]);
  });
});

describe('sql operator: partition runs (backfills)', () => {
  const EVENTS = (extra = '') => `SELECT * FROM (VALUES
    (DATE '2026-01-01', 'a'), (DATE '2026-01-01', 'b'),
    (DATE '2026-01-02', 'c'),
    (DATE '2026-01-03', 'd')${extra}
  ) AS t(day, item)`;
  const daily = (sql = 'SELECT day, count(*) AS n FROM bronze.events GROUP BY day', mode = 'full_refresh') => ({
    id: 'daily',
    operator: sqlOperator,
    config: { sql, write: { mode } },
    inputs: ['bronze.events'],
    output: 'silver.daily',
    partitions: { column: 'day' },
  });
  const day = (key: string) => {
    const next = new Date(Date.parse(`${key}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return { key, start: key, end: next };
  };
  const counts = async () =>
    Object.fromEntries((await kit.rows('silver.daily')).map((row) => [String(row.day), Number(row.n)]));

  test('a partition run reads only its days and replaces only its partition; each partition commits once a run', async () => {
    await kit.writeDataset('bronze.events', EVENTS());
    // A normal run computes every day, and creates the table partitioned by the declared column.
    await kit.runJob(daily(), { runSequence: 1 });
    assert.deepEqual((await kit.layout('silver.daily')).partitionColumns, ['day']);
    assert.deepEqual(await counts(), { '2026-01-01': 2, '2026-01-02': 1, '2026-01-03': 1 });

    // Late rows arrive for two days; the backfill of 2026-01-02 recomputes that day alone.
    await kit.writeDataset('bronze.events', EVENTS(", (DATE '2026-01-01', 'x'), (DATE '2026-01-02', 'y')"), {
      mode: 'overwrite',
    });
    const second = await kit.runJob(daily(), { runSequence: 2, partition: day('2026-01-02') });
    assert.equal(second.rowsWritten, 1);
    assert.equal(second.rowsRead, 2, 'the input was narrowed to the day');
    assert.deepEqual(await counts(), { '2026-01-01': 2, '2026-01-02': 2, '2026-01-03': 1 });

    // A retried attempt of the same partition commits nothing; another partition of the same run does.
    const retry = await kit.runJob(daily(), { runSequence: 2, attempt: 2, partition: day('2026-01-02') });
    assert.equal(retry.skipped, true);
    const other = await kit.runJob(daily(), { runSequence: 2, partition: day('2026-01-01') });
    assert.equal(other.skipped, false);
    assert.deepEqual(await counts(), { '2026-01-01': 3, '2026-01-02': 2, '2026-01-03': 1 });
  });

  test('a partition whose days lost their rows is emptied, not left as it was', async () => {
    await kit.writeDataset(
      'bronze.events',
      `SELECT * FROM (VALUES (DATE '2026-01-01', 'a'), (DATE '2026-01-02', 'c')) AS t(day, item)`,
      { mode: 'overwrite' },
    );
    const emptied = await kit.runJob(daily(), { runSequence: 3, partition: day('2026-01-03') });
    assert.equal(emptied.rowsWritten, 0);
    assert.deepEqual(await counts(), { '2026-01-01': 3, '2026-01-02': 2 });
  });

  test('rows outside the partition are refused and nothing is written; a merge cannot run by partition', async () => {
    const before = await kit.version('silver.daily');
    await assert.rejects(
      kit.runJob(daily(`SELECT DATE '2026-02-01' AS day, 1 AS n`), { runSequence: 4, partition: day('2026-01-02') }),
      code('DELTA_ROWS_OUTSIDE_RANGE'),
    );
    assert.equal(await kit.version('silver.daily'), before);
    await assert.rejects(
      kit.runJob(
        {
          ...daily(undefined, 'merge'),
          config: { sql: 'SELECT day, 1 AS n FROM bronze.events', write: { mode: 'merge', key: ['day'] } },
        },
        { runSequence: 4, partition: day('2026-01-02') },
      ),
      code('JOB_PARTITIONS_UNSUPPORTED'),
    );
    assert.equal(
      sqlOperator.partitions?.unsupported?.({ sql: 'x', write: { mode: 'merge', key: ['k'] } }) !== undefined,
      true,
    );
  });

  test('overwrite_partitions: a normal run replaces the days in its result, a partition run its partition', async () => {
    await kit.writeDataset('bronze.events', EVENTS(", (DATE '2026-01-01', 'x'), (DATE '2026-01-02', 'y')"), {
      mode: 'overwrite',
    });
    const lateDays = `SELECT day, count(*) AS n FROM bronze.events WHERE day >= DATE '2026-01-02' GROUP BY day`;
    const before = await counts();
    await kit.runJob(daily(lateDays, 'overwrite_partitions'), { runSequence: 5 });
    assert.deepEqual(await counts(), { ...before, '2026-01-02': 2, '2026-01-03': 1 }, '01-01 left as it was');
    await kit.writeDataset('bronze.events', EVENTS(), { mode: 'overwrite' });
    const run = await kit.runJob(daily(undefined, 'overwrite_partitions'), {
      runSequence: 6,
      partition: day('2026-01-02'),
    });
    assert.equal(run.rowsWritten, 1);
    assert.deepEqual(await counts(), { ...before, '2026-01-02': 1, '2026-01-03': 1 });
  });
});

test('the plugin contributes the sql operator', () => {
  assert.equal(plugin.id, 'operator-sql');
  assert.deepEqual(
    plugin.operators?.map((o) => [o.type, o.version, o.category, o.output]),
    [['sql', 1, 'silver', 'table']],
  );
});
