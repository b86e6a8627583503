import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineOperator, Type, type OperatorContext, type OutputWriteRequest } from '@assay/sdk';
import { createJobTestKit, sortedRows, type JobTestKit } from './job-testing.ts';

let kit: JobTestKit;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset(
    'bronze.orders',
    `SELECT * FROM (VALUES (1, 'oslo', 10.5), (2, 'rome', 7.25), (3, 'lima', 3.0)) AS t(id, city, amount)`,
  );
});
after(() => kit?.close());

/** An operator that hands `ctx` to the test and writes what the test says. */
function probe(
  body: (ctx: OperatorContext, config: { label: string }) => Promise<void>,
  options: { inputs?: { min: number; max?: number }; output?: 'table' | 'none' } = {},
) {
  return defineOperator({
    type: 'probe',
    version: 1,
    title: 'Probe',
    category: 'utility',
    config: Type.Object({ label: Type.String({ default: 'none', minLength: 1 }) }),
    inputs: options.inputs ?? { min: 0 },
    ...(options.output === undefined ? {} : { output: options.output }),
    async run(ctx, config) {
      await body(ctx, config);
      return {};
    },
  });
}

const writer = (request: OutputWriteRequest) =>
  probe(async (ctx) => {
    await ctx.output!.write(request);
  });

const code = (expected: string) => (error: { code?: string; message?: string }) => {
  assert.equal(error.code, expected, error.message);
  return true;
};

