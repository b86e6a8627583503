/** At most this many cycles are listed; a graph with more is broken enough to fix from those. */
const MAX_CYCLES = 10;
/** Bounds the search on dense graphs, where the number of elementary cycles grows exponentially. */
const MAX_STEPS = 100_000;

/**
 * The elementary cycles of a directed graph over nodes `0..n-1` (edges `next[node]`), each listed once: rotated to
 * start at its lowest node and without the repeat at the end (`[0, 2, 5]` is 0 → 2 → 5 → 0).
 */
export function findCycles(next: readonly (readonly number[])[]): number[][] {
  const cycles: number[][] = [];
  let steps = 0;
  for (let start = 0; start < next.length && cycles.length < MAX_CYCLES; start += 1) {
    // Only nodes above `start` may appear, so a cycle is found from its lowest node and from nowhere else.
    const path = [start];
    const onPath = new Set(path);
    const walk = (node: number): void => {
      for (const target of next[node] ?? []) {
        if (cycles.length >= MAX_CYCLES || (steps += 1) > MAX_STEPS) return;
        if (target === start) cycles.push([...path]);
        else if (target > start && !onPath.has(target) && reaches(next, target, start)) {
          path.push(target);
          onPath.add(target);
          walk(target);
          path.pop();
          onPath.delete(target);
        }
      }
    };
    walk(start);
  }
  return cycles;
}

/** Whether `to` can be reached from `from` (only nodes >= `to` count, as in {@link findCycles}). */
function reaches(next: readonly (readonly number[])[], from: number, to: number): boolean {
  const seen = new Set<number>([from]);
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const target of next[node] ?? []) {
      if (target === to) return true;
      if (target > to && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return false;
}
