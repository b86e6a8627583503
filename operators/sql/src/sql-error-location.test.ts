import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sqlErrorLocation } from './sql-error-location.ts';

/** An engine error as core raises it: DuckDB's first line, the full DuckDB error as its cause. */
const bindError = (duckdb: string) =>
  Object.assign(new Error(duckdb.split('\n')[0], { cause: new Error(duckdb) }), { details: {} });

describe('sqlErrorLocation', () => {
  test("from the parser's position in the trimmed statement, mapped back to the text as written", () => {
    const sql = '\n\n   SELECT 1,\n  2 FROM\n  WHERE x';
    const trimmed = sql.trimStart();
    const location = sqlErrorLocation(sql, { details: { position: trimmed.indexOf('WHERE') } });
    assert.deepEqual(location, { line: 5, column: 3, excerpt: 'LINE 5:   WHERE x\n          ^' });
  });

  test("from DuckDB's LINE block, also on a first line the engine prefixed (DESCRIBE …)", () => {
    const sql = 'SELECT nope FROM bronze.orders';
    const error = bindError(
      'Binder Error: Referenced column "nope" not found in FROM clause!\n\n' +
        'LINE 1: DESCRIBE SELECT nope FROM bronze.orders\n                        ^',
    );
    assert.deepEqual(sqlErrorLocation(sql, error), {
      line: 1,
      column: 8,
      excerpt: 'LINE 1: SELECT nope FROM bronze.orders\n               ^',
    });
  });

  test("from DuckDB's window of a long line (… on both sides)", () => {
    const columns = Array.from({ length: 40 }, (_, i) => `a AS col_${i}`).join(', ');
    const sql = `SELECT ${columns}, nope, ${columns} FROM t`;
    const line = `DESCRIBE ${sql}`;
    const at = line.indexOf('nope');
    const shown = line.slice(at - 60, at + 40);
    const error = bindError(`Binder Error: x\n\nLINE 1: ...${shown}...\n${' '.repeat(8 + 3 + 60)}^`);
    const location = sqlErrorLocation(sql, error)!;
    assert.equal(location.column, sql.indexOf('nope') + 1);
    const [text, caret] = location.excerpt.split('\n');
    assert.ok(text!.startsWith('LINE 1: ...') && text!.endsWith('...'), text);
    assert.equal(text!.slice(caret!.length - 1, caret!.length + 3), 'nope', 'the caret is under the spot');
  });

  test('undefined without a position or a LINE block, or when the block does not fit the SQL', () => {
    assert.equal(sqlErrorLocation('SELECT 1', new Error('Binder Error: something')), undefined);
    assert.equal(sqlErrorLocation('SELECT 1', bindError('Binder Error: x\n\nLINE 7: SELECT 1\n        ^')), undefined);
    assert.equal(sqlErrorLocation('SELECT 1', { details: { position: 99 } }), undefined);
  });
});