describe('job executor: inputs, output and exactly-once writes', () => {
  test('inputs are views at their pinned version; a retry of a run is skipped, the next run appends again', async () => {
    const job = {
      operator: writer({ sql: 'SELECT * FROM bronze.orders', mode: 'append' }),
      inputs: ['bronze.orders'],
      output: 'silver.copies',
    };
    const first = await kit.runJob(job, { runSequence: 1 });
    assert.equal(first.skipped, false);
    assert.equal(first.rowsRead, 3, 'from the input files statistics');
    assert.equal(first.rowsWritten, 3);
    assert.deepEqual(first.inputVersions, { 'bronze.orders': 0 });
    assert.equal(first.deltaVersion, 0);
    const expected = sortedRows(await kit.rows('bronze.orders'));
    assert.deepEqual(sortedRows(await kit.rows('silver.copies')), expected);

    const retry = await kit.runJob(job, { runSequence: 1, attempt: 2 });
    assert.equal(retry.skipped, true);
    assert.equal(retry.rowsWritten, 0);
    assert.equal(retry.deltaVersion, 0, 'the existing version');
    assert.equal(await kit.version('silver.copies'), 0);
    assert.deepEqual(sortedRows(await kit.rows('silver.copies')), expected, 'one copy of each row');

    const next = await kit.runJob(job, { runSequence: 2 });
    assert.equal(next.skipped, false);
    assert.equal(next.deltaVersion, 1);
    assert.deepEqual(sortedRows(await kit.rows('silver.copies')), sortedRows([...expected, ...expected]));
    const history = await kit.lake.table(kit.workspace, 'silver.copies').history(1);
    assert.equal(history[0]?.operationParameters?.job, 'job');
  });

  test('a resume whose source run had committed the write (its outcome lost) does not write it again', async () => {
    const job = {
      operator: writer({ sql: 'SELECT * FROM bronze.orders', mode: 'append' }),
      inputs: ['bronze.orders'],
      output: 'silver.resumed',
    };
    await kit.runJob(job, { runSequence: 4 });
    const resumed = await kit.executor.run({ ...kit.request(job, { runSequence: 5 }), resumedSequences: [4] });
    assert.equal(resumed.skipped, true);
    assert.equal(await kit.version('silver.resumed'), 0);
    // A resume of a run whose write never landed writes.
    const other = await kit.executor.run({ ...kit.request(job, { runSequence: 6 }), resumedSequences: [3] });
    assert.equal(other.skipped, false);
    assert.equal(await kit.version('silver.resumed'), 1);
  });

  test('the output as it stands is a view; quarantined rows land once per run with rule, reason and the row', async () => {
    const job = {
      operator: probe(async (ctx) => {
        // The first run sees no table; later runs compare with it, as an SCD2 does.
        const known =
          ctx.output!.version === undefined
            ? 'SELECT NULL::INTEGER AS id WHERE false'
            : 'SELECT id FROM silver.checked';
        await ctx.output!.quarantine({
          sql: `SELECT id, city, 'probe.amount' AS _rule, 'amount below 5' AS _reason, 'amount' AS _column
                FROM bronze.orders WHERE amount < 5`,
        });
        await ctx.output!.write({
          sql: `SELECT id, city FROM bronze.orders WHERE amount >= 5 AND id NOT IN (${known})`,
          mode: 'append',
        });
      }),
      inputs: ['bronze.orders'],
      output: 'silver.checked',
    };
    await kit.runJob(job, { runSequence: 1 });
    const retry = await kit.runJob(job, { runSequence: 1, attempt: 2 });
    assert.equal(retry.skipped, true);
    assert.deepEqual(await kit.quarantined('silver.checked'), [
      { rule: 'probe.amount', reason: 'amount below 5', column: 'amount', row: { id: 3, city: 'lima' } },
    ]);
    const second = await kit.runJob(job, { runSequence: 2 });
    assert.equal(second.rowsWritten, 0, 'the rows already in the output were left out');
    assert.equal((await kit.quarantined('silver.checked')).length, 2, 'a new run quarantines again');

    const twice = probe(async (ctx) => {
      await ctx.output!.quarantine({ sql: `SELECT 1 AS id, 'r' AS _rule, 'x' AS _reason` });
      await ctx.output!.quarantine({ sql: `SELECT 2 AS id, 'r' AS _rule, 'x' AS _reason` });
    });
    await assert.rejects(kit.runJob({ operator: twice, output: 'silver.twice' }), code('OUTPUT_ALREADY_QUARANTINED'));
    const bare = probe(async (ctx) => {
      await ctx.output!.quarantine({ sql: `SELECT 1 AS id` });
    });
    await assert.rejects(kit.runJob({ operator: bare, output: 'silver.bare' }), code('OUTPUT_QUARANTINE_INVALID'));
  });

  test('changes of an input since an earlier version: rows of added and removed files, asked before any query', async () => {
    const first = await kit.writeDataset('bronze.moves', `SELECT 1 AS id, 'a' AS v`);
    await kit.writeDataset('bronze.moves', `SELECT 2 AS id, 'b' AS v`);
    const seen: Record<string, unknown> = {};
    const job = (late = false) => ({
      operator: probe(async (ctx) => {
        if (late) await ctx.engine.query('SELECT 1 AS one FROM bronze.moves');
        const changes = await ctx.engine.changes('bronze.moves', first);
        seen.again = (await ctx.engine.changes('bronze.moves', first)) === changes;
        seen.none = await ctx.engine.changes('bronze.other', ctx.inputs[1]!.version);
        seen.added = await ctx.engine.query(`SELECT id, v FROM ${changes!.added}`);
        seen.removed = await ctx.engine.query(`SELECT count(*)::INTEGER AS n FROM ${changes!.removed}`);
        seen.versions = [changes!.since, changes!.version];
      }),
      inputs: ['bronze.moves', 'bronze.other'],
    });
    await kit.writeDataset('bronze.other', `SELECT 1 AS id`);
    await kit.runJob(job());
    assert.deepEqual(seen, {
      again: true,
      none: undefined,
      added: [{ id: 2, v: 'b' }],
      removed: [{ n: 0 }],
      versions: [0, 1],
    });
    await kit.writeDataset('bronze.moves', `SELECT 3 AS id, 'c' AS v`, { mode: 'overwrite' });
    await kit.runJob(job());
    assert.deepEqual(seen.added, [{ id: 3, v: 'c' }]);
    assert.deepEqual(seen.removed, [{ n: 1 }], 'the overwrite removed the file of id 1 (id 2 came after version 0)');
    await assert.rejects(kit.runJob(job(true)), code('ENGINE_CHANGES_TOO_LATE'));
  });

  test('skipWhenEmpty: a write that finds no rows commits nothing, and the state set before it is still saved', async () => {
    const job = {
      operator: probe(async (ctx) => {
        ctx.setState({ seen: ctx.run.runId });
        const sql = ctx.output!.version === undefined ? 'SELECT 1 AS id' : 'SELECT 1 AS id WHERE false';
        await ctx.output!.write({ sql, mode: 'append', skipWhenEmpty: true });
      }),
      output: 'silver.quiet',
    };
    await kit.runJob(job, { runSequence: 1 });
    const quiet = await kit.runJob(job, { runSequence: 2, runId: 'second' });
    assert.equal(quiet.rowsWritten, 0);
    assert.equal(quiet.deltaVersion, 0, 'no new version');
    const state = await kit.db('core_job_state').where({ pipeline_id: kit.pipeline.id, job_id: 'job' }).first();
    assert.deepEqual(state?.state, { seen: 'second' });
  });

  test('a commit to an input while the job runs is not seen: the input stays at its pinned version', async () => {
    await kit.writeDataset('bronze.moving', 'SELECT 1 AS id');
    const seen: unknown[] = [];
    const operator = probe(async (ctx) => {
      await kit.writeDataset('bronze.moving', 'SELECT 2 AS id');
      seen.push(ctx.inputs[0]?.version, await ctx.engine.query('SELECT count(*)::INT AS n FROM bronze.moving'));
      await ctx.output!.write({ sql: 'SELECT * FROM bronze.moving', mode: 'overwrite' });
    });
    const result = await kit.runJob({ operator, inputs: ['bronze.moving'], output: 'silver.moving' });
    assert.deepEqual(seen, [0, [{ n: 1 }]]);
    assert.equal(result.rowsWritten, 1);
    assert.deepEqual(result.inputVersions, { 'bronze.moving': 0 });
  });

  test('a missing input is JOB_INPUT_MISSING naming it, and the operator never runs', async () => {
    let ran = false;
    const operator = probe(async () => {
      ran = true;
    });
    await assert.rejects(
      kit.runJob({ operator, inputs: ['bronze.orders', 'bronze.nowhere'], output: 'silver.never' }),
      (error: { code?: string; message?: string; details?: { datasets?: string[] } }) => {
        assert.equal(error.code, 'JOB_INPUT_MISSING');
        assert.match(error.message!, /bronze\.nowhere/);
        assert.deepEqual(error.details?.datasets, ['bronze.nowhere']);
        return true;
      },
    );
    assert.equal(ran, false);
    assert.equal(await kit.version('silver.never'), undefined);
  });

  test('the config is validated again with defaults filled: JOB_CONFIG_INVALID names the path', async () => {
    let label: string | undefined;
    const operator = probe(async (_ctx, config) => {
      label = config.label;
    });
    await kit.runJob({ operator });
    assert.equal(label, 'none', 'the default');
    await assert.rejects(
      kit.runJob({ operator, config: { label: '' } }),
      (error: { code?: string; details?: { path?: string } }) => {
        assert.equal(error.code, 'JOB_CONFIG_INVALID');
        assert.equal(error.details?.path, 'config.label');
        return true;
      },
    );
    await assert.rejects(
      kit.runJob({ operator: probe(async () => {}, { inputs: { min: 1 } }) }),
      code('JOB_INPUTS_INVALID'),
    );
    await assert.rejects(
      kit.runJob({ operator: probe(async () => {}, { output: 'table' }) }),
      code('JOB_OUTPUT_MISSING'),
    );
  });

  test('a job without output gets none; a second write is OUTPUT_ALREADY_WRITTEN and commits nothing more', async () => {
    let output: unknown = 'unset';
    await kit.runJob({ operator: probe(async (ctx) => void (output = ctx.output)) });
    assert.equal(output, undefined);

    const twice = probe(async (ctx) => {
      await ctx.output!.write({ sql: 'SELECT 1 AS x', mode: 'append' });
      await ctx.output!.write({ sql: 'SELECT 2 AS x', mode: 'append' });
    });
    await assert.rejects(kit.runJob({ operator: twice, output: 'silver.twice' }), code('OUTPUT_ALREADY_WRITTEN'));
    assert.deepEqual(await kit.rows('silver.twice'), [{ x: 1 }]);
  });
});

