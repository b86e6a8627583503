import type { RecordBatch } from 'apache-arrow';
import type { Static, TObject } from 'typebox';
import { assertKebabId, assertObjectSchema, assertTitle, assertUiHints, assertVersion } from './definition-checks.ts';
import type { Logger } from './logger.ts';
import type { UiHints } from './schema.ts';

/** File formats core's readers understand. */
export type FileFormat = 'csv' | 'json' | 'ndjson' | 'parquet' | 'xlsx';

/** How a CSV file is parsed. Unset fields are detected by DuckDB's sniffer. */
export interface CsvOptions {
  readonly delimiter?: string;
  readonly quote?: string;
  readonly escape?: string;
  readonly header?: boolean;
  /** Text encoding of the file; `utf-8` when unset. */
  readonly encoding?: 'utf-8' | 'latin-1' | 'utf-16';
  /** Lines to skip before the header. */
  readonly skipRows?: number;
  /** Longest line in bytes (default 16 MiB); a longer line is rejected as `LINE_TOO_LONG`, the rest of the file loads. */
  readonly maxLineSize?: number;
  /** An unquoted value read as NULL, e.g. `\N` (PostgreSQL's COPY); quoted values are then never NULL. */
  readonly nullString?: string;
}

/** Which part of an Excel workbook holds the table. */
export interface XlsxOptions {
  /** Sheet name; the first sheet when unset. */
  readonly sheet?: string;
  /** 1-based row of the header; 1 when unset. */
  readonly headerRow?: number;
  /** An A1 range such as `B3:F200`; the used range when unset. */
  readonly range?: string;
}

/** Where the records are in a JSON document. */
export interface JsonOptions {
  /** Dot path of the array of records in each document (`data.items`); the document itself when unset. */
  readonly recordPath?: string;
}

/** Format options of a file item. */
export interface FileReadOptions {
  readonly csv?: CsvOptions;
  readonly json?: JsonOptions;
  readonly xlsx?: XlsxOptions;
  /** `auto` (default) goes by the file name (`.gz`, `.zst`). */
  readonly compression?: 'auto' | 'none' | 'gzip' | 'zstd';
}

/** A column of a discovered stream or a declared file schema. */
export interface DiscoveredColumn {
  readonly name: string;
  /** DuckDB type name, e.g. `BIGINT`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`. */
  readonly type: string;
  readonly nullable: boolean;
}

/** A local file a read hands to core's readers exactly as it is. */
export interface FileItem {
  readonly kind: 'file';
  /** Absolute local path: a file in `ctx.workDir`, or a server-side file the connector was allowed to read. */
  readonly path: string;
  readonly format: FileFormat;
  readonly options?: FileReadOptions;
  /** Where the file came from (`s3://bucket/key`, `/data/in/a.csv`, a URL); becomes the `_source` audit column. */
  readonly source: string;
  /** The types of the file's columns when the source knows them (a database export); otherwise inferred. */
  readonly columns?: readonly DiscoveredColumn[];
  /**
   * True when the file is the connector's own transcript of the source (a database export, an API page already
   * kept) rather than the raw input a user would want back; core does not copy it into landing twice.
   */
  readonly landed?: boolean;
}

/**
 * Arrow field metadata key naming the DuckDB type a text (Utf8) column is cast to, for values whose exact type has
 * no convenient Arrow form: `new Field('price', new Utf8(), true, new Map([[ASSAY_TYPE_METADATA, 'DECIMAL(12,2)']]))`.
 */
export const ASSAY_TYPE_METADATA = 'assay:type';

/** One item a read yields. */
export type ReadItem =
  | FileItem
  /** Rows as an Apache Arrow record batch; core appends them in bounded chunks. Keep batches to ~10,000 rows. */
  | { readonly kind: 'batch'; readonly batch: RecordBatch; readonly source?: string }
  /**
   * A checkpoint: everything yielded before it is covered by `state`. Core commits the staged rows together with
   * this state, then asks for the next item, so code after `yield { kind: 'state' }` runs only once that state is
   * durable: acknowledge messages or confirm a replication position there, never before.
   */
  | { readonly kind: 'state'; readonly state: ConnectorState };

/** What a connector remembers between loads of a stream (watermark, cursor, LSN, seen files). JSON only. */
export type ConnectorState = Readonly<Record<string, unknown>>;

/** A stream a read is asked for: its name and its validated `streamConfig`. */
export interface StreamRequest<S = Record<string, unknown>> {
  readonly name: string;
  readonly config: S;
}

/** What a connector call receives besides the connection config. */
export interface ConnectorContext {
  readonly log: Logger;
  /** Aborted on cancellation or timeout: stop, clean up and throw. */
  readonly signal: AbortSignal;
  /**
   * A local directory owned by this call, removed afterwards: write exports, downloads and pages here. Files
   * yielded from it are kept in landing as received.
   */
  readonly workDir: string;
  /** Files users uploaded to this connection through the API (`POST …/connections/:id/uploads`), read-only. */
  readonly uploadsDir: string;
  /** The contributing plugin's validated `pluginConfig.<id>` section (admin settings such as allowed roots). */
  readonly pluginConfig: unknown;
  /** Columns and types of a file as core's readers would read it (DuckDB's sniffer), for `discover`. */
  describeFile(file: Omit<FileItem, 'kind' | 'source'>): Promise<DiscoveredColumn[]>;
  /** The first rows (at most 20) of a file as a load would read them, JSON-safe: a discovered stream's `sample`. */
  sampleFile(file: Omit<FileItem, 'kind' | 'source'>, rows?: number): Promise<Record<string, unknown>[]>;
}

