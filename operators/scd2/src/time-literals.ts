import { quoteLiteral } from '@assay/sdk';

/**
 * The type valid_from takes for an effective-time column of type `type`: DATE, TIMESTAMP WITH TIME ZONE, or
 * TIMESTAMP for the other timestamps (seconds, milliseconds, nanoseconds: Delta stores microseconds); undefined
 * when it is not a date or timestamp.
 */
export function temporalKind(type: string): string | undefined {
  const upper = type.toUpperCase();
  if (upper === 'DATE') return 'DATE';
  if (upper === 'TIMESTAMP WITH TIME ZONE' || upper === 'TIMESTAMPTZ') return 'TIMESTAMP WITH TIME ZONE';
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(upper)) return 'TIMESTAMP';
  return undefined;
}

/**
 * The run's start as a literal of `type`, independent of the session's time zone: its UTC date for a DATE, its
 * UTC wall-clock time for a TIMESTAMP, the instant for a TIMESTAMP WITH TIME ZONE.
 */
export function loadTimeLiteral(at: Date, type: string): string {
  const iso = at.toISOString();
  if (type === 'DATE') return `DATE ${quoteLiteral(iso.slice(0, 10))}`;
  if (type === 'TIMESTAMP') return `TIMESTAMP ${quoteLiteral(iso.slice(0, 23).replace('T', ' '))}`;
  return `CAST(${quoteLiteral(iso)} AS TIMESTAMP WITH TIME ZONE)`;
}

/** A date or timestamp text from config as a literal of `type` (checked by the caller). */
export function timeLiteral(text: string, type: string): string {
  return `CAST(${quoteLiteral(text)} AS ${type})`;
}
