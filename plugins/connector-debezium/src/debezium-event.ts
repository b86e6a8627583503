import { rowJson, type ChangeLogRow } from '@assay/sdk';

/** What one message turned out to be. */
export type Parsed = { kind: 'change'; row: ChangeLogRow } | { kind: 'tombstone' } | { kind: 'skipped'; op: string };

const OPS = new Set(['c', 'u', 'd', 'r']);

/**
 * A Debezium event (with or without the `{schema, payload}` wrapper; `{key, value}` records too) as a change-log
 * row. Its position comes from the source (`lsn`; binlog `file`+`pos`+`row`; SQL Server `change_lsn`), else from
 * the transport's own sequence, so positions sort in the order changes happened. An event that is not JSON or has
 * no recognisable `op` is kept as a row with op NULL and its raw text in `after`, never dropped.
 */
export function parseEvent(body: Buffer | null, transportPosition: string): Parsed {
  if (body === null || body.length === 0) return { kind: 'tombstone' };
  const text = body.toString('utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { kind: 'change', row: malformed(text, transportPosition) };
  }
  if (document === null) return { kind: 'tombstone' };
  const record = document as { key?: unknown; value?: unknown };
  const keyed = typeof document === 'object' && 'value' in record && !('op' in record);
  const value = unwrap(keyed ? record.value : document);
  if (value === null) return { kind: 'tombstone' };
  if (typeof value !== 'object' || typeof (value as { op?: unknown }).op !== 'string') {
    return { kind: 'change', row: malformed(text, transportPosition) };
  }
  const event = value as {
    op: string;
    before?: Record<string, unknown> | null;
    after?: Record<string, unknown> | null;
    ts_ms?: number;
    source?: Record<string, unknown>;
  };
  if (!OPS.has(event.op)) return { kind: 'skipped', op: event.op };
  const source = event.source ?? {};
  const key = keyed ? unwrap(record.key) : undefined;
  const ms = Number(source.ts_ms ?? event.ts_ms);
  return {
    kind: 'change',
    row: {
      op: event.op as ChangeLogRow['op'],
      sourcePosition: positionOf(source, transportPosition),
      eventTime: Number.isFinite(ms) ? new Date(ms).toISOString() : null,
      sourceTable: tableOf(source),
      txId:
        source.txId === undefined || source.txId === null
          ? ((source.gtid as string | undefined) ?? null)
          : String(source.txId),
      key: key === undefined || key === null ? null : rowJson(key as Record<string, unknown>),
      before: rowJson(event.before),
      after: rowJson(event.after),
    },
  };
}

function unwrap(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'payload' in value && 'schema' in value) {
    return (value as { payload: unknown }).payload;
  }
  return value;
}

/**
 * The source's own position when the event has one, followed by the transport's order:
 * PostgreSQL `source.lsn` as 16 hex digits (as connector-postgres-cdc writes it), MySQL `file:pos:row`, SQL Server
 * `change_lsn`; otherwise the transport's order alone.
 */
function positionOf(source: Record<string, unknown>, transportPosition: string): string {
  const pad = (value: unknown, width: number) => String(value).padStart(width, '0');
  const lsn = source.lsn;
  if ((typeof lsn === 'number' || typeof lsn === 'string') && /^\d+$/.test(String(lsn))) {
    return `${BigInt(lsn).toString(16).toUpperCase().padStart(16, '0')}:${transportPosition}`;
  }
  if (source.file !== undefined && source.pos !== undefined) {
    return `${String(source.file)}:${pad(source.pos, 20)}:${pad(source.row ?? 0, 6)}:${transportPosition}`;
  }
  if (typeof source.change_lsn === 'string') return `${source.change_lsn}:${transportPosition}`;
  return transportPosition;
}

function tableOf(source: Record<string, unknown>): string | null {
  if (source.table === undefined) return null;
  const schema = source.schema ?? source.db;
  return schema === undefined ? String(source.table) : `${String(schema)}.${String(source.table)}`;
}

function malformed(text: string, transportPosition: string): ChangeLogRow {
  return {
    op: null,
    sourcePosition: transportPosition,
    eventTime: null,
    sourceTable: null,
    txId: null,
    key: null,
    before: null,
    after: text.slice(0, 1_000_000),
  };
}