/** The outcome of a connectivity check, with a diagnosis a user can act on. */
export interface ConnectionCheckResult {
  readonly ok: boolean;
  /** What was tried and what happened: "connected to db.example.com:5432 as reader" or the precise failure. */
  readonly message: string;
  /** Stable code of the failure (`CONNECTION_REFUSED`, `AUTH_FAILED`, ...). */
  readonly code?: string;
}

/** A table, file set or endpoint a connection can read. */
export interface DiscoveredStream {
  readonly name: string;
  readonly columns: readonly DiscoveredColumn[];
  /** The source's primary key, when it knows one: the default dedupe key. */
  readonly primaryKey?: readonly string[];
  /** Columns that can serve as incremental watermarks (timestamps, increasing ids). */
  readonly cursorFields?: readonly string[];
  /** A handful of rows (at most 10), JSON-safe, for previews. */
  readonly sample?: ReadonlyArray<Record<string, unknown>>;
  /** Anything else worth showing: file count, estimated rows, endpoint URL. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The declaration {@link defineConnector} takes and returns. */
export interface ConnectorDefinition<C extends TObject = TObject, S extends TObject = TObject> {
  readonly type: string;
  readonly version: number;
  readonly title: string;
  readonly description?: string;
  /** Connection config; mark credentials with `Secret()`. */
  readonly config: C;
  readonly ui?: UiHints;
  /** Per-stream settings a load passes along (a file glob and format, a table and watermark, ...). */
  readonly streamConfig?: S;
  readonly streamUi?: UiHints;
  /** How the connector's streams change: `files`, `rows` (snapshots or increments) or `changes` (CDC events). */
  readonly produces?: 'files' | 'rows' | 'changes';
  check(ctx: ConnectorContext, config: Static<C>): Promise<ConnectionCheckResult>;
  discover(ctx: ConnectorContext, config: Static<C>): Promise<DiscoveredStream[]>;
  /**
   * Reads one stream from where `state` left off (undefined on the first load) and yields files, batches and
   * checkpoints. A read should end with a `state` item; rows after the last one are committed with the state as
   * it was. Throw `UserError`s for bad configuration or data and `OperationalError`s for what a retry may fix.
   */
  read(
    ctx: ConnectorContext,
    config: Static<C>,
    stream: StreamRequest<Static<S>>,
    state: ConnectorState | undefined,
  ): AsyncIterable<ReadItem>;
  /**
   * Optional, cheap: what a read from `state` would pick up now, without reading it (file connectors list their
   * new or changed files). Pipelines' `new_files` triggers poll it. `fingerprint` names exactly that set of items,
   * so the same new files trigger one run, not one per poll.
   */
  probe?(
    ctx: ConnectorContext,
    config: Static<C>,
    stream: StreamRequest<Static<S>>,
    state: ConnectorState | undefined,
  ): Promise<StreamProbe>;
}

/** What {@link ConnectorDefinition.probe} saw. */
export interface StreamProbe {
  /** Items a read would pick up now (new or changed files); 0 when it would find nothing. */
  readonly newItems: number;
  /** Stable for the same set of new items; empty when there are none. */
  readonly fingerprint: string;
}

/**
 * Declares a connector (a source reader).
 *
 * @example
 * ```ts
 * import { defineConnector, Secret, Type } from '@assay/sdk';
 * export const ftpConnector = defineConnector({
 *   type: 'ftp',
 *   version: 1,
 *   title: 'FTP server',
 *   config: Type.Object({ host: Type.String(), password: Secret() }),
 *   streamConfig: Type.Object({ path: Type.String() }),
 *   async check(_ctx, config) { return { ok: true, message: `reached ${config.host}` }; },
 *   async discover() { return []; },
 *   async *read(_ctx, _config, stream) {
 *     yield { kind: 'file', path: stream.config.path, format: 'csv', source: stream.config.path };
 *     yield { kind: 'state', state: {} };
 *   },
 * });
 * ```
 */
export function defineConnector<C extends TObject, S extends TObject = TObject>(
  definition: ConnectorDefinition<C, S>,
): ConnectorDefinition<C, S> {
  const what = `Connector "${String(definition.type)}"`;
  assertKebabId('Connector type', definition.type);
  assertVersion(`${what} version`, definition.version);
  assertTitle(what, definition.title);
  assertObjectSchema(what, definition.config);
  assertUiHints(what, definition.config, definition.ui);
  if (definition.streamConfig !== undefined) {
    assertObjectSchema(`${what} streamConfig`, definition.streamConfig);
    assertUiHints(`${what} streamConfig`, definition.streamConfig, definition.streamUi);
  }
  for (const method of ['check', 'discover', 'read'] as const) {
    if (typeof definition[method] !== 'function') throw new TypeError(`${what}: ${method} must be a function`);
  }
  if (definition.probe !== undefined && typeof definition.probe !== 'function') {
    throw new TypeError(`${what}: probe must be a function when given`);
  }
  return Object.freeze({ ...definition });
}
