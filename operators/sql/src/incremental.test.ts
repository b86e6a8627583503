import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { sqlOperator } from './index.ts';

let kit: JobTestKit;

const event = (id: number, at: string) => `(${id}, TIMESTAMP '2026-03-01 ${at}')`;
const events = (...rows: string[]) => `SELECT * FROM (VALUES ${rows.join(', ')}) AS t(id, updated_at)`;

before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

const OUTPUT = 'silver.events';
/** An incremental append: rows newer than the newest the output has, read from the output itself. */
const incremental = ({ initial = true } = {}) => ({
  id: 'events_incremental',
  operator: sqlOperator,
  config: {
    sql: `SELECT id, updated_at FROM bronze.events WHERE updated_at > (SELECT max(updated_at) FROM ${OUTPUT})`,
    ...(initial ? { initialSql: 'SELECT id, updated_at FROM bronze.events' } : {}),
    write: { mode: 'append' },
  },
  inputs: ['bronze.events'],
  output: OUTPUT,
});

const ids = async () => (await kit.rows(OUTPUT)).map((row) => Number(row.id)).sort((a, b) => a - b);

describe('sql operator: incremental loads reading the output', () => {
  test('without initialSql, a first run of a query reading its own output is SQL_OUTPUT_NOT_CREATED', async () => {
    await kit.writeDataset('bronze.events', events(event(1, '10:00'), event(2, '11:00')));
    await assert.rejects(
      kit.runJob(incremental({ initial: false })),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'SQL_OUTPUT_NOT_CREATED', error.message);
        assert.match(
          error.message!,
          /config\.sql reads silver\.events, the job's own output, which does not exist yet/,
        );
        assert.deepEqual(error.details, { path: 'config.sql', dataset: OUTPUT });
        return true;
      },
    );
    assert.equal(await kit.version(OUTPUT), undefined);
  });

  test('the first run loads everything with initialSql; later runs append only rows newer than the output has', async () => {
    const first = await kit.runJob(incremental(), { runSequence: 1 });
    assert.equal(first.rowsWritten, 2);
    assert.deepEqual(await ids(), [1, 2]);

    // A late row older than the watermark is not picked up again; newer rows are, once.
    await kit.writeDataset('bronze.events', events(event(3, '09:00'), event(4, '12:00'), event(5, '13:00')));
    const second = await kit.runJob(incremental(), { runSequence: 2 });
    assert.equal(second.rowsWritten, 2);
    assert.deepEqual(await ids(), [1, 2, 4, 5]);

    const retry = await kit.runJob(incremental(), { runSequence: 2, attempt: 2 });
    assert.equal(retry.skipped, true);
    const idle = await kit.runJob(incremental(), { runSequence: 3 });
    assert.equal(idle.rowsWritten, 0, 'nothing new');
    assert.deepEqual(await ids(), [1, 2, 4, 5]);
  });

  test('a merge can compare with the output too: only changed rows are upserted', async () => {
    const output = 'silver.latest';
    const job = {
      operator: sqlOperator,
      config: {
        sql:
          `SELECT e.id, max(e.updated_at) AS updated_at FROM bronze.events e ` +
          `LEFT JOIN ${output} o ON o.id = e.id GROUP BY e.id HAVING max(e.updated_at) > any_value(o.updated_at) ` +
          'OR any_value(o.id) IS NULL',
        initialSql: 'SELECT id, max(updated_at) AS updated_at FROM bronze.events GROUP BY id',
        write: { mode: 'merge', key: ['id'] },
      },
      inputs: ['bronze.events'],
      output,
    };
    await kit.runJob(job, { runSequence: 1 });
    await kit.writeDataset('bronze.events', events(event(1, '14:00')));
    const second = await kit.runJob(job, { runSequence: 2 });
    assert.deepEqual([second.rowsWritten, second.rowsUpdated], [1, 1]);
    assert.deepEqual(
      sortedRows((await kit.rows(output)).map((row) => ({ id: row.id, at: String(row.updated_at).slice(11, 16) }))),
      sortedRows([
        { id: 1, at: '14:00' },
        { id: 2, at: '11:00' },
        { id: 3, at: '09:00' },
        { id: 4, at: '12:00' },
        { id: 5, at: '13:00' },
      ]),
    );
  });
});
