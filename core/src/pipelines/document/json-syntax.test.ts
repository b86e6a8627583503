import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findJsonSyntaxError, lineColumn } from './json-syntax.ts';

describe('findJsonSyntaxError', () => {
  test('accepts what JSON.parse accepts', () => {
    for (const text of [
      '{}',
      '[]',
      ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9\\"", {}]} ',
      '"s"',
      '0',
      '\t[\r\n]',
    ]) {
      JSON.parse(text);
      assert.equal(findJsonSyntaxError(text), undefined, text);
    }
  });

  test('names the offset and reason of the first error', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['{"a" 1}', 5, /expected ":" after the property name, found "1"/],
      ['{a: 1}', 1, /expected a double-quoted property name, found "a"/],
      ['[1 2]', 3, /expected "," or "]", found "2"/],
      ['[1,]', 2, /trailing comma before "]"/],
      ['{"a": 01}', 6, /invalid number/],
      ['"\\x"', 1, /invalid escape "\\x"/],
      ['"a\tb"', 2, /control character/],
      ['{"a": 1', 7, /expected "," or "}", found end of input/],
      ["{'a': 1}", 1, /found "'"/],
    ];
    for (const [text, offset, reason] of cases) {
      assert.throws(() => JSON.parse(text), text);
      const found = findJsonSyntaxError(text);
      assert.equal(found?.offset, offset, text);
      assert.match(found.reason, reason);
    }
  });
});

describe('lineColumn', () => {
  test('counts lines and columns from 1', () => {
    assert.deepEqual(lineColumn('ab\ncd\n', 0), { line: 1, column: 1 });
    assert.deepEqual(lineColumn('ab\ncd\n', 4), { line: 2, column: 2 });
    assert.deepEqual(lineColumn('ab\ncd\n', 6), { line: 3, column: 1 });
  });
});
