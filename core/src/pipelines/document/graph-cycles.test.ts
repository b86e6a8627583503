import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCycles } from './graph-cycles.ts';

describe('findCycles', () => {
  test('finds no cycle in a DAG', () => {
    assert.deepEqual(findCycles([[1, 2], [2], []]), []);
  });

  test('lists each elementary cycle once, from its lowest node', () => {
    // 0 → 1 → 2 → 0 and 1 → 2 → 1 share nodes; 3 → 3 is a loop.
    assert.deepEqual(findCycles([[1], [2], [0, 1], [3]]), [[0, 1, 2], [1, 2], [3]]);
  });

  test('stops at ten cycles on a dense graph', () => {
    const size = 12;
    const complete = Array.from({ length: size }, (_, node) =>
      Array.from({ length: size }, (_, t) => t).filter((t) => t !== node),
    );
    assert.equal(findCycles(complete).length, 10);
  });
});