describe('job executor: the engine session is a sandbox over the inputs', () => {
  for (const [sql, expected] of [
    ['DROP TABLE bronze.orders', 'SQL_NOT_A_QUERY'],
    [`COPY (SELECT * FROM bronze.orders) TO '/tmp/assay-stolen.csv'`, 'SQL_NOT_A_QUERY'],
    ['SELECT * FROM bronze.customers', 'SQL_RELATION_NOT_ALLOWED'],
    [`SELECT * FROM read_csv('/etc/passwd')`, 'SQL_FUNCTION_NOT_ALLOWED'],
    ['SELECT 1; SELECT 2', 'SQL_NOT_A_QUERY'],
  ] as const) {
    test(`${expected}: ${sql}`, async () => {
      await kit.writeDataset('bronze.customers', 'SELECT 1 AS id');
      const viaQuery = probe(async (ctx) => void (await ctx.engine.query(sql)));
      await assert.rejects(kit.runJob({ operator: viaQuery, inputs: ['bronze.orders'] }), code(expected));
      await assert.rejects(
        kit.runJob({ operator: writer({ sql, mode: 'append' }), inputs: ['bronze.orders'], output: 'silver.sandbox' }),
        code(expected),
      );
      assert.equal(await kit.version('silver.sandbox'), undefined, 'nothing was written');
    });
  }

  test('query returns at most limit rows as JSON-safe objects; describe reports the columns', async () => {
    let rows: unknown;
    let columns: unknown;
    await kit.runJob({
      operator: probe(async (ctx) => {
        rows = await ctx.engine.query('SELECT id FROM bronze.orders ORDER BY id;', { limit: 2 });
        columns = await ctx.engine.describe('SELECT id, city FROM bronze.orders -- a comment');
      }),
      inputs: ['bronze.orders'],
    });
    assert.equal((rows as unknown[]).length, 2);
    assert.deepEqual(columns, [
      { name: 'id', type: 'INTEGER' },
      { name: 'city', type: 'VARCHAR' },
    ]);
  });
});

