import type { DiscoveredColumn, FileItem, ReadItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';

/** A read item the ingest engine loads: a file or an Arrow batch (state items never reach the readers). */
export type DataItem = Exclude<ReadItem, { kind: 'state' }>;

/** A source column the load keeps, with the type it must have in Bronze. */
export interface TargetColumn {
  /** The column's name in the source (header, JSON key, Arrow field). */
  readonly name: string;
  /** DuckDB type the value must cast to; values that do not cast are rejected with the row. */
  readonly type: string;
}

/** The session table rejected rows are collected in before they are written to the quarantine Delta table. */
export const REJECTS_TABLE = 'ingest_rejects';

/** `CREATE TABLE` of {@link REJECTS_TABLE}: one row per rejected source row. */
export const REJECTS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${REJECTS_TABLE} (
  _source VARCHAR,
  line BIGINT,
  column_name VARCHAR,
  error_type VARCHAR,
  reason VARCHAR,
  raw_row VARCHAR
)`;

/**
 * One item opened for loading. `sql` is a SELECT that yields exactly the requested target columns (in the order
 * given, with their target types) for every row that parsed and cast; rows that did not are recorded in
 * {@link REJECTS_TABLE} — either while `sql` runs (DuckDB's CSV rejects) or when the item is opened — never
 * dropped silently. Run `sql` once, then call `finish()`.
 */
export interface ItemRelation {
  readonly sql: string;
  /** After `sql` ran: moves rows the reader rejected into {@link REJECTS_TABLE}; returns how many were rejected. */
  finish(): Promise<{ rejected: number }>;
  /** Drops the item's temporary tables and files. */
  release(): Promise<void>;
}

/** Reads items with DuckDB in an ingest session. Errors are `UserError`s with stable codes (`INGEST_*`). */
export interface ItemReader {
  /** The item's columns and types as its reader sees them (sniffed for text formats, declared for the rest). */
  describe(connection: DuckDBConnection, item: DataItem): Promise<DiscoveredColumn[]>;
  /** Opens an item for loading with the given target columns; source columns not listed are not read. */
  open(connection: DuckDBConnection, item: DataItem, columns: readonly TargetColumn[]): Promise<ItemRelation>;
}

export type { FileItem };
