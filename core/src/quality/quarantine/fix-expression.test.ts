import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AssayError } from '@assay/sdk';
import { assertFixExpressions } from './fix-expression.ts';

const refusal = async (expression: string): Promise<AssayError> => {
  try {
    await assertFixExpressions({ ok: 'amount', amount: expression });
  } catch (error) {
    assert.ok(error instanceof AssayError);
    return error;
  }
  assert.fail(`accepted: ${expression}`);
};

describe('fix expressions', () => {
  test('scalar expressions over the row are accepted, lambdas and comments included', async () => {
    await assertFixExpressions({
      amount: "replace(amount, ',', '.')",
      sign: 'CASE WHEN amount > 0 THEN 1 ELSE -1 END',
      tags: 'list_transform(tags, x -> upper(x))',
      city: "coalesce(city, 'unknown') -- a trailing comment",
      day: "strptime(day, '%d/%m/%Y')::DATE",
    });
  });

  test('statements, queries, table functions, aggregates, windows and parameters are refused', async () => {
    const cases: Array<[string, RegExp]> = [
      ['amount; DROP TABLE t', /not a valid SQL expression: syntax error at or near ";"/],
      ['amount); DROP TABLE t; SELECT (1', /single expression, without a semicolon/],
      ['amount); SELECT (1', /single expression, without a semicolon/],
      ['', /non-empty/],
      ['   ', /non-empty/],
      ['x'.repeat(4001), /at most 4000/],
      ['amount +', /not a valid SQL expression/],
      ['(SELECT 1)', /may not contain a subquery/],
      ['EXISTS (SELECT 1)', /may not contain a subquery/],
      ['amount) AS x FROM rows --', /not a valid SQL expression/],
      ['amount) AS assay_fix_value, (1', /single expression, not a query/],
      ['amount) AS a, (amount', /single expression, not a query/],
      ['1 UNION SELECT 2', /not a valid|single expression/],
      ["read_csv('/etc/passwd')", /may not call read_csv\(\)/],
      ['sum(amount)', /may not call sum\(\)/],
      ['count(*) OVER ()', /may not contain a window/],
      ['$1', /may not contain a parameter/],
      ['?', /may not contain a parameter/],
    ];
    for (const [expression, message] of cases) {
      const error = await refusal(expression);
      assert.equal(error.code, 'QUARANTINE_FIX_INVALID', expression);
      assert.equal(error.status, 400);
      assert.deepEqual(error.details, { column: 'amount' }, expression);
      assert.match(error.message, /^The fix for column "amount" /, expression);
      assert.match(error.message, message, `${expression}: ${error.message}`);
    }
  });
});