describe('job executor: write modes and schemas', () => {
  test('overwrite_partitions replaces only the partitions present in the rows', async () => {
    const rows = (values: string) => `SELECT * FROM (VALUES ${values}) AS t(day, id)`;
    const job = (sql: string, runSequence: number) =>
      kit.runJob(
        { operator: writer({ sql, mode: 'overwrite_partitions', partitionBy: ['day'] }), output: 'silver.daily' },
        { runSequence },
      );
    await job(rows(`('d1', 1), ('d1', 2), ('d2', 3)`), 1);
    await job(rows(`('d2', 30), ('d3', 40)`), 2);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.daily')),
      sortedRows([
        { day: 'd1', id: 1 },
        { day: 'd1', id: 2 },
        { day: 'd2', id: 30 },
        { day: 'd3', id: 40 },
      ]),
    );
    await assert.rejects(
      kit.runJob({
        operator: writer({ sql: 'SELECT 1 AS id, 2 AS day', mode: 'append', partitionBy: ['id'] }),
        output: 'silver.daily',
      }),
      code('OUTPUT_PARTITIONING_MISMATCH'),
    );
  });

  test('merge upserts by key, deletes where deleteWhen holds, and creates the table on its first run', async () => {
    const merge = (values: string, runSequence: number) =>
      kit.runJob(
        {
          operator: writer({
            sql: `SELECT * FROM (VALUES ${values}) AS t(id, name, op)`,
            mode: 'merge',
            keys: ['id'],
            deleteWhen: `op = 'd'`,
          }),
          output: 'silver.people',
        },
        { runSequence },
      );
    const first = await merge(`(1, 'ann', 'c'), (2, 'bob', 'c'), (3, 'cy', 'd')`, 1);
    assert.equal(first.rowsWritten, 2, 'the delete of an absent key inserts nothing');
    const second = await merge(`(2, 'bobby', 'u'), (1, 'ann', 'd'), (4, 'dee', 'c')`, 2);
    assert.deepEqual([second.rowsWritten, second.rowsUpdated, second.rowsDeleted], [2, 1, 1]);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.people')),
      sortedRows([
        { id: 2, name: 'bobby', op: 'u' },
        { id: 4, name: 'dee', op: 'c' },
      ]),
    );
    const retried = await merge(`(2, 'other', 'u')`, 2);
    assert.equal(retried.skipped, true);
    await assert.rejects(merge(`(5, 'x', 'c'), (5, 'y', 'c')`, 3), code('MERGE_SOURCE_DUPLICATE_KEYS'));
    // deleteWhen is evaluated inside the sandbox, under the same SQL guard as the rows' query.
    const sneaky = writer({
      sql: 'SELECT 6 AS id',
      mode: 'merge',
      keys: ['id'],
      deleteWhen: `(SELECT count(*) FROM read_csv('/etc/passwd')) > 0`,
    });
    await assert.rejects(
      kit.runJob({ operator: sneaky, output: 'silver.people' }, { runSequence: 4 }),
      code('SQL_FUNCTION_NOT_ALLOWED'),
    );
    assert.equal(await kit.version('silver.people'), 2);
  });

  test('rows are fitted to the table: widened, mapped to Delta types, or refused with OUTPUT_SCHEMA_MISMATCH', async () => {
    const write = (sql: string, mode: OutputWriteRequest['mode'], runSequence: number, keys?: string[]) =>
      kit.runJob(
        { operator: writer({ sql, mode, ...(keys === undefined ? {} : { keys }) }), output: 'gold.totals' },
        { runSequence },
      );
    // sum() is HUGEINT, which Delta cannot store: it becomes DECIMAL(38,0).
    await write('SELECT 1::BIGINT AS id, sum(range) AS total FROM range(4)', 'append', 1);
    const table = await kit.lake.table(kit.workspace, 'gold.totals').snapshot();
    assert.deepEqual(
      table.schema.fields.map((f) => [f.name, f.type]),
      [
        ['id', 'long'],
        ['total', 'decimal(38,0)'],
      ],
    );
    await write('SELECT 2::INTEGER AS id, 5 AS total, 1.5::DOUBLE AS extra', 'append', 2);
    assert.equal(await kit.version('gold.totals'), 1, 'INTEGER widened into BIGINT, a new column added');
    await assert.rejects(write(`SELECT 'x' AS id`, 'append', 3), (error: { code?: string; message?: string }) => {
      assert.equal(error.code, 'OUTPUT_SCHEMA_MISMATCH');
      assert.match(error.message!, /"id" is BIGINT in the table but VARCHAR in the rows/);
      return true;
    });
    await assert.rejects(
      write('SELECT 3::BIGINT AS id, 1 AS fresh', 'merge', 4, ['id']),
      code('OUTPUT_SCHEMA_MISMATCH'),
    );
    await assert.rejects(write('SELECT 1 AS id, count(*) FROM range(3)', 'append', 5), code('OUTPUT_COLUMN_INVALID'));
    assert.equal(await kit.version('gold.totals'), 1, 'refused writes commit nothing');
  });
});

