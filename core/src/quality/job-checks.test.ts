import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineCheck, defineOperator, Type, type OutputWriteRequest } from '@assay/sdk';
import { createJobTestKit, type JobTestKit } from '../pipelines/execution/job-testing.ts';
import type { JobRunResult } from '../pipelines/execution/job-executor.ts';
import type { DeclaredCheck } from './job-checks.ts';

// Check types as a plugin would declare them: the runner's behaviour is what is under test here.
const positive = defineCheck({
  type: 'positive',
  version: 1,
  title: 'Positive',
  config: Type.Object({ column: Type.String() }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} > 0` }),
});
const rowCount = defineCheck({
  type: 'row_count',
  version: 1,
  title: 'Row count',
  config: Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }),
  compile: (_ctx, config) => ({
    kind: 'aggregate',
    expression: 'count(*)',
    ...(config.min === undefined ? {} : { min: config.min }),
    ...(config.max === undefined ? {} : { max: config.max }),
  }),
});

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

const ROWS = `SELECT * FROM (VALUES (1, 10), (2, -5), (3, 7), (4, NULL), (5, -1)) AS t(id, amount)`;

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit({ workspace: 'checks' });
});
after(() => kit?.close());

let sequence = 0;
/** Runs a writer job with checks as the next run of the pipeline. */
async function run(
  output: string,
  sql: string,
  checks: DeclaredCheck[],
  mode: OutputWriteRequest['mode'] = 'overwrite',
) {
  sequence += 1;
  const request = kit.request({ operator: writer({ sql, mode }), output }, { runSequence: sequence });
  return kit.executor.run({ ...request, job: { ...request.job, checks } });
}
const check = (
  id: string,
  definition: DeclaredCheck['definition'],
  config: Record<string, unknown>,
  more: Partial<DeclaredCheck> = {},
): DeclaredCheck => ({ id, definition, config, ...more });
const code = (expected: string) => (error: { code?: string; message?: string }) => {
  assert.equal(error.code, expected, error.message);
  return true;
};
const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
const ids = async (dataset: string) => byId(await kit.rows(dataset)).map((row) => row.id);

describe('the runner applies a job’s checks to its write', () => {
  test('quarantine: failing rows go to the quarantine table with the check and reason; the rest is written', async () => {
    const result = await run('silver.q', ROWS, [
      check('positive.amount', positive, { column: 'amount' }, { action: 'quarantine' }),
    ]);
    assert.equal(result.rowsWritten, 3, 'ids 1, 3 and 4 (NULL passes)');
    assert.equal(result.rowsQuarantined, 2);
    assert.deepEqual(await ids('silver.q'), [1, 3, 4]);
    const quarantined = await kit.quarantined('silver.q');
    assert.deepEqual(quarantined.map((row) => row.row.id).sort(), [2, 5]);
    assert.equal(quarantined[0]!.rule, 'positive.amount');
    assert.equal(quarantined[0]!.column, 'amount');
    assert.match(quarantined[0]!.reason, /failed positive\.amount/);
    const [outcome] = result.checks!;
    assert.equal(outcome!.status, 'quarantined');
    assert.equal(outcome!.failing, 2);
    assert.equal(outcome!.checked, 5);
    const [stored] = await kit.db('core_check_results').where({ workspace: 'checks', dataset: 'silver.q' });
    assert.equal(stored.status, 'quarantined');
    assert.equal(Number(stored.failing), 2);
    assert.equal(stored.delta_version, result.deltaVersion);
  });

  test('drop removes failing rows (counted); fix replaces values of failing rows', async () => {
    const dropped = await run('silver.d', ROWS, [
      check('positive.amount', positive, { column: 'amount' }, { action: 'drop' }),
    ]);
    assert.deepEqual(await ids('silver.d'), [1, 3, 4]);
    assert.equal(dropped.metrics.rowsDropped, 2);
    assert.equal(dropped.rowsQuarantined, 0);

    const fixed = await run('silver.f', ROWS, [
      check('positive.amount', positive, { column: 'amount' }, { action: 'fix', fix: { amount: 'abs(amount)' } }),
    ]);
    assert.equal(fixed.rowsWritten, 5);
    const rows = byId(await kit.rows('silver.f'));
    assert.deepEqual(
      rows.map((row) => [row.id, row.amount]),
      [
        [1, 10],
        [2, 5],
        [3, 7],
        [4, null],
        [5, 1],
      ],
    );
    assert.equal(fixed.checks![0]!.status, 'fixed');
    assert.deepEqual(
      byId(fixed.checks![0]!.sample).map((row) => [row.id, row.amount, row._fixed]),
      [
        [2, -5, { amount: 5 }],
        [5, -1, { amount: 1 }],
      ],
      'before and after',
    );
  });

  test('fail: a failing check ends the job before anything is committed, with its results recorded', async () => {
    await assert.rejects(
      run('silver.strict', ROWS, [check('positive.amount', positive, { column: 'amount' }, { action: 'fail' })]),
      code('DQ_CHECK_FAILED'),
    );
    assert.equal(await kit.version('silver.strict'), undefined, 'no table was created');
    const [stored] = await kit.db('core_check_results').where({ workspace: 'checks', dataset: 'silver.strict' });
    assert.equal(stored.status, 'failed');
    assert.equal(stored.delta_version, null);
    const [incident] = await kit.db('core_dq_incidents').where({ workspace: 'checks', dataset: 'silver.strict' });
    assert.equal(incident.state, 'open');
    assert.equal(incident.count, 1);
  });

  test('mostly lets a share of rows fail; where limits the rows checked', async () => {
    const lenient = await run('silver.m', ROWS, [
      check('positive.amount', positive, { column: 'amount' }, { action: 'fail', mostly: 0.6 }),
    ]);
    assert.equal(lenient.checks![0]!.passed, true, '2 of 5 fail: within 40 %');
    const scoped = await run('silver.w', ROWS, [
      check('positive.amount', positive, { column: 'amount' }, { action: 'fail', where: 'id <> 2 AND id <> 5' }),
    ]);
    assert.equal(scoped.checks![0]!.checked, 3);
    assert.equal(scoped.checks![0]!.failing, 0);
  });

  test('aggregate checks judge the version about to be published: an append is checked with the rows it keeps', async () => {
    const checks = [check('row_count', rowCount, { max: 7 }, { action: 'fail' })];
    await run('silver.grow', ROWS, checks, 'append');
    await assert.rejects(run('silver.grow', ROWS, checks, 'append'), code('DQ_CHECK_FAILED'), '10 rows > 7');
    assert.equal(await kit.version('silver.grow'), 0, 'the second append was not committed');
    const overwrite = await run('silver.grow', ROWS, checks, 'overwrite');
    assert.equal(overwrite.checks![0]!.observed, 5, 'an overwrite keeps none of the old rows');
  });

  test('checks without row actions judge the staged output itself, partitioned ones too', async () => {
    const checks = [
      check('row_count', rowCount, { max: 6 }, { action: 'fail' }),
      check('positive.amount', positive, { column: 'amount' }, { action: 'warn' }),
    ];
    const days = `SELECT id, amount, DATE '2026-01-01' + (id % 2) AS day FROM (${ROWS})`;
    const sequenceBefore = sequence;
    sequence += 1;
    const request = kit.request(
      { operator: writer({ sql: days, mode: 'overwrite_partitions', partitionBy: ['day'] }), output: 'silver.days' },
      { runSequence: sequenceBefore + 1 },
    );
    const result = await kit.executor.run({ ...request, job: { ...request.job, checks } });
    assert.deepEqual(
      result.checks!.map((outcome) => [outcome.id, outcome.status, outcome.checked, outcome.failing, outcome.observed]),
      [
        ['row_count', 'passed', 1, 0, 5],
        ['positive.amount', 'warned', 5, 2, null],
      ],
    );
    assert.deepEqual((await kit.layout('silver.days')).partitionColumns, ['day']);
    const empty = await run('silver.none', `${ROWS} WHERE false`, checks);
    assert.equal(empty.checks![0]!.observed, 0, 'an empty write is checked too');
  });

  test('gate: the version is committed but readers keep the published one until it is approved', async () => {
    const gate = [check('row_count', rowCount, { min: 4 }, { action: 'gate' })];
    const good = await run('gold.g', ROWS, gate);
    assert.equal(good.held, false);
    const held: JobRunResult = await run('gold.g', `${ROWS} WHERE id < 3`, gate);
    assert.equal(held.held, true);
    assert.equal(held.deltaVersion, 1);
    const table = kit.lake.table('checks', 'gold.g');
    assert.equal((await table.snapshot()).version, 1, 'committed');
    assert.equal((await table.published()).version, 0, 'not published');
    const publication = await kit.lake.publications.get('checks', 'gold.g');
    assert.deepEqual([publication?.published, publication?.held, publication?.heldBy], [0, 1, ['row_count']]);
    await kit.lake.publications.publish('checks', 'gold.g', 1, 1);
    assert.equal((await table.published()).version, 1, 'approved');
  });

  test('rollback: the failing version is committed, then the table is restored to the last good version', async () => {
    const rollback = [check('row_count', rowCount, { min: 4 }, { action: 'rollback' })];
    await run('gold.r', ROWS, rollback);
    await assert.rejects(run('gold.r', `${ROWS} WHERE id = 1`, rollback), code('DQ_ROLLED_BACK'));
    const table = kit.lake.table('checks', 'gold.r');
    const history = await table.history(5);
    assert.deepEqual(
      history.map((entry) => entry.operation),
      ['RESTORE', 'WRITE', 'WRITE'],
    );
    assert.equal((await table.published()).version, 2);
    assert.deepEqual(await ids('gold.r'), [1, 2, 3, 4, 5], 'the last good rows');
  });

  test('Gold refuses silent changes, and an aggregate check cannot act on rows', async () => {
    await assert.rejects(
      run('gold.x', ROWS, [
        check('positive.amount', positive, { column: 'amount' }, { action: 'fix', fix: { amount: '1' } }),
      ]),
      code('CHECK_ACTION_INVALID'),
    );
    await assert.rejects(
      run('silver.x', ROWS, [check('row_count', rowCount, { min: 1 }, { action: 'quarantine' })]),
      code('CHECK_ACTION_INVALID'),
    );
  });

  test('repeated failures of one check share one incident until it is resolved', async () => {
    const checks = [check('positive.amount', positive, { column: 'amount' }, { action: 'warn' })];
    for (let index = 0; index < 5; index += 1) await run('silver.inc', ROWS, checks);
    const open = await kit.db('core_dq_incidents').where({ workspace: 'checks', dataset: 'silver.inc' });
    assert.equal(open.length, 1);
    assert.equal(open[0].count, 5);
    await kit.db('core_dq_incidents').where({ id: open[0].id }).update({ state: 'resolved' });
    await run('silver.inc', ROWS, checks);
    const all = await kit
      .db('core_dq_incidents')
      .where({ workspace: 'checks', dataset: 'silver.inc' })
      .orderBy('opened_at');
    assert.deepEqual(
      all.map((incident) => [incident.state, incident.count]),
      [
        ['resolved', 5],
        ['open', 1],
      ],
    );
  });
});
