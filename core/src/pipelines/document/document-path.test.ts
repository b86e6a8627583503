import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appendIdPath, appendPath, formatPath, parsePath } from './document-path.ts';

describe('document paths', () => {
  test('format names with dots, indexes in brackets and quote odd keys', () => {
    assert.equal(formatPath(['spec', 'jobs', 2, 'config', 'write', 'key']), 'spec.jobs[2].config.write.key');
    assert.equal(formatPath(['metadata', 'labels', 'team.name', 'x y']), 'metadata.labels["team.name"]["x y"]');
    assert.equal(formatPath([0, 'a']), '[0].a');
    assert.equal(formatPath([]), '');
    assert.equal(appendPath('', 'cost-center'), 'cost-center');
    assert.equal(appendIdPath('spec.jobs', 'sales_clean'), 'spec.jobs[sales_clean]');
    assert.equal(appendIdPath('spec.jobs', 'a b'), 'spec.jobs["a b"]');
  });

  test('parse what they format, and id segments', () => {
    for (const segments of [['spec', 'jobs', 2, 'config'], ['labels', 'team.name', 'a"b'], [3], []]) {
      assert.deepEqual(parsePath(formatPath(segments)), segments);
    }
    assert.deepEqual(parsePath('spec.jobs[sales_clean].config'), ['spec', 'jobs', 'sales_clean', 'config']);
  });

  test('refuse text that is no path', () => {
    for (const text of ['spec..jobs', '.spec', 'spec[', 'spec[-1]', 'a b', 'spec["x]']) {
      assert.equal(parsePath(text), undefined, text);
    }
  });
});
