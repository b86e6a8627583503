/** A shape text values are recognised by: an RE2 pattern the whole value must match. */
export interface TextPattern {
  readonly name: string;
  /** RE2, for `regexp_full_match`, and usable as is in a `regex` check. */
  readonly regex: string;
  /** How the evidence of a suggestion names the shape. */
  readonly label: string;
}

/**
 * The shapes profiles look for, most specific first: when several match a column (every integer is also a decimal
 * and phone-like), the first is the one a suggestion uses.
 */
export const TEXT_PATTERNS: readonly TextPattern[] = [
  {
    name: 'uuid',
    regex: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
    label: 'a UUID',
  },
  {
    name: 'email',
    regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}',
    label: 'an e-mail address',
  },
  {
    name: 'iso_timestamp',
    regex: '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?',
    label: 'an ISO timestamp',
  },
  { name: 'iso_date', regex: '\\d{4}-\\d{2}-\\d{2}', label: 'an ISO date' },
  { name: 'code', regex: '[A-Z]{2,5}-?\\d+', label: 'an upper-case code such as AB-123' },
  { name: 'integer', regex: '[+-]?\\d+', label: 'an integer' },
  { name: 'decimal', regex: '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)', label: 'a decimal number' },
  { name: 'phone', regex: '\\+?\\(?[0-9][0-9 ()./-]{5,18}[0-9]', label: 'a phone number' },
];

/** The types text values are tried as (`TRY_CAST`), most specific first. */
export const CAST_TYPES = ['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP'] as const;
