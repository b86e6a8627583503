/**
 * Test fixtures: Debezium events and the Bronze change-log rows the CDC connectors land for them (the positions
 * built as connector-debezium builds them), as DuckDB SELECTs for `kit.writeDataset`.
 */

/** A Debezium change event (the `payload` of an envelope). */
export interface DebeziumEvent {
  readonly op: 'c' | 'u' | 'd' | 'r';
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
  readonly ts_ms: number;
  readonly source: Record<string, unknown>;
}

/** One row of a Bronze change log (`CHANGE_LOG_COLUMNS`). */
export interface ChangeRow {
  readonly op: string | null;
  readonly source_position: string | null;
  readonly event_time: string | null;
  readonly source_table: string | null;
  readonly tx_id: string | null;
  readonly key: string | null;
  readonly before: string | null;
  readonly after: string | null;
}

const pad = (value: unknown, width: number) => String(value).padStart(width, '0');

/** The change-log row connector-debezium writes for an event delivered as the `transport`-th message. */
export function debeziumRow(event: DebeziumEvent, transport: number, key?: Record<string, unknown>): ChangeRow {
  const { source } = event;
  const order = pad(transport, 20);
  const position =
    source.lsn !== undefined
      ? `${BigInt(source.lsn as number)
          .toString(16)
          .toUpperCase()
          .padStart(16, '0')}:${order}`
      : source.file !== undefined
        ? `${String(source.file)}:${pad(source.pos, 20)}:${pad(source.row ?? 0, 6)}:${order}`
        : order;
  return {
    op: event.op,
    source_position: position,
    event_time: new Date(event.ts_ms).toISOString(),
    source_table: `${String(source.schema ?? source.db)}.${String(source.table)}`,
    tx_id: source.txId === undefined ? null : String(source.txId),
    key: key === undefined ? null : JSON.stringify(key),
    before: event.before === undefined || event.before === null ? null : JSON.stringify(event.before),
    after: event.after === undefined || event.after === null ? null : JSON.stringify(event.after),
  };
}

/** A Kafka tombstone as a generic landing keeps it: no op, no images, only the key and its offset. */
export function tombstoneRow(key: Record<string, unknown>, transport: number): ChangeRow {
  return {
    op: null,
    source_position: pad(transport, 20),
    event_time: null,
    source_table: null,
    tx_id: null,
    key: JSON.stringify(key),
    before: null,
    after: null,
  };
}

/** A malformed event as connector-debezium keeps it: op NULL, the raw text in `after`. */
export function malformedRow(text: string, transport: number): ChangeRow {
  return { ...tombstoneRow({}, transport), key: null, after: text };
}

const sqlText = (value: string | null) => (value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`);

/** A SELECT of change-log rows with the connectors' column types (extra columns given as SQL after them). */
export function changeLogSql(rows: readonly ChangeRow[]): string {
  if (rows.length === 0) throw new Error('changeLogSql needs rows');
  const values = rows.map(
    (r) =>
      `(${[r.op, r.source_position, r.event_time, r.source_table, r.tx_id, r.key, r.before, r.after]
        .map(sqlText)
        .join(', ')})`,
  );
  return (
    `SELECT CAST(op AS VARCHAR) AS op, CAST(source_position AS VARCHAR) AS source_position, ` +
    `CAST(event_time AS TIMESTAMP WITH TIME ZONE) AS event_time, CAST(source_table AS VARCHAR) AS source_table, ` +
    `CAST(tx_id AS VARCHAR) AS tx_id, CAST("key" AS VARCHAR) AS "key", CAST("before" AS VARCHAR) AS "before", ` +
    `CAST("after" AS VARCHAR) AS "after" FROM (VALUES ${values.join(', ')}) ` +
    `AS t(op, source_position, event_time, source_table, tx_id, "key", "before", "after")`
  );
}
