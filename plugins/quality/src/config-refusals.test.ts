import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quoteIdentifier } from '@assay/sdk';
import { evaluateChecks } from '@assay/sdk/testing';
import plugin, { qualityChecks } from './index.ts';
import { customSqlCheck } from './custom-sql.check.ts';
import { meanCheck } from './mean.check.ts';
import { nullRateCheck } from './null-rate.check.ts';
import { rangeCheck } from './range.check.ts';
import { regexCheck } from './regex.check.ts';
import { rowCountChangeCheck } from './row-count-change.check.ts';
import { rowCountCheck } from './row-count.check.ts';
import { typeCheck } from './type.check.ts';
import { uniqueCheck } from './unique.check.ts';

const ctx = { relation: '"silver"."orders"', quote: quoteIdentifier, columns: [], now: new Date() };

function refuses(compile: () => unknown, message: RegExp): void {
  assert.throws(compile, (error: { code?: string; message: string }) => {
    assert.equal(error.code, 'CHECK_CONFIG_INVALID');
    assert.match(error.message, message);
    return true;
  });
}

describe('configs the checks refuse', () => {
  test('regex: an empty pattern', () => {
    refuses(() => regexCheck.compile(ctx, { column: 'code', pattern: '' }), /regex.*pattern is empty/);
  });
  test('type: something that is not a type name reaches no CAST', () => {
    refuses(() => typeCheck.compile(ctx, { column: 'qty', type: 'INT); DROP TABLE x; --' }), /not a DuckDB type/);
    assert.deepEqual(typeCheck.compile(ctx, { column: 'qty', type: 'DECIMAL(18,2)' }), {
      kind: 'row',
      predicate: 'TRY_CAST("qty" AS DECIMAL(18,2)) IS NOT NULL OR "qty" IS NULL',
    });
  });
  test('range: no bound, min above max, mixed bounds, dates on a length', () => {
    refuses(() => rangeCheck.compile(ctx, { column: 'a' }), /give min, max or both/);
    refuses(() => rangeCheck.compile(ctx, { column: 'a', min: 5, max: 1 }), /min \(5\) is above max \(1\)/);
    refuses(() => rangeCheck.compile(ctx, { column: 'a', min: 1, max: '2024-01-01' }), /both be numbers or both/);
    refuses(() => rangeCheck.compile(ctx, { column: 'a', min: '2024-01-01', length: true }), /length/);
    refuses(() => rangeCheck.compile(ctx, { column: 'a', min: '01/02/2024' }), /ISO date/);
  });
  test('aggregates: no bound, or min above max', () => {
    refuses(() => rowCountCheck.compile(ctx, {}), /row_count.*give min, max or both/);
    refuses(() => meanCheck.compile(ctx, { column: 'a', min: 2, max: 1 }), /mean.*above max/);
  });
  test('row_count_change: no bound, or a window without a rolling baseline', () => {
    refuses(
      () => rowCountChangeCheck.compile(ctx, {}),
      /row_count_change.*give maxIncreasePercent, maxDecreasePercent/,
    );
    refuses(() => rowCountChangeCheck.compile(ctx, { baseline: 'rolling' }), /give maxIncreasePercent/);
    refuses(
      () => rowCountChangeCheck.compile(ctx, { maxDecreasePercent: 10, window: 3 }),
      /window is the size of a rolling baseline/,
    );
    assert.deepEqual(rowCountChangeCheck.compile(ctx, { maxDecreasePercent: 10, baseline: 'rolling' }), {
      kind: 'aggregate',
      expression: 'count(*)',
      history: { method: 'change', baseline: { rolling: 7 }, maxDecreasePercent: 10 },
    });
  });
  test('null_rate: neither max nor maxSpike, or a window without maxSpike', () => {
    refuses(() => nullRateCheck.compile(ctx, { column: 'a' }), /null_rate.*give max, maxSpike or both/);
    refuses(() => nullRateCheck.compile(ctx, { column: 'a', max: 5, window: 3 }), /window is the baseline of maxSpike/);
  });
  test('unique: column and columns, or neither', () => {
    refuses(() => uniqueCheck.compile(ctx, {}), /either column or columns/);
    refuses(() => uniqueCheck.compile(ctx, { column: 'a', columns: ['b'] }), /either column or columns/);
  });
  test('custom_sql: both or neither of predicate and expression, bounds on a predicate', () => {
    refuses(() => customSqlCheck.compile(ctx, {}), /either predicate or expression/);
    refuses(() => customSqlCheck.compile(ctx, { predicate: 'a > 0', expression: 'count(*)', min: 1 }), /either/);
    refuses(() => customSqlCheck.compile(ctx, { predicate: 'a > 0', max: 1 }), /min and max go with an expression/);
    refuses(() => customSqlCheck.compile(ctx, { expression: 'count(*)' }), /give min, max or both/);
  });
  test('identifiers are quoted, so odd column names work', async () => {
    const [result] = await evaluateChecks(
      { 'silver.odd': `SELECT * FROM (VALUES (1), (NULL)) AS t("my ""col""")` },
      'silver.odd',
      [{ definition: rangeCheck, config: { column: 'my "col"', min: 1 } }],
    );
    assert.deepEqual([result?.passed, result?.checked, result?.failing], [true, 2, 0]);
  });
});

describe('the plugin', () => {
  test('contributes every check type under its snake_case name', () => {
    assert.equal(plugin.id, 'quality');
    assert.deepEqual(
      qualityChecks.map((check) => check.type),
      [
        'not_null',
        'unique',
        'accepted_values',
        'range',
        'regex',
        'type',
        'row_count',
        'row_count_change',
        'freshness',
        'null_rate',
        'mean',
        'stddev',
        'sum',
        'custom_sql',
        'referential',
        'schema',
        'anomaly',
      ],
    );
  });
  test('every config schema refuses unknown fields', () => {
    for (const check of qualityChecks) {
      assert.equal((check.config as { additionalProperties?: boolean }).additionalProperties, false, check.type);
    }
  });
});
