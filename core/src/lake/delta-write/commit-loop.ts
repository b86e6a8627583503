import { setTimeout as sleep } from 'node:timers/promises';
import { AssayError, ConflictError, OperationalError, UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { commitFileName } from '../delta/delta-log-listing.ts';
import { checkReadable } from '../delta/delta-protocol.ts';
import { loadSnapshot, type DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { checkpointAfterCommit } from './checkpoint-writer.ts';
import { serializeCommit, type CommitActions } from './log-actions.ts';
import { tableRootOf } from './table-root.ts';

/** What a commit attempt does against the snapshot it is based on. */
export type CommitPlanner = (snapshot: DeltaSnapshot | undefined) => CommitActions | Promise<CommitActions>;

/** How a commit is made and what follows it. */
export interface CommitOptions {
  /** Idempotency: when the table already has this (appId, version), nothing is committed. */
  readonly txn?: { readonly appId: string; readonly version: number };
  /** Files (decoded paths) the operation read at `version`: a concurrent removal of any is a conflict. */
  readonly read?: { readonly version: number; readonly paths: ReadonlySet<string> };
  /**
   * Atomic create of the next log file. Default: the storage's own put-if-absent; for S3 servers without
   * conditional writes, the Postgres commit lock's.
   */
  readonly putIfAbsent?: (path: string, body: string) => Promise<boolean>;
  /** Runs after a successful commit and its checkpoint. */
  readonly afterCommit?: (version: number) => Promise<void>;
}

export type CommitOutcome = { readonly version: number; readonly skipped: boolean; readonly actions?: CommitActions };

const MAX_ATTEMPTS = 25;
const ENGINE_INFO = 'Assay';

/**
 * Optimistic commit: plan the actions against the latest snapshot, then put-if-absent the next log file; every
 * successful commit writes a checkpoint when one is due (every 10 versions). When
 * another writer took that version, reload and plan again on top of its commit (the plan sees the new state, so
 * appends and overwrites serialize after it), unless that commit removed a file this operation read
 * (`DELTA_CONCURRENT_MODIFICATION`) or already carries this operation's txn (skipped).
 */
export async function commitWithRetry(
  storage: LakeStorage,
  tablePath: string,
  connection: DuckDBConnection,
  plan: CommitPlanner,
  options: CommitOptions = {},
): Promise<CommitOutcome> {
  const tableRoot = tableRootOf(tablePath);
  const tableName = storage.describe(tableRoot);
  const put = options.putIfAbsent ?? ((path: string, body: string) => storage.putIfAbsent(path, body));
  let snapshot = await latestSnapshot(storage, tablePath, connection);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (snapshot !== undefined) {
      if (alreadyCommitted(snapshot, options)) return { version: snapshot.version, skipped: true };
      assertWritable(snapshot, tableName);
      assertReadFilesPresent(snapshot, options, tableName);
    }
    const actions = await plan(snapshot);
    const withTxn =
      options.txn === undefined ? actions : { ...actions, txn: { ...options.txn, lastUpdated: Date.now() } };
    const version = snapshot === undefined ? 0 : snapshot.version + 1;
    const body = serializeCommit(withTxn, Date.now(), ENGINE_INFO);
    if (await put(`${tableRoot}_delta_log/${commitFileName(version)}`, body)) {
      await checkpointAfterCommit(storage, tablePath, connection)(version);
      await options.afterCommit?.(version);
      return { version, skipped: false, actions: withTxn };
    }
    snapshot = await latestSnapshot(storage, tablePath, connection);
    if (snapshot === undefined) {
      throw new OperationalError(`${tableName} disappeared during a commit`, { code: 'DELTA_COMMIT_FAILED' });
    }
    await sleep(Math.min(500, 10 * 2 ** Math.min(attempt, 6)) * Math.random());
  }
  throw new OperationalError(
    `Gave up committing to ${tableName} after ${MAX_ATTEMPTS} attempts: too many concurrent writers`,
    {
      code: 'DELTA_COMMIT_CONTENDED',
    },
  );
}

/** The latest snapshot, or undefined when there is no table yet. */
export async function latestSnapshot(
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

function alreadyCommitted(snapshot: DeltaSnapshot, options: CommitOptions): boolean {
  if (options.txn === undefined) return false;
  const committed = snapshot.txns.get(options.txn.appId);
  return committed !== undefined && committed >= options.txn.version;
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

function assertReadFilesPresent(snapshot: DeltaSnapshot, options: CommitOptions, tableName: string): void {
  if (options.read === undefined) return;
  const live = new Set(snapshot.files.map((file) => file.path));
  const gone = [...options.read.paths].filter((path) => !live.has(path));
  if (gone.length > 0) {
    throw new ConflictError(
      `A concurrent commit to ${tableName} removed ${gone.length} file(s) this operation read at version ${options.read.version}; rerun it`,
      { code: 'DELTA_CONCURRENT_MODIFICATION', details: { files: gone.slice(0, 10) } },
    );
  }
}
