import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal, quote } from '../engine/dataset-view.ts';
import { stagedFilesIn, type StagedFile } from '../lake/delta-write/staged-files.ts';
import type { ColumnPlan } from './column-plan.ts';
import type { DataItem, ItemReader } from './formats/item-relation.ts';
import { readFailure } from './formats/read-errors.ts';
import { INGEST_DATE_COLUMN, type IngestOptions } from './ingest-request.ts';

/** What a segment (the rows between two checkpoints) stages for one commit. */
export interface StagedSegment {
  /** Parquet files ready to commit, with partition values. */
  readonly files: readonly StagedFile[];
  /** Every column the files may hold, in table order, with DuckDB types (audit and partition columns included). */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  /** Rows in `files` (after dedupe). */
  readonly rows: number;
  /** Rows staged before dedupe. */
  readonly rowsStaged: number;
  readonly partitionColumns: readonly string[];
}

/** Parts of a segment smaller than this together are rewritten as one file (API pages make many tiny parts). */
const COMPACT_BELOW_BYTES = 128 * 1024 ** 2;

/** Batches are collected in a table and written out once they hold this many rows (or at the checkpoint). */
const BATCH_FLUSH_ROWS = 500_000;

/**
 * Stages a load's items as Parquet in the session's stage directory: each file item in one `COPY` straight from
 * DuckDB's reader (no intermediate table, so a large CSV streams through), Arrow batches through a buffer table.
 * With dedupe keys, `seal()` keeps the last row per key (in source order) in one more pass.
 */
export class SegmentStager {
  readonly #connection: DuckDBConnection;
  readonly #reader: ItemReader;
  readonly #stageDir: string;
  readonly #settings: StagerSettings;
  #parts: string[] = [];
  #rowsStaged = 0;
  #counter = 0;
  #buffer: { table: string; signature: string; rows: number; plan: ColumnPlan } | undefined;
  #columns: Array<{ name: string; type: string }> = [];

  constructor(options: {
    connection: DuckDBConnection;
    reader: ItemReader;
    stageDir: string;
    settings: StagerSettings;
  }) {
    this.#connection = options.connection;
    this.#reader = options.reader;
    this.#stageDir = options.stageDir;
    this.#settings = options.settings;
  }

  get rowsStaged(): number {
    return this.#rowsStaged;
  }

  /** Stages one item with its column plan; returns the rows staged. Rejected rows go to the rejects table. */
  async stage(item: DataItem, plan: ColumnPlan): Promise<number> {
    this.#columns = this.#allColumns(plan);
    const relation = await this.#reader.open(this.#connection, item, plan.read);
    try {
      const select = this.#selectSql(plan, relation.sql, sourceOf(item));
      let rows: number;
      try {
        rows = item.kind === 'batch' ? await this.#appendToBuffer(plan, select) : await this.#copy(select);
        await relation.finish();
      } catch (error) {
        throw readFailure(item, error);
      }
      this.#rowsStaged += rows;
      return rows;
    } finally {
      await relation.release();
    }
  }

  /** Writes out what is buffered and returns the segment's files; the stager starts a new segment afterwards. */
  async seal(): Promise<StagedSegment | undefined> {
    await this.#flushBuffer();
    const parts = this.#parts;
    const rowsStaged = this.#rowsStaged;
    this.#parts = [];
    this.#rowsStaged = 0;
    if (parts.length === 0) return undefined;
    const partitionColumns = this.#partitionColumns();
    const { dedupeKeys } = this.#settings;
    const keep = this.#columns.map((c) => quote(c.name)).join(', ');
    const scan = `read_parquet([${parts.map(literal).join(', ')}], union_by_name = true, filename = true, file_row_number = true)`;
    const source =
      dedupeKeys === undefined
        ? `SELECT ${keep} FROM ${scan}`
        : `SELECT ${keep} FROM ${scan} QUALIFY row_number() OVER (PARTITION BY ${dedupeKeys.map(quote).join(', ')} ` +
          'ORDER BY filename DESC, file_row_number DESC) = 1';
    const smallParts = parts.length > 1 && (await totalSize(parts)) < COMPACT_BELOW_BYTES;
    if (dedupeKeys === undefined && partitionColumns.length === 0 && !smallParts) {
      // Parts are already the files to commit.
      return {
        files: parts.map((localPath) => ({ localPath, partitionValues: {} })),
        columns: this.#columns,
        rows: rowsStaged,
        rowsStaged,
        partitionColumns,
      };
    }
    const output = join(this.#stageDir, `segment-${++this.#counter}`);
    const rows = await this.#copyTo(source, output, partitionColumns);
    return {
      files: await stagedFilesIn(output, partitionColumns),
      columns: this.#columns,
      rows,
      rowsStaged,
      partitionColumns,
    };
  }

  #partitionColumns(): string[] {
    const partitionBy = this.#settings.partitionBy;
    if (partitionBy === undefined) return [];
    return 'column' in partitionBy ? [partitionBy.column] : [INGEST_DATE_COLUMN];
  }

