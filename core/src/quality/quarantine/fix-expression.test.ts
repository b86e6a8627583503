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
      ['amount; DROP TABLE t', /not a SQL expression: syntax error at or near ";"/],
      ['amount); DROP TABLE t; SELECT (1', /several statements, not one expression/],
      ['amount); SELECT (1', /several statements, not one expression/],
      ['', /non-empty/],
      ['   ', /non-empty/],
      ['x'.repeat(4001), /at most 4000/],
      ['amount +', /not a SQL expression/],
      ['(SELECT 1)', /contains a subquery/],
      ['EXISTS (SELECT 1)', /contains a subquery/],
      ['amount) AS x FROM rows --', /not a SQL expression/],
      ['amount) AS assay_fix_value, (1', /not one expression: it adds to the query/],
      ['amount) AS a, (amount', /not one expression: it adds to the query/],
      ['1 UNION SELECT 2', /not a SQL expression|not one expression/],
      ["read_csv('/etc/passwd')", /calls read_csv\(\), a table function/],
      ['sum(amount)', /may not call sum\(\)/],
      ['count(*) OVER ()', /uses a window function/],
      ['$1', /has a parameter/],
      ['?', /has a parameter/],
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
