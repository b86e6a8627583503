import { UserError } from '@assay/sdk';

/** The `protocol` action: which reader and writer versions (and, from 3/7 on, features) the table needs. */
export interface ProtocolAction {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  readonly readerFeatures?: readonly string[];
  readonly writerFeatures?: readonly string[];
}

/** The `metaData` action as written in the log; the schema is still a JSON string here. */
export interface MetadataAction {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly format: { readonly provider: string; readonly options: Readonly<Record<string, string>> };
  /** The table schema as JSON; '' when the log entry has none. */
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly createdTime?: number;
}

/** The `add` action: a data file that becomes part of the table. Paths are URI-encoded as in the log. */
export interface AddAction {
  readonly path: string;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  readonly stats?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly deletionVector?: unknown;
}

/** The `remove` action: a data file that leaves the table (kept as a tombstone until vacuum). */
export interface RemoveAction {
  readonly path: string;
  readonly deletionTimestamp?: number;
  readonly dataChange: boolean;
  readonly deletionVector?: unknown;
}

/** The `txn` action: the last committed version of an application's idempotent writes. */
export interface TxnAction {
  readonly appId: string;
  readonly version: number;
  readonly lastUpdated?: number;
}

/** The `commitInfo` action: free-form provenance; only the in-commit timestamp is interpreted. */
export type CommitInfoAction = Readonly<Record<string, unknown>> & { readonly inCommitTimestamp?: number };

/** One parsed log action. Actions the reader does not interpret (cdc, domainMetadata, ...) are `other`. */
export type DeltaAction =
  | { readonly kind: 'protocol'; readonly protocol: ProtocolAction }
  | { readonly kind: 'metaData'; readonly metaData: MetadataAction }
  | { readonly kind: 'add'; readonly add: AddAction }
  | { readonly kind: 'remove'; readonly remove: RemoveAction }
  | { readonly kind: 'txn'; readonly txn: TxnAction }
  | { readonly kind: 'commitInfo'; readonly commitInfo: CommitInfoAction }
  | { readonly kind: 'other'; readonly name: string };

type Json = Record<string, unknown>;

/**
 * Turns one decoded log entry (a JSON line of a commit or a row of a checkpoint) into an action, checking the fields
 * replay depends on. Returns undefined for an entry that carries no action (a checkpoint row of another kind).
 *
 * @example
 * ```ts
 * parseAction({ txn: { appId: 'job-1', version: 3 } }, '00000000000000000004.json line 2');
 * ```
 */
export function parseAction(entry: Json, where: string): DeltaAction | undefined {
  for (const [name, value] of Object.entries(entry)) {
    if (value === null || value === undefined) continue;
    const body = asObject(value, where, name);
    switch (name) {
      case 'protocol':
        return {
          kind: 'protocol',
          protocol: {
            minReaderVersion: int(body, 'minReaderVersion', where, name),
            minWriterVersion: int(body, 'minWriterVersion', where, name),
            ...optionalStrings(body, 'readerFeatures', where, name),
            ...optionalStrings(body, 'writerFeatures', where, name),
          },
        };
      case 'metaData':
        return { kind: 'metaData', metaData: parseMetadata(body, where) };
      case 'add':
        return {
          kind: 'add',
          add: {
            ...(body as unknown as AddAction),
            path: str(body, 'path', where, name),
            partitionValues: (body.partitionValues ?? {}) as Record<string, string | null>,
            size: int(body, 'size', where, name),
            modificationTime: int(body, 'modificationTime', where, name),
            dataChange: body.dataChange !== false,
          },
        };
      case 'remove':
        return {
          kind: 'remove',
          remove: { ...(body as unknown as RemoveAction), path: str(body, 'path', where, name) },
        };
      case 'txn':
        return {
          kind: 'txn',
          txn: { appId: str(body, 'appId', where, name), version: int(body, 'version', where, name) },
        };
      case 'commitInfo':
        return { kind: 'commitInfo', commitInfo: body };
      default:
        return { kind: 'other', name };
    }
  }
  return undefined;
}

function parseMetadata(body: Json, where: string): MetadataAction {
  const format = (body.format ?? { provider: 'parquet', options: {} }) as MetadataAction['format'];
  const partitionColumns = body.partitionColumns ?? [];
  if (!Array.isArray(partitionColumns) || partitionColumns.some((column) => typeof column !== 'string')) {
    throw corrupt(where, 'metaData.partitionColumns is not a list of strings');
  }
  return {
    ...(body as unknown as MetadataAction),
    id: typeof body.id === 'string' ? body.id : '',
    format,
    // Checked when the snapshot is built, so that a missing protocol is reported first, as the protocol orders it.
    schemaString: typeof body.schemaString === 'string' ? body.schemaString : '',
    partitionColumns: partitionColumns as string[],
    configuration: (body.configuration ?? {}) as Record<string, string>,
  };
}

function asObject(value: unknown, where: string, name: string): Json {
  if (typeof value !== 'object' || Array.isArray(value)) throw corrupt(where, `"${name}" is not an object`);
  return value as Json;
}

function str(body: Json, field: string, where: string, action: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw corrupt(where, `${action}.${field} is missing or not a string`);
  return value;
}

function int(body: Json, field: string, where: string, action: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw corrupt(where, `${action}.${field} is missing or not an integer`);
  }
  return value;
}

function optionalStrings(body: Json, field: string, where: string, action: string): Record<string, string[]> {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw corrupt(where, `${action}.${field} is not a list of strings`);
  }
  return { [field]: value as string[] };
}

/** A `DELTA_LOG_CORRUPT` error for a log entry that does not have the shape the protocol requires. */
export function corrupt(where: string, problem: string, cause?: unknown): UserError {
  return new UserError(`Delta log entry ${where} is invalid: ${problem}. Repair or restore the table's _delta_log.`, {
    code: 'DELTA_LOG_CORRUPT',
    details: { where },
    cause,
  });
}
