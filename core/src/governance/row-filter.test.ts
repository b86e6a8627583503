import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Principal } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { assertValidRowFilter, substitutePlaceholders } from './row-filter.ts';

const principal: Principal = {
  id: '6f1c8c1e-9d4b-4c1e-8f43-1c2b3d4e5f60',
  kind: 'user',
  name: `Dan O'Neil`,
  email: `dan.o'neil@example.com`,
  platformAdmin: false,
  via: 'session',
};

async function refused(predicate: string): Promise<string> {
  let message = '';
  await assert.rejects(assertValidRowFilter(predicate), (error: { code?: string; message: string }) => {
    assert.equal(error.code, 'ROW_FILTER_INVALID', `${predicate}: ${error.message}`);
    message = error.message;
    return true;
  });
  return message;
}

describe('row filter validation accepts predicates', () => {
  for (const predicate of [
    `region = 'eu'`,
    `region IN ('eu', 'uk') AND amount < 100`,
    `(region = 'eu') OR (region = 'uk')`,
    `owner = {{principal.id}}`,
    `lower(email) = lower({{ principal.email }}) OR manager = {{principal.name}}`,
    `coalesce(deleted, false) = false AND list_contains(tags, 'public')`,
    `list_filter(scores, x -> x > 10) <> []`,
    `note = 'a) OR (true'`,
  ]) {
    test(predicate, () => assertValidRowFilter(predicate));
  }
});

describe('row filter validation refuses (ROW_FILTER_INVALID)', () => {
  const cases: Array<[string, string]> = [
    ['empty', '  '],
    ['too long', `region = '${'x'.repeat(4000)}'`],
    ['a UNION escaping the parentheses', `1=1) UNION SELECT * FROM read_parquet('/etc/passwd') WHERE (1=1`],
    ['a UNION with balanced parentheses', `1=1 UNION SELECT 1`],
    ['a second statement', `region = 'eu'; DROP TABLE core_users`],
    ['a second SELECT', `region = 'eu'; SELECT 1`],
    ['a trailing comment eating the closing parenthesis', `region = 'eu' --`],
    ['unbalanced parentheses that would escape an AND', `region = 'eu') OR (true`],
    ['ORDER BY', `true ORDER BY 1`],
    ['LIMIT', `true LIMIT 1`],
    ['EXISTS', `EXISTS (SELECT 1 FROM core_users)`],
    ['IN (SELECT …)', `region IN (SELECT region FROM silver.regions)`],
    ['a scalar subquery', `amount < (SELECT max(amount) FROM silver.orders)`],
    ['a table function', `read_parquet('/etc/passwd') IS NOT NULL`],
    ['read_csv', `(read_csv('/etc/passwd')).x = 1`],
    ['an aggregate', `count(*) > 1`],
    ['a window function', `row_number() OVER () < 10`],
    ['a parameter', `region = $1`],
    ['an unknown placeholder', `owner = {{principal.password}}`],
    ['a placeholder inside a string literal', `email LIKE '%{{principal.email}}'`],
    ['a placeholder glued to an escape-string prefix', `email = E{{principal.email}}`],
    ['a placeholder in a quoted identifier', `"{{principal.id}}" = 1`],
    ['a placeholder continued as a string literal', `x = 'a'\n{{principal.id}}`],
    ['a placeholder in a comment', `true /* {{principal.id}} */`],
    ['garbage', `region ==== 'eu`],
  ];
  for (const [name, predicate] of cases) test(name, () => refused(predicate).then(() => undefined));

  test('the message says what to do', async () => {
    assert.match(await refused(`EXISTS (SELECT 1)`), /may not contain a subquery/);
    assert.match(await refused(`read_parquet('/x') IS NULL`), /read_parquet\(\)/);
  });
});

describe('placeholder substitution', () => {
  test('values become escaped string literals that DuckDB reads back exactly', async () => {
    const sql = substitutePlaceholders(
      `{{principal.id}} || '|' || {{principal.email}} || '|' || {{ principal.name }}`,
      principal,
    );
    assert.equal(sql, `'${principal.id}' || '|' || 'dan.o''neil@example.com' || '|' || 'Dan O''Neil'`);
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const value = (await connection.runAndReadAll(`SELECT ${sql} AS v`)).getRowObjectsJson()[0]?.v;
    assert.equal(value, `${principal.id}|dan.o'neil@example.com|Dan O'Neil`);
    connection.closeSync();
  });

  test('a principal without an e-mail gets NULL, which matches nothing', () => {
    const account: Principal = { ...principal, kind: 'service-account', email: undefined };
    assert.equal(substitutePlaceholders(`email = {{principal.email}}`, account), 'email = NULL');
  });

  test('an injection attempt in a value stays inside its literal', () => {
    const evil: Principal = { ...principal, name: `x' OR 1=1 --` };
    assert.equal(substitutePlaceholders(`name = {{principal.name}}`, evil), `name = 'x'' OR 1=1 --'`);
  });
});
