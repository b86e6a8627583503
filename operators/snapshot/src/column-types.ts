/** The kinds of time column a snapshot compares with its dates. */
export type TimeKind = 'date' | 'timestamp' | 'timestamptz';

/** Classifies a type as the engine reports it; undefined when it is not a date or timestamp. */
export function timeKind(type: string): TimeKind | undefined {
  const upper = type.trim().toUpperCase();
  if (upper === 'DATE') return 'date';
  if (upper === 'TIMESTAMP WITH TIME ZONE' || upper === 'TIMESTAMPTZ') return 'timestamptz';
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(upper)) return 'timestamp';
  return undefined;
}
