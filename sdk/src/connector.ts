import type { Static, TObject } from 'typebox';
import { assertKebabId, assertObjectSchema, assertTitle, assertUiHints, assertVersion } from './definition-checks.ts';
import type { Logger } from './logger.ts';
import type { UiHints } from './schema.ts';

/** What a connector call receives besides the connection config. */
export interface ConnectorContext {
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** The outcome of a connectivity check, with a diagnosis a user can act on. */
export interface ConnectionCheckResult {
  readonly ok: boolean;
  /** What was tried and what happened: "connected to db.example.com:5432 as reader" or the precise failure. */
  readonly message: string;
  /** Stable code of the failure (`CONNECTION_REFUSED`, `AUTH_FAILED`, ...). */
  readonly code?: string;
}

/** A column of a discovered stream. */
export interface DiscoveredColumn {
  readonly name: string;
  /** DuckDB type name, e.g. `BIGINT`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`. */
  readonly type: string;
  readonly nullable: boolean;
}

/** A table, file set or endpoint a connection can read. */
export interface DiscoveredStream {
  readonly name: string;
  readonly columns: readonly DiscoveredColumn[];
  /** Columns usable as incremental watermarks or keys, when the source knows them. */
  readonly primaryKey?: readonly string[];
}

/** One item a read yields: files handed to DuckDB's readers as they are, Arrow record batches, or new state. */
export type ReadItem =
  | { readonly kind: 'file'; readonly path: string; readonly format: 'csv' | 'json' | 'ndjson' | 'parquet' | 'xlsx' }
  | { readonly kind: 'batch'; readonly batch: unknown }
  | { readonly kind: 'state'; readonly state: Record<string, unknown> };

/** The declaration {@link defineConnector} takes and returns. */
export interface ConnectorDefinition<C extends TObject = TObject> {
  readonly type: string;
  readonly version: number;
  readonly title: string;
  readonly description?: string;
  /** Connection config; mark credentials with `Secret()`. */
  readonly config: C;
  readonly ui?: UiHints;
  check(ctx: ConnectorContext, config: Static<C>): Promise<ConnectionCheckResult>;
  discover(ctx: ConnectorContext, config: Static<C>): Promise<DiscoveredStream[]>;
  read(
    ctx: ConnectorContext,
    config: Static<C>,
    stream: string,
    state: Record<string, unknown> | undefined,
  ): AsyncIterable<ReadItem>;
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
 *   async check(_ctx, config) { return { ok: true, message: `reached ${config.host}` }; },
 *   async discover() { return []; },
 *   async *read() {},
 * });
 * ```
 */
export function defineConnector<C extends TObject>(definition: ConnectorDefinition<C>): ConnectorDefinition<C> {
  const what = `Connector "${String(definition.type)}"`;
  assertKebabId('Connector type', definition.type);
  assertVersion(`${what} version`, definition.version);
  assertTitle(what, definition.title);
  assertObjectSchema(what, definition.config);
  assertUiHints(what, definition.config, definition.ui);
  for (const method of ['check', 'discover', 'read'] as const) {
    if (typeof definition[method] !== 'function') throw new TypeError(`${what}: ${method} must be a function`);
  }
  return Object.freeze({ ...definition });
}
