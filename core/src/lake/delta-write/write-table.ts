import { setTimeout as sleep } from 'node:timers/promises';
import { AssayError, ConflictError, OperationalError, UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RemoveAction } from '../delta/delta-actions.ts';
import { commitFileName } from '../delta/delta-log-listing.ts';
import { checkReadable } from '../delta/delta-protocol.ts';
import { loadSnapshot, type DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { ASSAY_PROTOCOL, serializeCommit, type CommitProvenance } from './log-actions.ts';
import { deltaSchemaOf } from './schema-from-duckdb.ts';
import { uploadStagedFiles, type StagedFile } from './staged-files.ts';
import { metadataForWrite } from './table-metadata.ts';

/** One write to a Delta table. */
export interface WriteTableRequest {
  readonly mode: 'append' | 'overwrite';
  readonly staged: readonly StagedFile[];
  /** The written relation's columns as DuckDB reports them (partition columns included). */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  /** Required to create a table; checked against the table's afterwards. */
  readonly partitionColumns?: readonly string[];
  /** Idempotency: a commit whose (appId, version) the table already has is skipped. */
  readonly txn?: { readonly appId: string; readonly version: number };
  readonly provenance: CommitProvenance;
  /** What the computation read from this table, so a concurrent removal of those files is a conflict. */
  readonly read?: { readonly version: number; readonly paths: ReadonlySet<string> };
  readonly overwriteSchema?: boolean;
}

export interface WriteTableResult {
  readonly version: number;
  /** True when the txn had already been committed and nothing was written. */
  readonly skipped: boolean;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly rowsAdded: number;
}

const MAX_ATTEMPTS = 25;
const ENGINE_INFO = 'Assay';

/**
 * Writes staged Parquet files to a Delta table with optimistic concurrency. Data files are uploaded once; the commit
 * is the put-if-absent of the next log file. When another writer took that version, the table is reloaded and the
 * write rebased onto it (blind appends and overwrites serialize after the other commit), unless the other commit
 * removed a file this write read (`DELTA_CONCURRENT_MODIFICATION`) or already carries this write's txn (skipped).
 */
export async function writeTable(
  storage: LakeStorage,
  tablePath: string,
  request: WriteTableRequest,
  connection: DuckDBConnection,
): Promise<WriteTableResult> {
  const tableRoot = tablePath === '' ? '' : `${tablePath.replace(/\/+$/, '')}/`;
  const tableName = storage.describe(tableRoot);
  const incoming = deltaSchemaOf(request.columns);
  let snapshot = await latest(storage, tablePath, connection);
  if (snapshot !== undefined && alreadyCommitted(snapshot, request)) return skipped(snapshot);
  // The table may have moved on since the computation read it, before this write even starts.
  if (snapshot !== undefined) assertReadFilesPresent(snapshot, request, tableName);

  const partitionColumns = request.partitionColumns ?? snapshot?.partitionColumns ?? [];
  const adds = await uploadStagedFiles(storage, tableRoot, request.staged, partitionColumns, connection);
  const rowsAdded = adds.reduce(
    (sum, add) => sum + (JSON.parse(add.stats ?? '{}') as { numRecords?: number }).numRecords!,
    0,
  );

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (snapshot !== undefined) assertWritable(snapshot, tableName);
    const metaData = metadataForWrite(
      snapshot,
      incoming,
      request.partitionColumns,
      {
        mode: request.mode,
        overwriteSchema: request.overwriteSchema ?? false,
      },
      tableName,
    );
    const removes = request.mode === 'overwrite' ? removesFor(snapshot) : [];
    const version = snapshot === undefined ? 0 : snapshot.version + 1;
    const body = serializeCommit(
      {
        provenance: {
          ...request.provenance,
          operationMetrics: {
            numFiles: adds.length,
            numOutputRows: rowsAdded,
            numRemovedFiles: removes.length,
            ...request.provenance.operationMetrics,
          },
        },
        ...(snapshot === undefined ? { protocol: ASSAY_PROTOCOL } : {}),
        ...(metaData === undefined ? {} : { metaData }),
        ...(request.txn === undefined ? {} : { txn: { ...request.txn, lastUpdated: Date.now() } }),
        removes,
        adds,
      },
      Date.now(),
      ENGINE_INFO,
    );
    if (await storage.putIfAbsent(`${tableRoot}_delta_log/${commitFileName(version)}`, body)) {
      return { version, skipped: false, filesAdded: adds.length, filesRemoved: removes.length, rowsAdded };
    }
    snapshot = await latest(storage, tablePath, connection);
    if (snapshot === undefined)
      throw new OperationalError(`${tableName} disappeared during a commit`, { code: 'DELTA_COMMIT_FAILED' });
    if (alreadyCommitted(snapshot, request)) return skipped(snapshot);
    assertReadFilesPresent(snapshot, request, tableName);
    await sleep(Math.min(500, 10 * 2 ** Math.min(attempt, 6)) * Math.random());
  }
  throw new OperationalError(
    `Gave up committing to ${tableName} after ${MAX_ATTEMPTS} attempts: too many concurrent writers`,
    {
      code: 'DELTA_COMMIT_CONTENDED',
    },
  );
}

