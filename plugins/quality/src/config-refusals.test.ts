import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quoteIdentifier } from '@assay/sdk';
import { evaluateChecks } from '@assay/sdk/testing';
import plugin, { qualityChecks } from './index.ts';
import { customSqlCheck } from './custom-sql.check.ts';
import { meanCheck } from './mean.check.ts';
import { rangeCheck } from './range.check.ts';
import { regexCheck } from './regex.check.ts';
import { rowCountCheck } from './row-count.check.ts';
import { typeCheck } from './type.check.ts';
import { uniqueCheck } from './unique.check.ts';

const ctx = { relation: '"silver"."orders"', quote: quoteIdentifier };

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
        'null_rate',
        'mean',
        'stddev',
        'sum',
        'custom_sql',
        'referential',
      ],
    );
  });
  test('every config schema refuses unknown fields', () => {
    for (const check of qualityChecks) {
      assert.equal((check.config as { additionalProperties?: boolean }).additionalProperties, false, check.type);
    }
  });
});
