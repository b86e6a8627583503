import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { sqlOperator } from './index.ts';

let kit: JobTestKit;

// Everything arrives as text, as Bronze often has it; one id and one amount are not numbers.
const RAW = `SELECT * FROM (VALUES
  ('1', '10.50', '2026-01-02', 'first'),
  ('2', NULL, '2026-01-03', NULL),
  ('x3', '7', '2026-01-04', 'bad id')
) AS t(id, amount, placed_on, note)`;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('bronze.raw', RAW);
  await kit.writeDataset('bronze.dated', `SELECT 1 AS id, DATE '2026-01-01' AS day`);
});
after(() => kit?.close());

type Column = { name: string; type: string; nullable?: boolean };
const ID: Column = { name: 'id', type: 'BIGINT', nullable: false };
const AMOUNT: Column = { name: 'amount', type: 'DECIMAL(10,2)' };
const PLACED: Column = { name: 'placed_on', type: 'DATE' };

const job = (
  output: string,
  contract: Record<string, unknown>,
  sql = `SELECT * FROM bronze.raw WHERE id <> 'x3'`,
  write: Record<string, unknown> = {},
) => ({
  id: output.replace('.', '_'),
  operator: sqlOperator,
  config: { sql, write, contract },
  inputs: ['bronze.raw', 'bronze.dated'],
  output,
});

/** The DuckDB types of a dataset's columns, read back through another sql job. */
async function typesOf(dataset: string, columns: string[]): Promise<Record<string, unknown>> {
  const probe = `types_${dataset.replace('.', '_')}`;
  await kit.runJob({
    operator: sqlOperator,
    config: { sql: `SELECT ${columns.map((c) => `typeof("${c}") AS "${c}"`).join(', ')} FROM ${dataset} LIMIT 1` },
    inputs: [dataset],
    output: `silver.${probe}`,
  });
  return (await kit.rows(`silver.${probe}`))[0]!;
}

interface Refusal {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}
const refused =
  (code: string, check: (error: Refusal) => void = () => undefined) =>
  (error: Refusal) => {
    assert.equal(error.code, code, error.message);
    check(error);
    return true;
  };

