import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkReturnTo } from './return-to.ts';

describe('checkReturnTo', () => {
  test('accepts local paths with query and fragment', () => {
    for (const path of ['/', '/datasets', '/datasets/silver.customers?tab=schema#rows', '/a//b']) {
      assert.equal(checkReturnTo(path), path);
    }
  });

  test('refuses anything a browser could read as another origin, with RETURN_TO_INVALID', () => {
    const refused = [
      '',
      'datasets',
      '//evil.example',
      '//evil.example/path',
      '/\\evil.example',
      '/\\/evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/\t/evil.example',
      '/\n/evil.example',
      `/${'a'.repeat(2048)}`,
    ];
    for (const path of refused) {
      assert.throws(() => checkReturnTo(path), { code: 'RETURN_TO_INVALID', status: 400 }, JSON.stringify(path));
    }
  });
});
