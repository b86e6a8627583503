import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineCheck, defineOperator, Type, type OutputWriteRequest } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { createJobTestKit, type JobTestKit } from '../../pipelines/execution/job-testing.ts';
import type { DeclaredCheck } from '../job-checks.ts';
import { QUARANTINE_ID_SQL } from './quarantine-row-id.ts';

const positive = defineCheck({
  type: 'positive',
  version: 1,
  title: 'Positive',
  config: Type.Object({ column: Type.String() }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} > 0` }),
});
const checks: DeclaredCheck[] = [
  { id: 'positive.amount', definition: positive, config: { column: 'amount' }, action: 'quarantine' },
];

/** Writes `sql` as the job's output. */
const writer = (request: OutputWriteRequest) =>
  defineOperator({
    type: 'writer',
    version: 1,
    title: 'Writer',
    category: 'utility',
    config: Type.Object({}),
    inputs: { min: 0 },
    async run(ctx) {
      await ctx.output!.write(request);
      return {};
    },
  });

/** Like a cleanse: rows of its input without a name go to quarantine as they came; the rest is appended upper-cased. */
const cleanser = defineOperator({
  type: 'cleanser',
  version: 1,
  title: 'Cleanser',
  category: 'silver',
  config: Type.Object({}),
  inputs: { min: 1, max: 1 },
  async run(ctx) {
    await ctx.output!.quarantine({
      sql: `SELECT *, 'name_missing' AS _rule, 'name is NULL' AS _reason FROM bronze.people WHERE name IS NULL`,
    });
    await ctx.output!.write({
      sql: 'SELECT id, upper(name) AS name FROM bronze.people WHERE name IS NOT NULL',
      mode: 'append',
    });
    return {};
  },
});

let kit: JobTestKit;
let duck: DuckDBInstance;
before(async () => {
  kit = await createJobTestKit({ workspace: 'reprocess' });
  duck = await DuckDBInstance.create(':memory:');
});
after(async () => {
  duck?.closeSync();
  await kit?.close();
});

/** The quarantined rows of a dataset with their ids. */
async function quarantine(
  dataset: string,
): Promise<Array<{ id: string; check: string; row: Record<string, unknown> }>> {
  const table = kit.lake.quarantine(kit.workspace, dataset);
  const view = await table.view(await table.snapshot());
  const connection = await duck.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT ${QUARANTINE_ID_SQL} AS id, check_id, raw_row FROM (${view.source})`,
    );
    return reader.getRowObjectsJson().map((row) => ({
      id: String(row.id),
      check: String(row.check_id),
      row: JSON.parse(String(row.raw_row)) as Record<string, unknown>,
    }));
  } finally {
    connection.closeSync();
  }
}
/** A bulk fix as the quarantine API makes it: the rows' JSON rewritten in one Delta update. */
async function fix(dataset: string, predicate: string, rawRow: string) {
  await kit.lake.quarantine(kit.workspace, dataset).update({ predicate, set: { raw_row: rawRow } });
}
const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));