describe('sql operator: contract', () => {
  test('declared columns are written in their order and cast to their types; onExtra: drop leaves the rest out', async () => {
    const output = 'silver.typed';
    await kit.runJob(job(output, { columns: [ID, AMOUNT, PLACED], onExtra: 'drop' }));
    assert.deepEqual(
      sortedRows(await kit.rows(output)),
      sortedRows([
        { id: '1', amount: '10.50', placed_on: '2026-01-02' },
        { id: '2', amount: null, placed_on: '2026-01-03' },
      ]),
    );
    assert.deepEqual(Object.keys((await kit.rows(output))[0]!), ['id', 'amount', 'placed_on']);
    assert.deepEqual(await typesOf(output, ['id', 'amount', 'placed_on']), {
      id: 'BIGINT',
      amount: 'DECIMAL(10,2)',
      placed_on: 'DATE',
    });
  });

  test('onExtra: fail (the default) is SQL_CONTRACT_EXTRA_COLUMN naming the columns; nothing is written', async () => {
    await assert.rejects(
      kit.runJob(job('silver.refused', { columns: [ID, AMOUNT] })),
      refused('SQL_CONTRACT_EXTRA_COLUMN', (error) => {
        assert.deepEqual(error.details?.columns, ['placed_on', 'note']);
        assert.match(error.message!, /"placed_on", "note" that config\.contract\.columns does not declare/);
      }),
    );
    assert.equal(await kit.version('silver.refused'), undefined);
  });

  test('onExtra: evolve writes undeclared columns as they are, so an appended table gains them', async () => {
    const output = 'silver.evolving';
    const columns = [ID, AMOUNT];
    await kit.runJob(job(output, { columns }, `SELECT id, amount FROM bronze.raw WHERE id = '1'`, { mode: 'append' }), {
      runSequence: 1,
    });
    await kit.runJob(
      job(output, { columns, onExtra: 'evolve' }, `SELECT id, amount, note FROM bronze.raw WHERE id = '2'`, {
        mode: 'append',
      }),
      { runSequence: 2 },
    );
    assert.deepEqual(
      sortedRows(await kit.rows(output)),
      sortedRows([
        { id: '1', amount: '10.50', note: null },
        { id: '2', amount: null, note: null },
      ]),
    );
    assert.deepEqual(await typesOf(output, ['id', 'note']), { id: 'BIGINT', note: 'VARCHAR' });
  });

  test('a merge cannot evolve the table: a new column is refused by the output before anything is quarantined', async () => {
    const output = 'silver.merged';
    const contract = { columns: [ID, AMOUNT], onExtra: 'evolve', onViolation: 'quarantine' };
    await kit.runJob(job(output, contract, `SELECT id, amount FROM bronze.raw`, { mode: 'merge', key: ['id'] }), {
      runSequence: 1,
    });
    assert.equal((await kit.quarantined(output)).length, 1, 'the x3 row');
    const version = await kit.version(output);
    await assert.rejects(
      kit.runJob(job(output, contract, 'SELECT * FROM bronze.raw', { mode: 'merge', key: ['id'] }), { runSequence: 2 }),
      refused('OUTPUT_SCHEMA_MISMATCH', (error) => assert.match(error.message!, /"placed_on", "note"/)),
    );
    assert.equal((await kit.quarantined(output)).length, 1, 'the failed run quarantined nothing');
    assert.equal(await kit.version(output), version);
  });

  test('onMissing: fail (the default) is SQL_CONTRACT_MISSING_COLUMN; null writes the column as NULL of its type', async () => {
    const NOTE_COUNT: Column = { name: 'note_count', type: 'INTEGER' };
    await assert.rejects(
      kit.runJob(job('silver.refused', { columns: [ID, NOTE_COUNT], onExtra: 'drop' })),
      refused('SQL_CONTRACT_MISSING_COLUMN', (error) => {
        assert.deepEqual(error.details, { path: 'config.contract.columns[1]', columns: ['note_count'] });
      }),
    );
    await assert.rejects(
      kit.runJob(
        job('silver.refused', {
          columns: [ID, { ...NOTE_COUNT, nullable: false }],
          onExtra: 'drop',
          onMissing: 'null',
        }),
      ),
      refused('SQL_CONTRACT_MISSING_COLUMN', (error) => assert.match(error.message!, /nullable: false/)),
    );
    assert.equal(await kit.version('silver.refused'), undefined);
    const output = 'silver.filled';
    await kit.runJob(job(output, { columns: [ID, NOTE_COUNT], onExtra: 'drop', onMissing: 'null' }));
    assert.deepEqual(
      sortedRows(await kit.rows(output)),
      sortedRows([
        { id: '1', note_count: null },
        { id: '2', note_count: null },
      ]),
    );
    assert.deepEqual(await typesOf(output, ['note_count']), { note_count: 'INTEGER' });
  });

  test('nullable: false: a NULL is SQL_CONTRACT_NOT_NULL, or with onViolation: quarantine the row goes to quarantine', async () => {
    const columns = [ID, { ...AMOUNT, nullable: false }];
    await assert.rejects(
      kit.runJob(job('silver.refused', { columns, onExtra: 'drop' })),
      refused('SQL_CONTRACT_NOT_NULL', (error) => {
        assert.equal(error.details?.path, 'config.contract.columns[1]');
        assert.equal(error.details?.rows, 1);
        assert.match(error.message!, /"amount" is NULL/);
      }),
    );
    assert.equal(await kit.version('silver.refused'), undefined);
    const output = 'silver.not_null';
    const result = await kit.runJob(job(output, { columns, onExtra: 'drop', onViolation: 'quarantine' }));
    assert.deepEqual([result.rowsWritten, result.rowsQuarantined], [1, 1]);
    assert.deepEqual(await kit.rows(output), [{ id: '1', amount: '10.50' }]);
    assert.deepEqual(await kit.quarantined(output), [
      {
        rule: 'sql.contract.not_null',
        reason: '"amount" is NULL, which the contract does not allow (nullable: false)',
        column: 'amount',
        row: { id: '2', amount: null, placed_on: '2026-01-03', note: null },
      },
    ]);
  });

  test('a value that does not cast is SQL_CONTRACT_TYPE_MISMATCH with DuckDB’s reason, or quarantined', async () => {
    const all = 'SELECT id, amount FROM bronze.raw';
    await assert.rejects(
      kit.runJob(job('silver.refused', { columns: [ID, AMOUNT] }, all)),
      refused('SQL_CONTRACT_TYPE_MISMATCH', (error) => {
        assert.equal(error.details?.path, 'config.contract.columns[0]');
        assert.deepEqual([error.details?.from, error.details?.to, error.details?.rows], ['VARCHAR', 'BIGINT', 1]);
        assert.match(error.message!, /"id" is x3, which does not cast to BIGINT/);
        assert.match(error.message!, /Could not convert string 'x3' to INT64/);
      }),
    );
    assert.equal(await kit.version('silver.refused'), undefined);
    const output = 'silver.cast';
    const result = await kit.runJob(job(output, { columns: [ID, AMOUNT], onViolation: 'quarantine' }, all));
    assert.deepEqual([result.rowsWritten, result.rowsQuarantined], [2, 1]);
    assert.deepEqual(await kit.quarantined(output), [
      {
        rule: 'sql.contract.type',
        reason: '"id" is x3, which does not cast to BIGINT',
        column: 'id',
        row: { id: 'x3', amount: '7' },
      },
    ]);
  });

  test('a type DuckDB cannot cast to at all is SQL_CONTRACT_TYPE_MISMATCH even with onViolation: quarantine', async () => {
    const contract = {
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'day', type: 'INTEGER' },
      ],
      onViolation: 'quarantine',
    };
    await assert.rejects(
      kit.runJob(job('silver.refused', contract, 'SELECT id, day FROM bronze.dated')),
      refused('SQL_CONTRACT_TYPE_MISMATCH', (error) => {
        assert.equal(error.details?.path, 'config.contract.columns[1]');
        assert.match(error.message!, /declares type INTEGER, but the query returns DATE, which DuckDB cannot cast/);
        assert.match(error.message!, /Unimplemented type for cast \(DATE -> INTEGER\)/);
      }),
    );
    assert.equal(await kit.version('silver.refused'), undefined);
    assert.deepEqual(await kit.quarantined('silver.refused'), []);
  });

  test('declared types are normalised by DuckDB (int = INTEGER, no cast); unknown ones are SQL_CONTRACT_TYPE_INVALID', async () => {
    const output = 'silver.aliases';
    await kit.runJob(
      job(
        output,
        {
          columns: [
            { name: 'id', type: 'int' },
            { name: 'day', type: 'date' },
          ],
        },
        'SELECT * FROM bronze.dated',
      ),
    );
    assert.deepEqual(await kit.rows(output), [{ id: 1, day: '2026-01-01' }]);
    for (const [type, message] of [
      ['INTEGR', /Type with name integr does not exist/i],
      ['INT) FROM bronze.raw --', /is not a DuckDB type name/],
    ] as const) {
      await assert.rejects(
        kit.runJob(job('silver.refused', { columns: [ID, { name: 'amount', type }], onExtra: 'drop' })),
        refused('SQL_CONTRACT_TYPE_INVALID', (error) => {
          assert.equal(error.details?.path, 'config.contract.columns[1].type');
          assert.match(error.message!, message);
        }),
      );
    }
  });

  test('a column declared twice is JOB_CONFIG_INVALID, and so is a setting outside the schema', async () => {
    await assert.rejects(
      kit.runJob(job('silver.refused', { columns: [ID, { name: 'ID', type: 'INTEGER' }] })),
      refused('JOB_CONFIG_INVALID', (error) => assert.equal(error.details?.path, 'config.contract.columns[1].name')),
    );
    await assert.rejects(
      kit.runJob(job('silver.refused', { columns: [ID], onExtra: 'ignore' })),
      refused('JOB_CONFIG_INVALID', (error) => assert.equal(error.details?.path, 'config.contract.onExtra')),
    );
    assert.equal(await kit.version('silver.refused'), undefined);
  });

  test('merge keys are checked after the cast: "01" and "1" are one BIGINT key', async () => {
    const output = 'silver.keyed';
    await kit.writeDataset('bronze.codes', `SELECT * FROM (VALUES ('01', 'a'), ('1', 'b'), ('2', 'c')) AS t(id, v)`);
    const result = await kit.runJob({
      operator: sqlOperator,
      config: {
        sql: 'SELECT * FROM bronze.codes',
        write: { mode: 'merge', key: ['id'], onKeyProblem: 'quarantine' },
        contract: { columns: [ID, { name: 'v', type: 'VARCHAR' }] },
      },
      inputs: ['bronze.codes'],
      output,
    });
    assert.deepEqual([result.rowsWritten, result.rowsQuarantined], [1, 2]);
    assert.deepEqual(await kit.rows(output), [{ id: '2', v: 'c' }]);
    assert.deepEqual(
      (await kit.quarantined(output)).map((q) => q.reason),
      ['merge key (id = 1) is in 2 rows of the query result', 'merge key (id = 1) is in 2 rows of the query result'],
    );
  });
});
