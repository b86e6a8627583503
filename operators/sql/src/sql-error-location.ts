/** Where in the user's SQL an error is, 1-based, with DuckDB's own rendering of the spot. */
export interface SqlErrorLocation {
  readonly line: number;
  readonly column: number;
  /** `LINE 3:   WHERE x` and a caret under the spot, as DuckDB prints it. */
  readonly excerpt: string;
}

/** DuckDB's context block under a bind error: `LINE 3: <text of the line>` and a line with a caret under the spot. */
const CONTEXT = /\nLINE (\d+): (.*)\n( *)\^/;
/** Lines longer than this are shown as a window around the spot, as DuckDB does. */
const WINDOW = 100;

/**
 * Locates a parse or bind error in `sql` as the user wrote it. The engine checks and runs the statement trimmed
 * (and, for a bind error, prefixed on its first line), so the spot is mapped back: from the parser's character
 * `position` in the trimmed statement, or from DuckDB's `LINE n:` block with its caret found in an error of the
 * cause chain. Undefined when neither is there.
 */
export function sqlErrorLocation(sql: string, error: unknown): SqlErrorLocation | undefined {
  const leading = sql.length - sql.trimStart().length;
  const trimmed = sql.slice(leading);
  const position = positionOf(error);
  const offset = position !== undefined ? position : contextOffset(trimmed, error);
  if (offset === undefined || offset < 0 || offset > trimmed.length) return undefined;
  return locate(sql, leading + offset);
}

function positionOf(error: unknown): number | undefined {
  const position = (error as { details?: { position?: unknown } } | undefined)?.details?.position;
  return typeof position === 'number' && Number.isInteger(position) ? position : undefined;
}

/** The offset in `statement` that DuckDB's context block in some error of the cause chain points at. */
function contextOffset(statement: string, error: unknown): number | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const match = CONTEXT.exec(current.message);
    if (match === null) continue;
    const line = Number(match[1]);
    let shown = match[2]!;
    let caret = match[3]!.length - `LINE ${match[1]!}: `.length;
    if (shown.startsWith('...')) {
      shown = shown.slice(3);
      caret -= 3;
    }
    if (shown.endsWith('...')) shown = shown.slice(0, -3);
    const lines = statement.split('\n');
    const text = lines[line - 1];
    if (text === undefined) return undefined;
    const column = columnIn(text, shown, caret);
    if (column === undefined) return undefined;
    return lines.slice(0, line - 1).reduce((sum, before) => sum + before.length + 1, 0) + column;
  }
  return undefined;
}

/** The caret's 0-based column in `text`, given the shown window of the line (which may start with our prefix). */
function columnIn(text: string, shown: string, caret: number): number | undefined {
  const at = text.indexOf(shown);
  if (at >= 0) return at + caret;
  for (let cut = 1; cut < shown.length; cut++) {
    if (text.startsWith(shown.slice(cut))) return caret >= cut ? caret - cut : undefined;
  }
  return undefined;
}

function locate(sql: string, offset: number): SqlErrorLocation {
  const before = sql.slice(0, offset).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  const text = (sql.split('\n')[line - 1] ?? '').replace(/\r$/, '');
  let from = 0;
  let shown = text;
  if (text.length > WINDOW) {
    from = Math.max(0, Math.min(column - 1 - WINDOW / 2, text.length - WINDOW));
    shown = `${from > 0 ? '...' : ''}${text.slice(from, from + WINDOW)}${from + WINDOW < text.length ? '...' : ''}`;
  }
  const prefix = `LINE ${line}: `;
  const caretAt = prefix.length + (from > 0 ? 3 : 0) + (column - 1 - from);
  return { line, column, excerpt: `${prefix}${shown}\n${' '.repeat(caretAt)}^` };
}
