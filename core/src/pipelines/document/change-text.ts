/** Values longer than this (as JSON) are cut in diff lines. */
const MAX_VALUE_TEXT = 60;
/** Characters kept before the first difference when two long values are shown around it. */
const CONTEXT = 20;
/** Lines of a multi-line text longer than this are cut. */
const MAX_LINE_TEXT = 100;
/** Changed lines shown per value; the rest are counted. */
const MAX_CHANGED_LINES = 20;
/** Above this many cells (lines before × lines after) the changed middle is shown as replaced, not diffed. */
const MAX_LINE_DIFF_CELLS = 1_000_000;

/** A value as a diff line shows it: JSON, cut at 60 characters. */
export function valueText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}

/**
 * How a diff shows a value that changed from `before` to `after`: the first item follows `path: ` on its line, any
 * further items are lines of their own, indented. Short values are shown whole (`"select 1" → "select 2"`). Two
 * long strings on one line are shown around their first difference with the common start elided
 * (`"…FROM orders WHERE amount > 10…" → "…FROM orders WHERE amount > 20…"`), so a change past the first 60
 * characters is visible; multi-line strings (SQL) show the lines that changed, numbered as in each version.
 */
export function changeText(before: unknown, after: unknown): string[] {
  if (typeof before !== 'string' || typeof after !== 'string' || before === after) {
    return [`${valueText(before)} → ${valueText(after)}`];
  }
  if (before.includes('\n') || after.includes('\n')) return changedLines(before, after);
  const fits = (text: string) => JSON.stringify(text).length <= MAX_VALUE_TEXT;
  if (fits(before) && fits(after)) return [`${valueText(before)} → ${valueText(after)}`];
  // Two quotes and up to two ellipses around the window keep each side within MAX_VALUE_TEXT.
  const [from, to] = aroundFirstDifference(before, after, MAX_VALUE_TEXT - 4);
  return [`${quoted(from)} → ${quoted(to)}`];
}

interface NumberedLine {
  readonly number: number;
  readonly text: string;
}

/** A run of removed lines and the added lines that took their place. */
interface Hunk {
  readonly removed: NumberedLine[];
  readonly added: NumberedLine[];
}

/** A count of the removed and added lines, then each of them, numbered as in its version. */
function changedLines(before: string, after: string): string[] {
  const hunks = lineHunks(before.split('\n'), after.split('\n'));
  const lines = [lineCounts(hunks)];
  let hidden = 0;
  const push = (line: string) => {
    if (lines.length <= MAX_CHANGED_LINES) lines.push(`    ${line}`);
    else hidden += 1;
  };
  for (const hunk of hunks) {
    // Equal counts read as line-for-line edits: long lines are then shown around where each pair differs.
    const paired = hunk.removed.length === hunk.added.length;
    const shown = (line: NumberedLine, other: NumberedLine | undefined, side: 0 | 1) => {
      if (other === undefined || (line.text.length <= MAX_LINE_TEXT && other.text.length <= MAX_LINE_TEXT)) {
        return cut(Array.from(line.text), 0, MAX_LINE_TEXT);
      }
      const pair = side === 0 ? [line.text, other.text] : [other.text, line.text];
      return aroundFirstDifference(pair[0]!, pair[1]!, MAX_LINE_TEXT)[side];
    };
    hunk.removed.forEach((line, i) =>
      push(`- line ${line.number}: ${printable(shown(line, paired ? hunk.added[i] : undefined, 0))}`),
    );
    hunk.added.forEach((line, i) =>
      push(`+ line ${line.number}: ${printable(shown(line, paired ? hunk.removed[i] : undefined, 1))}`),
    );
  }
  if (hidden > 0) lines.push(`    … ${hidden} more changed line(s)`);
  return lines;
}

/** `2 lines removed, 1 added`, `1 line added`. */
function lineCounts(hunks: readonly Hunk[]): string {
  const removed = hunks.reduce((sum, hunk) => sum + hunk.removed.length, 0);
  const added = hunks.reduce((sum, hunk) => sum + hunk.added.length, 0);
  const lines = (n: number) => `${n} line${n === 1 ? '' : 's'}`;
  if (removed === 0) return `${lines(added)} added`;
  if (added === 0) return `${lines(removed)} removed`;
  return `${lines(removed)} removed, ${added} added`;
}

/** The removed and added lines between `a` and `b`, by a longest-common-subsequence line diff. */
function lineHunks(a: readonly string[], b: readonly string[]): Hunk[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const numbered = (lines: readonly string[]) => lines.map((text, i) => ({ number: start + i + 1, text }));
  if (x.length * y.length > MAX_LINE_DIFF_CELLS) return [{ removed: numbered(x), added: numbered(y) }];

  // common[i][j]: the length of the longest common subsequence of x[i..] and y[j..].
  const width = y.length + 1;
  const common = new Uint32Array((x.length + 1) * width);
  const at = (i: number, j: number) => common[i * width + j]!;
  for (let i = x.length - 1; i >= 0; i -= 1) {
    for (let j = y.length - 1; j >= 0; j -= 1) {
      common[i * width + j] = x[i] === y[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      if (current !== undefined) hunks.push(current);
      current = undefined;
      i += 1;
      j += 1;
    } else if (j >= y.length || (i < x.length && at(i + 1, j) >= at(i, j + 1))) {
      (current ??= { removed: [], added: [] }).removed.push({ number: start + i + 1, text: x[i]! });
      i += 1;
    } else {
      (current ??= { removed: [], added: [] }).added.push({ number: start + j + 1, text: y[j]! });
      j += 1;
    }
  }
  if (current !== undefined) hunks.push(current);
  return hunks;
}

/**
 * Both texts cut to `width` characters from the same start: a little before their first difference (at a word
 * boundary when one is near), moved left when the difference is near the end. Cuts are marked with `…`.
 */
function aroundFirstDifference(a: string, b: string, width: number): [string, string] {
  const x = Array.from(a);
  const y = Array.from(b);
  let first = 0;
  while (first < x.length && first < y.length && x[first] === y[first]) first += 1;
  let start = Math.max(0, Math.min(first - CONTEXT, Math.max(x.length, y.length) - width));
  if (start > 0) {
    const space = x.slice(start, first).indexOf(' ');
    if (space >= 0 && space < CONTEXT / 2) start += space + 1;
  }
  return [cut(x, start, width), cut(y, start, width)];
}

function cut(chars: readonly string[], start: number, width: number): string {
  const end = Math.min(chars.length, start + width);
  return `${start > 0 ? '…' : ''}${chars.slice(start, end).join('')}${end < chars.length ? '…' : ''}`;
}

function quoted(text: string): string {
  return JSON.stringify(text);
}

/** A line as it can be printed on a terminal: control characters escaped (`\t`, `\u001b`). */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1));
}