describe('reprocessing quarantined rows through their job', () => {
  test('rows the checks set aside are written once after a fix, and leave quarantine; a retry changes nothing', async () => {
    const job = {
      operator: writer({ sql: 'SELECT * FROM (VALUES (1, 10), (2, -5), (3, -7)) AS t(id, amount)', mode: 'append' }),
      output: 'silver.amounts',
    };
    const request = kit.request(job, { runSequence: 1 });
    await kit.executor.run({ ...request, job: { ...request.job, checks } });
    await fix('silver.amounts', 'raw_row LIKE \'%"id":2%\'', `'{"id":2,"amount":5}'`);
    const rows = await quarantine('silver.amounts');
    assert.equal(rows.length, 2);
    const fixed = rows.filter((row) => row.row.id === 2).map((row) => row.id);

    const reprocess = kit.request(job, { runSequence: 2 });
    const result = await kit.executor.run({
      ...reprocess,
      job: { ...reprocess.job, checks },
      reprocess: { ids: fixed },
    });
    assert.equal(result.rowsWritten, 1);
    assert.deepEqual(sorted(await kit.rows('silver.amounts')), [
      { id: 1, amount: 10 },
      { id: 2, amount: 5 },
    ]);
    assert.deepEqual(
      (await quarantine('silver.amounts')).map((row) => row.row.id),
      [3],
      'the unfixed row stays',
    );

    const retried = await kit.executor.run({
      ...reprocess,
      attempt: 2,
      job: { ...reprocess.job, checks },
      reprocess: { ids: fixed },
    });
    assert.equal(retried.rowsWritten, 0);
    assert.equal((await kit.rows('silver.amounts')).length, 2, 'written exactly once');

    await assert.rejects(
      kit.executor.run({ ...kit.request(job, { runSequence: 3 }), reprocess: { ids: fixed } }),
      (error: { code?: string }) => error.code === 'REPROCESS_ROWS_NOT_FOUND',
    );
  });

  test('a row still failing goes back to quarantine as a new row', async () => {
    const job = {
      operator: writer({ sql: 'SELECT * FROM (VALUES (1, -1)) AS t(id, amount)', mode: 'append' }),
      output: 'silver.again',
    };
    const first = kit.request(job, { runSequence: 1 });
    await kit.executor.run({ ...first, job: { ...first.job, checks } });
    const [row] = await quarantine('silver.again');
    const second = kit.request(job, { runSequence: 2 });
    const result = await kit.executor.run({ ...second, job: { ...second.job, checks }, reprocess: { ids: [row!.id] } });
    assert.equal(result.rowsQuarantined, 1);
    const after = await quarantine('silver.again');
    assert.equal(after.length, 1);
    assert.notEqual(after[0]!.id, row!.id, 'quarantined again by the reprocess run');
  });

  test('rows the operator set aside go through the operator again as its input', async () => {
    await kit.writeDataset('bronze.people', `SELECT * FROM (VALUES (1, 'ann'), (2, NULL)) AS t(id, name)`);
    const job = { operator: cleanser, inputs: ['bronze.people'], output: 'silver.people' };
    await kit.runJob(job, { runSequence: 1 });
    const [row] = await quarantine('silver.people');
    assert.equal(row!.check, 'name_missing');
    await fix('silver.people', 'true', `'{"id":2,"name":"bob"}'`);
    const [fixedRow] = await quarantine('silver.people');
    await kit.executor.run({ ...kit.request(job, { runSequence: 2 }), reprocess: { ids: [fixedRow!.id] } });
    assert.deepEqual(sorted(await kit.rows('silver.people')), [
      { id: 1, name: 'ANN' },
      { id: 2, name: 'BOB' },
    ]);
    assert.deepEqual(await quarantine('silver.people'), []);
  });

  test('a job that replaces its table cannot reprocess through its operator', async () => {
    await kit.writeDataset('bronze.items', `SELECT * FROM (VALUES (1, NULL)) AS t(id, name)`);
    const replacing = defineOperator({
      ...cleanser,
      type: 'replacer',
      async run(ctx) {
        await ctx.output!.quarantine({ sql: `SELECT *, 'r' AS _rule, 'why' AS _reason FROM bronze.items` });
        await ctx.output!.write({ sql: 'SELECT * FROM bronze.items WHERE name IS NOT NULL', mode: 'overwrite' });
        return {};
      },
    });
    const job = { operator: replacing, inputs: ['bronze.items'], output: 'silver.items' };
    await kit.runJob(job, { runSequence: 1 });
    const [row] = await quarantine('silver.items');
    await assert.rejects(
      kit.executor.run({ ...kit.request(job, { runSequence: 2 }), reprocess: { ids: [row!.id] } }),
      (error: { code?: string }) => error.code === 'REPROCESS_WOULD_REPLACE',
    );
    assert.equal((await quarantine('silver.items')).length, 1, 'nothing left quarantine');
  });
});
