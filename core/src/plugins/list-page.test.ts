import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageByKey, versionedKey } from './list-page.ts';

const items = ['delta', 'alpha', 'charlie', 'bravo', 'echo'];
const byName = (item: string) => item;

describe('pageByKey', () => {
  it('pages through a list in key order until no cursor is returned', () => {
    const first = pageByKey(items, byName, { limit: 2 });
    assert.deepEqual(first.items, ['alpha', 'bravo']);
    const second = pageByKey(items, byName, { limit: 2, cursor: first.nextCursor });
    assert.deepEqual(second.items, ['charlie', 'delta']);
    const third = pageByKey(items, byName, { limit: 2, cursor: second.nextCursor });
    assert.deepEqual(third, { items: ['echo'] });
  });

  it('continues after the last key seen even when that item disappeared', () => {
    const first = pageByKey(items, byName, { limit: 2 });
    const next = pageByKey(
      items.filter((item) => item !== 'bravo'),
      byName,
      { limit: 10, cursor: first.nextCursor },
    );
    assert.deepEqual(next.items, ['charlie', 'delta', 'echo']);
  });

  it('refuses a cursor it did not make with CURSOR_INVALID', () => {
    assert.throws(() => pageByKey(items, byName, { limit: 2, cursor: 'not-a-cursor' }), {
      code: 'CURSOR_INVALID',
      status: 400,
    });
    const foreign = Buffer.from(JSON.stringify({ offset: 3 })).toString('base64url');
    assert.throws(() => pageByKey(items, byName, { limit: 2, cursor: foreign }), { code: 'CURSOR_INVALID' });
  });

  it('orders versioned keys numerically', () => {
    const keys = [versionedKey('scd2', 10), versionedKey('scd2', 9), versionedKey('sql', 1)].sort();
    assert.deepEqual(keys, [versionedKey('scd2', 9), versionedKey('scd2', 10), versionedKey('sql', 1)]);
  });
});
