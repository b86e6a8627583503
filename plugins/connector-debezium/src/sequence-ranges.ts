/** Sorted, disjoint, inclusive ranges of sequence numbers, `[[1, 500], [640, 700]]`: compact JSON for state. */
export type SequenceRanges = Array<[number, number]>;

/** Reads ranges from state, dropping everything at or below `floor` (acknowledged, never delivered again). */
export function rangesAbove(value: unknown, floor: number): SequenceRanges {
  if (!Array.isArray(value)) return [];
  const ranges: SequenceRanges = [];
  for (const range of value) {
    if (!Array.isArray(range) || range.length !== 2) continue;
    const [from, to] = range.map(Number) as [number, number];
    if (Number.isInteger(from) && Number.isInteger(to) && to > floor) ranges.push([Math.max(from, floor + 1), to]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

export function inRanges(ranges: SequenceRanges, n: number): boolean {
  return ranges.some(([from, to]) => n >= from && n <= to);
}

/** Adds one number, merging with a neighbouring range. */
export function addToRanges(ranges: SequenceRanges, n: number): void {
  if (inRanges(ranges, n)) return;
  const before = ranges.find(([, to]) => to === n - 1);
  const after = ranges.find(([from]) => from === n + 1);
  if (before !== undefined && after !== undefined) {
    before[1] = after[1];
    ranges.splice(ranges.indexOf(after), 1);
  } else if (before !== undefined) before[1] = n;
  else if (after !== undefined) after[0] = n;
  else {
    ranges.push([n, n]);
    ranges.sort((a, b) => a[0] - b[0]);
  }
}
