import { ASSAY_TYPE_METADATA, type DiscoveredColumn } from '@assay/sdk';
import { Field, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';

/** One row of a Bronze change log. */
export interface ChangeRow {
  op: 'c' | 'u' | 'd' | 'r';
  sourcePosition: string;
  eventTime: string;
  sourceTable: string;
  txId: string | null;
  key: string | null;
  before: string | null;
  after: string | null;
}

/** The change-log columns, the same for every CDC connector (docs/ingest.md). */
export const CHANGE_COLUMNS: readonly DiscoveredColumn[] = [
  { name: 'op', type: 'VARCHAR', nullable: false },
  { name: 'source_position', type: 'VARCHAR', nullable: false },
  { name: 'event_time', type: 'TIMESTAMP WITH TIME ZONE', nullable: false },
  { name: 'source_table', type: 'VARCHAR', nullable: false },
  { name: 'tx_id', type: 'VARCHAR', nullable: true },
  { name: 'key', type: 'JSON', nullable: true },
  { name: 'before', type: 'JSON', nullable: true },
  { name: 'after', type: 'JSON', nullable: true },
];

const FIELDS = CHANGE_COLUMNS.map(
  (c) =>
    new Field(
      c.name,
      new Utf8(),
      c.nullable,
      c.type === 'VARCHAR' ? undefined : new Map([[ASSAY_TYPE_METADATA, c.type]]),
    ),
);

/** Change rows as an Arrow batch of the change-log shape. */
export function changeBatch(rows: readonly ChangeRow[]): RecordBatch {
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

/** JSON text of a row image: dates as ISO, big integers as text, bytes as hex. */
export function jsonOf(value: Record<string, unknown> | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && 'type' in v && (v as { type: unknown }).type === 'Buffer') {
      return `\\x${Buffer.from((v as unknown as { data: number[] }).data).toString('hex')}`;
    }
    return v;
  });
}
