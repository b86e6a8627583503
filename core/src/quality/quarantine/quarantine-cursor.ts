import { InputError } from '@assay/sdk';
import { literal } from '../../engine/dataset-view.ts';
import { isQuarantineId } from '../reprocess/quarantine-row-id.ts';

/** Where a page of quarantined rows ended, in the listing's order (newest first). */
export interface QuarantinePosition {
  /** `_quarantined_at` in microseconds since the epoch, as a decimal string (it exceeds 2^53). */
  readonly at: string;
  readonly source: string;
  readonly line: number;
  readonly id: string;
}

/**
 * The listing's sort keys as SQL, in order: newest first, then by source and line (a load's rows in file order),
 * then by id so that rows with equal keys still have one order. NULLs become values so the keys compare simply.
 */
export const SORT_KEYS = {
  at: 'epoch_us(_quarantined_at)',
  source: "coalesce(_source, '')",
  line: 'coalesce(line, -1)',
} as const;

/** The opaque cursor of the page after `position`. */
export function encodeQuarantineCursor(position: QuarantinePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.source, position.line, position.id])).toString('base64url');
}

/** The position a cursor points after: 400 `QUARANTINE_CURSOR_INVALID` for anything this endpoint did not make. */
export function decodeQuarantineCursor(cursor: string): QuarantinePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    typeof parsed[0] === 'string' &&
    /^-?\d{1,19}$/.test(parsed[0]) &&
    typeof parsed[1] === 'string' &&
    Number.isSafeInteger(parsed[2]) &&
    typeof parsed[3] === 'string' &&
    isQuarantineId(parsed[3])
  ) {
    return { at: parsed[0], source: parsed[1], line: parsed[2] as number, id: parsed[3] };
  }
  throw new InputError('cursor is not a cursor returned by this endpoint: list again without it', {
    code: 'QUARANTINE_CURSOR_INVALID',
    details: { path: '/querystring/cursor' },
  });
}

/** SQL: the rows after `position` in the listing's order (`idSql` computes a row's quarantine id). */
export function afterPositionSql(position: QuarantinePosition, idSql: string): string {
  const at = `CAST(${position.at} AS BIGINT)`;
  const source = literal(position.source);
  const line = String(position.line);
  const id = literal(position.id);
  return (
    `(${SORT_KEYS.at} < ${at} OR (${SORT_KEYS.at} = ${at} AND (${SORT_KEYS.source} > ${source} OR ` +
    `(${SORT_KEYS.source} = ${source} AND (${SORT_KEYS.line} > ${line} OR ` +
    `(${SORT_KEYS.line} = ${line} AND ${idSql} > ${id}))))))`
  );
}
