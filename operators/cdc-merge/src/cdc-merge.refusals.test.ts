import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { changeLogSql, type ChangeRow } from './change-log-fixtures.ts';
import { cdcMergeOperator } from './index.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

let sequence = 0;
const run = (output: string, input: string, config: Record<string, unknown>) =>
  kit.runJob(
    { id: output.replace('.', '_'), operator: cdcMergeOperator, config, inputs: [input], output },
    { runSequence: ++sequence },
  );

type Failure = { code?: string; message?: string; details?: Record<string, unknown> };
const refused = (code: string, pattern?: RegExp, path?: string) => (error: Failure) => {
  assert.equal(error.code, code, error.message);
  if (pattern !== undefined) assert.match(error.message!, pattern);
  if (path !== undefined) assert.equal(error.details?.path, path);
  return true;
};

const change = (op: string | null, position: string | null, after: object | null, before: object | null = null) => ({
  op,
  source_position: position,
  event_time: '2024-01-01T00:00:00Z',
  source_table: 'shop.customers',
  tx_id: null,
  key: null,
  before: before === null ? null : JSON.stringify(before),
  after: after === null ? null : JSON.stringify(after),
});
const GOOD: ChangeRow[] = [
  change('c', '1', { id: 1, name: 'a', balance: 1 }),
  change('c', '2', { id: 2, name: 'b', balance: 2 }),
];

