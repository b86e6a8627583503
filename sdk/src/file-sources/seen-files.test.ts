import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeenFiles } from './seen-files.ts';

describe('seen files', () => {
  test('a file is new until read, and again when its size or mtime changes', () => {
    const seen = new SeenFiles(undefined);
    assert.equal(seen.isNew('a', [1, 100]), true);
    seen.read('a', [1, 100]);
    const next = new SeenFiles(seen.final());
    assert.equal(next.isNew('a', [1, 100]), false);
    assert.equal(next.isNew('a', [2, 100]), true);
    assert.equal(next.isNew('a', [1, 101]), true);
  });

  test('mid-read checkpoints keep files not listed yet; the final state keeps only listed ones', () => {
    const seen = new SeenFiles({ v: 1, files: { a: [1, 1], b: [1, 2] } });
    assert.equal(seen.isNew('a', [1, 1]), false);
    seen.read('c', [1, 3]);
    assert.deepEqual(seen.checkpoint(), { v: 1, files: { a: [1, 1], b: [1, 2], c: [1, 3] } });
    assert.deepEqual(seen.final(), { v: 1, files: { a: [1, 1], c: [1, 3] } });
  });

  test('beyond the cap the oldest files are forgotten and count as seen through forgottenBefore', () => {
    const seen = new SeenFiles(undefined, 2);
    for (const [path, modified] of [
      ['old', 10],
      ['mid', 20],
      ['new', 30],
    ] as const)
      seen.read(path, [1, modified]);
    const state = seen.final();
    assert.deepEqual(state, { v: 1, files: { mid: [1, 20], new: [1, 30] }, forgottenBefore: 10 });
    const next = new SeenFiles(state, 2);
    assert.equal(next.isNew('old', [1, 10]), false, 'forgotten, but older than the watermark');
    assert.equal(next.isNew('late', [1, 9]), false, 'documented: a new file older than the watermark is skipped');
    assert.equal(next.isNew('fresh', [1, 11]), true);
  });
});