describe('job executor: state', () => {
  const stateful = (seen: unknown[]) =>
    probe(async (ctx) => {
      const previous = (ctx.state as { upTo?: number } | undefined)?.upTo ?? 0;
      seen.push(ctx.state);
      ctx.setState({ upTo: previous + 1 });
      await ctx.output!.write({ sql: `SELECT ${previous + 1} AS batch`, mode: 'append' });
    });

  test('state set before the write commits with it; a crash before its promotion is repaired by the next attempt', async () => {
    const seen: unknown[] = [];
    const job = { id: 'stateful', operator: stateful(seen), output: 'silver.batches' };
    await kit.runJob(job, { runSequence: 1 });
    // Make promoting the state of run 2 fail, as if the process died right after the commit.
    await kit.db.raw(`
      create function fail_promotion() returns trigger language plpgsql as $$
      begin
        if new.pending_sequence is null and new.sequence = 2 then raise exception 'simulated crash'; end if;
        return new;
      end $$`);
    await kit.db.raw(
      `create trigger fail_promotion before update on core_job_state for each row execute function fail_promotion()`,
    );
    await assert.rejects(kit.runJob(job, { runSequence: 2 }), /simulated crash/);
    await kit.db.raw('drop trigger fail_promotion on core_job_state');
    const row = await kit.db('core_job_state').where({ job_id: 'stateful' }).first();
    assert.deepEqual([row.state, Number(row.pending_sequence), row.pending_state], [{ upTo: 1 }, 2, { upTo: 2 }]);

    const retry = await kit.runJob(job, { runSequence: 2, attempt: 2 });
    assert.equal(retry.skipped, true, 'the data of run 2 had landed');
    await kit.runJob(job, { runSequence: 3 });
    assert.deepEqual(seen, [undefined, { upTo: 1 }, { upTo: 2 }, { upTo: 2 }]);
    assert.deepEqual(sortedRows(await kit.rows('silver.batches')), [{ batch: 1 }, { batch: 2 }, { batch: 3 }]);
    const saved = await kit.db('core_job_state').where({ job_id: 'stateful' }).first();
    assert.deepEqual([saved.state, Number(saved.sequence), saved.pending_sequence], [{ upTo: 3 }, 3, null]);
  });

  test('a pending state whose commit never landed is void; state without a write is saved when the job succeeds', async () => {
    const seen: unknown[] = [];
    const job = { id: 'voided', operator: stateful(seen), output: 'silver.voided' };
    await kit.runJob(job, { runSequence: 1 });
    await kit
      .db('core_job_state')
      .where({ job_id: 'voided' })
      .update({ pending_sequence: 2, pending_state: { upTo: 99 } });
    await kit.runJob(job, { runSequence: 2 });
    assert.deepEqual(seen, [undefined, { upTo: 1 }]);

    const counter = probe(async (ctx) => ctx.setState({ n: (((ctx.state as { n?: number }) ?? {}).n ?? 0) + 1 }));
    await kit.runJob({ id: 'counter', operator: counter }, { runSequence: 1 });
    await kit.runJob({ id: 'counter', operator: counter }, { runSequence: 2 });
    const failing = probe(async (ctx) => {
      ctx.setState({ n: 1000 });
      throw new Error('boom');
    });
    await assert.rejects(kit.runJob({ id: 'counter', operator: failing }, { runSequence: 3 }), /boom/);
    const row = await kit.db('core_job_state').where({ job_id: 'counter' }).first();
    assert.deepEqual(row.state, { n: 2 }, 'a failed job saves no state');
    await assert.rejects(
      kit.runJob({ id: 'counter', operator: probe(async (ctx) => ctx.setState({ big: 10n })) }),
      code('JOB_STATE_INVALID'),
    );
  });
});

describe('job executor: cancellation', () => {
  test('an operator that ignores the signal is given up after the grace period and can no longer write', async () => {
    const controller = new AbortController();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let lateWrite: Promise<unknown> | undefined;
    const stubborn = probe(async (ctx) => {
      await released;
      lateWrite = ctx.output!.write({ sql: 'SELECT 1 AS x', mode: 'append' });
      await lateWrite;
    });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(
      kit.runJob({ operator: stubborn, output: 'silver.late' }, { signal: controller.signal }),
      code('JOB_CANCELLED'),
    );
    assert.ok(Date.now() - started < 4000, `gave up after ${Date.now() - started} ms`);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(lateWrite!, (error: { code?: string }) =>
      ['OUTPUT_CLOSED', 'JOB_CANCELLED'].includes(error.code!),
    );
    assert.equal(await kit.version('silver.late'), undefined);
  });

  test('a signal that timed out ends the job with JOB_TIMEOUT', async () => {
    const waiting = probe(async (ctx) => {
      await ctx.engine.query('SELECT count(*) AS n FROM range(10000000000) a, range(10) b');
    });
    await assert.rejects(kit.runJob({ operator: waiting }, { signal: AbortSignal.timeout(200) }), code('JOB_TIMEOUT'));
  });
});