describe('cdc-merge: bad input is refused with a code, and nothing is written', () => {
  test('an input that is not a change log: CDC_CHANGE_LOG_INVALID', async () => {
    await kit.writeDataset('bronze.plain', `SELECT 1 AS id, 'x' AS name, '1' AS source_position`);
    await assert.rejects(
      run('silver.refused_plain', 'bronze.plain', { businessKey: ['id'] }),
      refused('CDC_CHANGE_LOG_INVALID', /lacks "op", "after"/),
    );
    assert.equal(await kit.version('silver.refused_plain'), undefined);
  });

  test('position and event time columns the change log lacks: CDC_POSITION_COLUMN_MISSING, CDC_EVENT_TIME_COLUMN_MISSING', async () => {
    await kit.writeDataset('bronze.good', changeLogSql(GOOD));
    await assert.rejects(
      run('silver.refused_position', 'bronze.good', { businessKey: ['id'], position: ['source_position', 'lsn'] }),
      refused(
        'CDC_POSITION_COLUMN_MISSING',
        /config\.position\[1\]: bronze\.good has no column "lsn"/,
        'config.position[1]',
      ),
    );
    await assert.rejects(
      run('silver.refused_position', 'bronze.good', { businessKey: ['id'], eventTime: 'ts_ms' }),
      refused('CDC_EVENT_TIME_COLUMN_MISSING', /"ts_ms"/, 'config.eventTime'),
    );
    assert.equal(await kit.version('silver.refused_position'), undefined);
  });

  test('a business key no change has: CDC_KEY_COLUMN_MISSING', async () => {
    await assert.rejects(
      run('silver.refused_key', 'bronze.good', { businessKey: ['id', 'customer_id'] }),
      refused('CDC_KEY_COLUMN_MISSING', /config\.businessKey\[1\]: .*"customer_id"/, 'config.businessKey[1]'),
    );
    assert.equal(await kit.version('silver.refused_key'), undefined);
  });

  test('NULL keys: CDC_NULL_KEY, or quarantined with the reason while the rest is applied', async () => {
    await kit.writeDataset(
      'bronze.null_keys',
      changeLogSql([...GOOD, change('u', '3', { id: null, name: 'no key' }), change('d', '4', null, { name: 'x' })]),
    );
    await assert.rejects(
      run('silver.null_keys', 'bronze.null_keys', { businessKey: ['id'] }),
      refused('CDC_NULL_KEY', /2 change\(s\) of bronze\.null_keys have a NULL business key/),
    );
    assert.equal(await kit.version('silver.null_keys'), undefined);
    assert.deepEqual(await kit.quarantined('silver.null_keys'), []);

    const result = await run('silver.null_keys', 'bronze.null_keys', { businessKey: ['id'], onInvalid: 'quarantine' });
    assert.equal(result.rowsQuarantined, 2);
    assert.deepEqual(
      sortedRows((await kit.rows('silver.null_keys')).map((r) => ({ id: r.id, name: r.name }))),
      sortedRows([
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
      ]),
    );
    const quarantined = await kit.quarantined('silver.null_keys');
    assert.deepEqual(
      sortedRows(quarantined.map((q) => ({ rule: q.rule, column: q.column, position: q.row.source_position }))),
      sortedRows([
        { rule: 'cdc-merge.null_key', column: 'id', position: '3' },
        { rule: 'cdc-merge.null_key', column: 'id', position: '4' },
      ]),
    );
    assert.match(quarantined[0]!.reason, /the business key field "id" is NULL/);
    // The quarantined changes are behind the stored position: a re-run sets nothing aside twice.
    await kit.writeDataset('bronze.null_keys', changeLogSql([change('u', '5', { id: 1, name: 'a2' })]), {
      mode: 'append',
    });
    const next = await run('silver.null_keys', 'bronze.null_keys', { businessKey: ['id'], onInvalid: 'quarantine' });
    assert.deepEqual([next.rowsQuarantined, next.rowsWritten], [0, 1]);
    assert.equal((await kit.quarantined('silver.null_keys')).length, 2);
  });

  test('NULL or non-numeric positions: CDC_NULL_POSITION, or quarantined', async () => {
    await kit.writeDataset(
      'bronze.null_positions',
      changeLogSql([
        ...GOOD,
        change('u', 'abc', { id: 1, name: 'unordered' }),
        change('u', null, { id: 2, name: 'n' }),
      ]),
    );
    await assert.rejects(
      run('silver.null_positions', 'bronze.null_positions', { businessKey: ['id'], positionAs: 'number' }),
      refused(
        'CDC_NULL_POSITION',
        /2 change\(s\) .* have a NULL position \(source_position\) or one that is not a number/,
      ),
    );
    assert.equal(await kit.version('silver.null_positions'), undefined);
    const result = await run('silver.null_positions', 'bronze.null_positions', {
      businessKey: ['id'],
      positionAs: 'number',
      onInvalid: 'quarantine',
    });
    assert.equal(result.rowsQuarantined, 2);
    assert.deepEqual(
      (await kit.quarantined('silver.null_positions')).map((q) => q.rule),
      ['cdc-merge.null_position', 'cdc-merge.null_position'],
    );
    assert.deepEqual(
      sortedRows((await kit.rows('silver.null_positions')).map((r) => ({ id: r.id, name: r.name }))),
      sortedRows([
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
      ]),
    );
  });

  test('a value that does not fit its column type: CDC_CAST_FAILED, or quarantined', async () => {
    await kit.writeDataset(
      'bronze.unfit',
      changeLogSql([
        ...GOOD,
        change('c', '3', { id: 3, name: 'c', balance: 2.5 }),
        change('c', '4', { id: 4, balance: 'lots' }),
      ]),
    );
    const config = { businessKey: ['id'], casts: { balance: 'INTEGER' } };
    await assert.rejects(run('silver.unfit', 'bronze.unfit', config), (error: Failure) => {
      refused(
        'CDC_CAST_FAILED',
        /bronze\.unfit: the value of "balance" does not fit its column type INTEGER \(the change of key [34] at position [34]\)/,
      )(error);
      assert.equal(error.details?.column, 'balance');
      return true;
    });
    assert.equal(await kit.version('silver.unfit'), undefined);
    const result = await run('silver.unfit', 'bronze.unfit', { ...config, onInvalid: 'quarantine' });
    assert.equal(result.rowsQuarantined, 2);
    const quarantined = await kit.quarantined('silver.unfit');
    assert.deepEqual(
      quarantined.map((q) => [q.rule, q.column]),
      [
        ['cdc-merge.cast', 'balance'],
        ['cdc-merge.cast', 'balance'],
      ],
    );
    assert.match(quarantined[0]!.reason, /does not fit its column type INTEGER/);
    assert.deepEqual(
      sortedRows((await kit.rows('silver.unfit')).map((r) => ({ id: r.id, balance: r.balance }))),
      sortedRows([
        { id: '1', balance: 1 },
        { id: '2', balance: 2 },
      ]),
    );
  });

  test('fields the table lacks: CDC_NEW_COLUMNS; a table made with other settings: CDC_TARGET_MISMATCH', async () => {
    await kit.writeDataset('bronze.growing', changeLogSql(GOOD));
    await run('silver.growing', 'bronze.growing', { businessKey: ['id'] });
    const version = await kit.version('silver.growing');
    await kit.writeDataset(
      'bronze.growing',
      changeLogSql([change('u', '3', { id: 1, name: 'a', balance: 1, email: 'e' })]),
      {
        mode: 'append',
      },
    );
    await assert.rejects(
      run('silver.growing', 'bronze.growing', { businessKey: ['id'] }),
      refused('CDC_NEW_COLUMNS', /field\(s\) "email" that silver\.growing lacks/),
    );
    await assert.rejects(
      run('silver.growing', 'bronze.growing', { businessKey: ['id'], deletes: 'soft', onNewColumns: 'ignore' }),
      refused('CDC_TARGET_MISMATCH', /lacks the column\(s\) "is_deleted", "deleted_at"/),
    );
    assert.equal(await kit.version('silver.growing'), version);
  });

  test('config that cannot work: CDC_CONFIG_INVALID, CDC_COLUMN_CONFLICT, CDC_COLUMN_NOT_FOUND, JOB_CONFIG_INVALID', async () => {
    const output = 'silver.refused_config';
    await assert.rejects(
      run(output, 'bronze.good', { businessKey: ['id'], exclude: ['name', 'id'] }),
      refused('CDC_CONFIG_INVALID', /config\.exclude\[1\]: "id" is part of config\.businessKey/, 'config.exclude[1]'),
    );
    await assert.rejects(
      run(output, 'bronze.good', { businessKey: ['id'], casts: { balance: 'NOT_A_TYPE' } }),
      refused('CDC_CONFIG_INVALID', /"NOT_A_TYPE" is not a DuckDB type/, 'config.casts.balance'),
    );
    await assert.rejects(
      run(output, 'bronze.good', { businessKey: ['id'], casts: { colour: 'VARCHAR' } }),
      refused('CDC_CONFIG_INVALID', /config\.casts\.colour/, 'config.casts.colour'),
    );
    await assert.rejects(
      run(output, 'bronze.good', { businessKey: ['id'], include: ['name', 'colour'] }),
      refused(
        'CDC_COLUMN_NOT_FOUND',
        /config\.include\[1\]: no change of this run has a field "colour"/,
        'config.include[1]',
      ),
    );
    await assert.rejects(
      run(output, 'bronze.good', { businessKey: ['id'], deletes: 'soft', deletedFlagColumn: 'name' }),
      refused('CDC_COLUMN_CONFLICT', /field "name", which is also a column cdc-merge adds/),
    );
    await assert.rejects(
      run(output, 'bronze.good', {
        businessKey: ['id'],
        deletes: 'soft',
        deletedFlagColumn: 'x',
        deletedAtColumn: 'x',
      }),
      refused('CDC_COLUMN_CONFLICT'),
    );
    await assert.rejects(run(output, 'bronze.good', { businessKey: [] }), refused('JOB_CONFIG_INVALID'));
    await assert.rejects(
      run(output, 'bronze.good', { businessKey: ['id'], casts: { balance: 'INT); DROP TABLE x; --' } }),
      refused('JOB_CONFIG_INVALID'),
    );
    assert.equal(await kit.version(output), undefined);
  });
});