  #allColumns(plan: ColumnPlan): Array<{ name: string; type: string }> {
    const columns = plan.output.map(({ name, type }) => ({ name, type }));
    if (this.#settings.auditColumns) {
      columns.push(
        { name: '_load_id', type: 'VARCHAR' },
        { name: '_ingested_at', type: 'TIMESTAMP WITH TIME ZONE' },
        { name: '_source', type: 'VARCHAR' },
      );
    }
    const partitionBy = this.#settings.partitionBy;
    if (partitionBy !== undefined && 'ingestDate' in partitionBy)
      columns.push({ name: INGEST_DATE_COLUMN, type: 'VARCHAR' });
    return columns;
  }

  /** The item's rows with Bronze names, NULLs for the columns it lacks, and the audit and partition columns. */
  #selectSql(plan: ColumnPlan, relationSql: string, source: string): string {
    const { loadId, ingestedAt, partitionBy, auditColumns } = this.#settings;
    const columns = plan.output.map(({ name, type, from }) =>
      from === undefined ? `CAST(NULL AS ${type}) AS ${quote(name)}` : `${quote(from)} AS ${quote(name)}`,
    );
    const at = `CAST(${literal(ingestedAt.toISOString())} AS TIMESTAMP WITH TIME ZONE)`;
    if (auditColumns) {
      columns.push(
        `${constantText(loadId)} AS _load_id`,
        `${at} AS _ingested_at`,
        `${constantText(source)} AS _source`,
      );
    }
    if (partitionBy !== undefined && 'ingestDate' in partitionBy) {
      columns.push(`strftime(${at}, ${literal(partitionBy.ingestDate)}) AS ${INGEST_DATE_COLUMN}`);
    }
    return `SELECT ${columns.join(', ')} FROM (${relationSql}) AS item`;
  }

  async #copy(select: string): Promise<number> {
    const path = join(this.#stageDir, `part-${String(++this.#counter).padStart(6, '0')}.parquet`);
    const rows = await this.#copyTo(select, path, []);
    if (rows > 0) this.#parts.push(path);
    return rows;
  }

  async #copyTo(select: string, target: string, partitionColumns: readonly string[]): Promise<number> {
    const options = [`FORMAT parquet`, `COMPRESSION ${this.#settings.compression}`, 'ROW_GROUP_SIZE 122880'];
    if (partitionColumns.length > 0) {
      options.push(`PARTITION_BY (${partitionColumns.map(quote).join(', ')})`, "FILENAME_PATTERN 'part-{uuid}'");
    }
    const result = await this.#connection.run(`COPY (${select}) TO ${literal(target)} (${options.join(', ')})`);
    return Number(result.rowsChanged);
  }

  async #appendToBuffer(plan: ColumnPlan, select: string): Promise<number> {
    const signature = JSON.stringify(this.#columns);
    if (this.#buffer !== undefined && this.#buffer.signature !== signature) await this.#flushBuffer();
    if (this.#buffer === undefined) {
      const table = `stage_buffer_${++this.#counter}`;
      const definition = this.#columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
      await this.#connection.run(`CREATE TEMP TABLE ${table} (${definition})`);
      this.#buffer = { table, signature, rows: 0, plan };
    }
    const result = await this.#connection.run(`INSERT INTO ${this.#buffer.table} ${select}`);
    const rows = Number(result.rowsChanged);
    this.#buffer.rows += rows;
    if (this.#buffer.rows >= BATCH_FLUSH_ROWS) await this.#flushBuffer();
    return rows;
  }

  async #flushBuffer(): Promise<void> {
    const buffer = this.#buffer;
    if (buffer === undefined) return;
    this.#buffer = undefined;
    if (buffer.rows > 0) await this.#copy(`SELECT * FROM ${buffer.table}`);
    await this.#connection.run(`DROP TABLE ${buffer.table}`);
  }
}

/** Settings that hold for a whole load. */
export interface StagerSettings {
  readonly loadId: string;
  readonly ingestedAt: Date;
  readonly compression: IngestOptions['compression'];
  readonly auditColumns: boolean;
  readonly partitionBy: IngestOptions['partitionBy'];
  /** Bronze names of the dedupe key columns. */
  readonly dedupeKeys: readonly string[] | undefined;
}

async function totalSize(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of paths) total += (await stat(path)).size;
  return total;
}

/**
 * A text value repeated on every row, as a one-value ENUM: DuckDB's Parquet writer stores an ENUM as the same UTF-8
 * string column (read back as VARCHAR, same statistics) but writes it from its dictionary, where a VARCHAR constant
 * is hashed and compared row by row — which cost ~15 % of a large CSV load for `_load_id` and `_source`.
 */
function constantText(value: string): string {
  return `CAST(${literal(value)} AS ENUM(${literal(value)}))`;
}

function sourceOf(item: DataItem): string {
  return item.kind === 'file' ? item.source : (item.source ?? 'batch');
}