async function latest(
  storage: LakeStorage,
  tablePath: string,
  connection: DuckDBConnection,
): Promise<DeltaSnapshot | undefined> {
  try {
    return await loadSnapshot(storage, { tablePath, connection });
  } catch (error) {
    if (error instanceof AssayError && error.code === 'DELTA_TABLE_NOT_FOUND') return undefined;
    throw error;
  }
}

function alreadyCommitted(snapshot: DeltaSnapshot, request: WriteTableRequest): boolean {
  if (request.txn === undefined) return false;
  const committed = snapshot.txns.get(request.txn.appId);
  return committed !== undefined && committed >= request.txn.version;
}

function skipped(snapshot: DeltaSnapshot): WriteTableResult {
  return { version: snapshot.version, skipped: true, filesAdded: 0, filesRemoved: 0, rowsAdded: 0 };
}

/** Assay writes reader-1 / writer-2 tables only; a table needing more is refused rather than corrupted. */
function assertWritable(snapshot: DeltaSnapshot, tableName: string): void {
  checkReadable(snapshot.protocol, tableName);
  if (snapshot.protocol.minWriterVersion > 2) {
    throw new UserError(
      `${tableName} requires Delta writer version ${snapshot.protocol.minWriterVersion}; Assay writes versions up to 2`,
      { code: 'DELTA_UNSUPPORTED_FEATURE', details: { minWriterVersion: snapshot.protocol.minWriterVersion } },
    );
  }
}

function removesFor(snapshot: DeltaSnapshot | undefined): RemoveAction[] {
  const now = Date.now();
  // Readers match removes to adds by the decoded path, so re-encoding the decoded path names the same file.
  return (snapshot?.files ?? []).map((file) => ({
    path: encodePath(file.path),
    deletionTimestamp: now,
    dataChange: true,
  }));
}

function assertReadFilesPresent(snapshot: DeltaSnapshot, request: WriteTableRequest, tableName: string): void {
  if (request.read === undefined) return;
  const live = new Set(snapshot.files.map((file) => file.path));
  const gone = [...request.read.paths].filter((path) => !live.has(path));
  if (gone.length > 0) {
    throw new ConflictError(
      `A concurrent commit to ${tableName} removed ${gone.length} file(s) this write read at version ${request.read.version}; rerun it`,
      { code: 'DELTA_CONCURRENT_MODIFICATION', details: { files: gone.slice(0, 10) } },
    );
  }
}

/** URI-encodes each segment of a relative path; absolute URIs (`s3://…`) are kept as they are. */
function encodePath(path: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(path) ? path : path.split('/').map(encodeURIComponent).join('/');
}
