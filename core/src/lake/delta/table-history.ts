import { NotFoundError } from '@assay/sdk';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { readCommitFile } from './commit-file.ts';
import { commitTimestamps } from './commit-timestamps.ts';
import { listDeltaLog } from './delta-log-listing.ts';

/** One commit as `history` reports it. */
export interface HistoryEntry {
  readonly version: number;
  /** Commit time in ms (file modification time, made increasing). */
  readonly timestamp: number;
  readonly operation: string | undefined;
  readonly operationParameters: Readonly<Record<string, unknown>>;
  readonly operationMetrics: Readonly<Record<string, unknown>>;
  readonly user: string | undefined;
  readonly runId: string | undefined;
  readonly engineInfo: string | undefined;
  /** Number of files the commit added and removed. */
  readonly added: number;
  readonly removed: number;
}

/**
 * The newest `limit` retained commits of a table, newest first, with the provenance their `commitInfo` carries
 * (Assay, Spark, delta-rs and Databricks all write one; a commit without it still lists its file counts).
 */
export async function readHistory(
  storage: LakeStorage,
  options: { tablePath?: string; limit?: number } = {},
): Promise<HistoryEntry[]> {
  const tableRoot =
    options.tablePath === undefined || options.tablePath === '' ? '' : `${options.tablePath.replace(/\/+$/, '')}/`;
  const listing = await listDeltaLog(storage, tableRoot);
  if (listing.commits.size === 0) {
    throw new NotFoundError(`No Delta table at ${storage.describe(tableRoot)}: no commits in its _delta_log`, {
      code: 'DELTA_TABLE_NOT_FOUND',
    });
  }
  const timestamps = await commitTimestamps(storage, listing, {});
  const versions = [...listing.commits.keys()].sort((a, b) => b - a).slice(0, options.limit ?? 100);
  const entries: HistoryEntry[] = [];
  for (const version of versions) {
    const actions = await readCommitFile(storage, listing.commits.get(version)!.path);
    const info = actions.find((action) => action.kind === 'commitInfo')?.commitInfo ?? {};
    entries.push({
      version,
      timestamp: timestamps.get(version)!,
      operation: stringOrUndefined(info.operation),
      operationParameters: objectOrEmpty(info.operationParameters),
      operationMetrics: objectOrEmpty(info.operationMetrics),
      user: stringOrUndefined(info.userName),
      runId: stringOrUndefined(info.assayRunId),
      engineInfo: stringOrUndefined(info.engineInfo),
      added: actions.filter((action) => action.kind === 'add').length,
      removed: actions.filter((action) => action.kind === 'remove').length,
    });
  }
  return entries;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function objectOrEmpty(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
