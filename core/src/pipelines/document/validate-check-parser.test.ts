import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createCheckSqlParser, type ParsedExpression } from './validate-check-parser.ts';

const parser = createCheckSqlParser();
after(() => parser.close());

const refusal = (parsed: ParsedExpression) => ('refused' in parsed ? parsed.refused : undefined);

describe('createCheckSqlParser', () => {
  test('an expression: its aggregate calls and the columns outside them; lambda parameters are no columns', async () => {
    assert.deepEqual(await parser.expression("amount > 0 AND status IN ('open', 'paid')"), {
      facts: { aggregates: [], bareColumns: ['amount', 'status'] },
    });
    assert.deepEqual(await parser.expression('count(*) + SUM(o.amount) FILTER (WHERE paid) / geomean(price)'), {
      facts: { aggregates: ['count_star', 'sum', 'geomean'], bareColumns: [] },
    });
    assert.deepEqual(await parser.expression('list_sum(list_filter(map_values(histogram(k)), n -> n > 1))'), {
      facts: { aggregates: ['histogram'], bareColumns: [] },
    });
    assert.deepEqual(await parser.expression('list_filter(tags, (t, i) -> t <> code AND i > 1)'), {
      facts: { aggregates: [], bareColumns: ['tags', 'code'] },
    });
    assert.deepEqual(await parser.expression("-- trailing comment is fine\nnote LIKE '%)--%' -- and here"), {
      facts: { aggregates: [], bareColumns: ['note'] },
    });
    // SQL whose own keywords look like clauses (FROM, IN, AS) is still one expression.
    for (const sql of [
      "EXTRACT(year FROM sold_on) = 2024 AND trim(BOTH ' ' FROM code) <> ''",
      "position('-' IN code) > 0 AND CAST(amount AS DECIMAL(10, 2)) > 0 AND (a, b) = (1, 2)",
      "CASE WHEN a > 1 THEN 'x' ELSE 'y' END = 'x' AND a BETWEEN 1 AND 2 AND x IS DISTINCT FROM y",
    ]) {
      assert.ok('facts' in (await parser.expression(sql)), sql);
    }
  });

  test('statements, text that reaches past the expression, and unbalanced parentheses are refused', async () => {
    const cases: Array<[string, RegExp]> = [
      ['1; DROP TABLE orders', /^is not a SQL expression: syntax error at or near ";"/],
      ['DROP TABLE orders', /^is not a SQL expression: syntax error/],
      ['1) FROM other --', /^is not a SQL expression/],
      ['amount > 0) OR (true', /parentheses do not balance/],
      ['1) AS assay_check_expression, (2', /adds to the query around it/],
      ['x) UNION SELECT (1', /adds to the query around it/],
      ['amount /* unterminated', /unterminated/],
      ['   ', /^is not a SQL expression/],
    ];
    for (const [sql, expected] of cases) {
      assert.match(refusal(await parser.expression(sql)) ?? 'accepted', expected, sql);
    }
  });

  test('subqueries, window functions, parameters and * are refused', async () => {
    const cases: Array<[string, RegExp]> = [
      ['customer_id IN (SELECT id FROM silver.customers)', /contains a subquery .*referential check/],
      ['EXISTS (FROM other)', /contains a subquery/],
      ['(SELECT max(amount) FROM other) > 0', /contains a subquery/],
      ['status = ANY([1, 2])', /contains a subquery .*list_contains/],
      ['amount > avg(amount) OVER ()', /window function/],
      ['amount = ?', /parameter/],
      ['amount = $1', /parameter/],
      ['COLUMNS(*) IS NOT NULL', /several columns/],
    ];
    for (const [sql, expected] of cases) {
      assert.match(refusal(await parser.expression(sql)) ?? 'accepted', expected, sql);
    }
  });

  test('regular expressions as RE2 compiles them', async () => {
    assert.equal(await parser.regexError('[A-Z]{2}-\\d{4}'), undefined);
    assert.equal(await parser.regexError('(?i)^abc$'), undefined);
    assert.equal(await parser.regexError('[a-'), 'missing ]: [a-');
    assert.match((await parser.regexError('a(?=b)')) ?? 'compiled', /invalid perl operator/);
    assert.match((await parser.regexError('a{2,1}')) ?? 'compiled', /invalid repetition size/);
  });

  test('a parser that was never used closes without opening a database; a closed one opens again', async () => {
    const unused = createCheckSqlParser();
    await unused.close();
    const reused = createCheckSqlParser();
    assert.equal(await reused.regexError('x'), undefined);
    await reused.close();
    assert.deepEqual(await reused.expression('x'), { facts: { aggregates: [], bareColumns: ['x'] } });
    await reused.close();
  });
});
