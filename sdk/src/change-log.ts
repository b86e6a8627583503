import { Field, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { ASSAY_TYPE_METADATA, type DiscoveredColumn } from './connector.ts';

/** One row of a Bronze change log: what every change-data-capture connector yields. */
export interface ChangeLogRow {
  /** `c` insert, `u` update, `d` delete, `r` snapshot read; null for an event that could not be understood. */
  readonly op: 'c' | 'u' | 'd' | 'r' | null;
  /** Sorts like the source's own order (LSN, binlog file and position, stream sequence). */
  readonly sourcePosition: string;
  /** ISO 8601 time of the change at the source. */
  readonly eventTime: string | null;
  readonly sourceTable: string | null;
  readonly txId: string | null;
  /** JSON text of the key columns. */
  readonly key: string | null;
  /** JSON text of the row before the change. */
  readonly before: string | null;
  /** JSON text of the row after the change (for a malformed event: its raw text). */
  readonly after: string | null;
}

/** The change-log columns, the same for every CDC connector. JSON is stored as text (Delta has no JSON type). */
export const CHANGE_LOG_COLUMNS: readonly DiscoveredColumn[] = [
  { name: 'op', type: 'VARCHAR', nullable: true },
  { name: 'source_position', type: 'VARCHAR', nullable: false },
  { name: 'event_time', type: 'TIMESTAMP WITH TIME ZONE', nullable: true },
  { name: 'source_table', type: 'VARCHAR', nullable: true },
  { name: 'tx_id', type: 'VARCHAR', nullable: true },
  { name: 'key', type: 'VARCHAR', nullable: true },
  { name: 'before', type: 'VARCHAR', nullable: true },
  { name: 'after', type: 'VARCHAR', nullable: true },
];

const FIELDS = CHANGE_LOG_COLUMNS.map(
  (c) =>
    new Field(
      c.name,
      new Utf8(),
      c.nullable,
      c.type === 'VARCHAR' ? undefined : new Map([[ASSAY_TYPE_METADATA, c.type]]),
    ),
);

/**
 * Change rows as one Arrow record batch of the change-log shape.
 *
 * @example
 * ```ts
 * import { changeLogBatch } from '@assay/sdk';
 * const batch = changeLogBatch([{ op: 'c', sourcePosition: '0000000001', eventTime: '2024-01-01T00:00:00Z',
 *   sourceTable: 'public.orders', txId: '7', key: '{"id":1}', before: null, after: '{"id":1}' }]);
 * ```
 */
export function changeLogBatch(rows: readonly ChangeLogRow[]): RecordBatch {
  const columns: Array<Array<string | null>> = [
    rows.map((r) => r.op),
    rows.map((r) => r.sourcePosition),
    rows.map((r) => r.eventTime),
    rows.map((r) => r.sourceTable),
    rows.map((r) => r.txId),
    rows.map((r) => r.key),
    rows.map((r) => r.before),
    rows.map((r) => r.after),
  ];
  const schema = new Schema(FIELDS);
  const children = columns.map((values) => vectorFromArray(values, new Utf8()).data[0]!);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, children }));
}

/** JSON text of a row image: big integers as text, bytes as `\x` hex; null stays null. */
export function rowJson(value: Readonly<Record<string, unknown>> | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') {
      return `\\x${Buffer.from((v as unknown as { data: number[] }).data).toString('hex')}`;
    }
    return v;
  });
}
