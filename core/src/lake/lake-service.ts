import { join } from 'node:path';
import { InputError, NotFoundError } from '@assay/sdk';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Knex } from 'knex';
import type { AssayConfig } from '../config/config.schema.ts';
import type { DatasetView } from '../engine/dataset-view.ts';
import { createDatasetPublications, type DatasetPublications } from './dataset-publications.ts';
import { loadSnapshot, type DeltaSnapshot } from './delta/snapshot.ts';
import { snapshotSelectSql } from './delta/snapshot-sql.ts';
import { readHistory, type HistoryEntry } from './delta/table-history.ts';
import { deleteRows, type DeleteRowsRequest } from './delta-write/delete-rows.ts';
import type { CommitProvenance } from './delta-write/log-actions.ts';
import { mergeRows, type MergeRowsRequest } from './delta-write/merge-rows.ts';
import { overwritePartitions, type OverwritePartitionsRequest } from './delta-write/overwrite-partitions.ts';
import type { RewriteResult } from './delta-write/rewrite-files.ts';
import { updateRows, type UpdateRowsRequest } from './delta-write/update-rows.ts';
import { restoreTable } from './delta-write/restore.ts';
import { vacuumTable, type VacuumResult } from './delta-write/vacuum.ts';
import { writeTable, type WriteTableRequest, type WriteTableResult } from './delta-write/write-table.ts';
import { openS3Storage } from './s3-from-config.ts';
import { localDataFiles } from './snapshot-files.ts';
import { createPgCommitLock } from './storage/commit-lock.pg.ts';
import type { LakeStorage } from './storage/lake-storage.ts';
import { createLocalStorage } from './storage/local-storage.ts';

/** One dataset's Delta table. */
export interface LakeTable {
  /** `layer.name` */
  readonly name: string;
  readonly storage: LakeStorage;
  /** `<workspace>/<layer>/<name>` inside the lake storage. */
  readonly tablePath: string;
  snapshot(at?: { version?: number; timestamp?: Date | number }): Promise<DeltaSnapshot>;
  /**
   * The version readers see: the published one when checks held newer commits back, else the latest.
   * `DATASET_NOT_PUBLISHED` when the only versions are held; `DELTA_TABLE_NOT_FOUND` when there is no table.
   */
  published(): Promise<DeltaSnapshot>;
  history(limit?: number): Promise<HistoryEntry[]>;
  write(request: Omit<WriteTableRequest, 'putIfAbsent'>): Promise<WriteTableResult>;
  overwritePartitions(request: Omit<OverwritePartitionsRequest, Managed>): Promise<RewriteResult>;
  delete(request: Omit<DeleteRowsRequest, Managed | 'scratchDir'>): Promise<RewriteResult>;
  update(request: Omit<UpdateRowsRequest, Managed | 'scratchDir'>): Promise<RewriteResult>;
  merge(request: Omit<MergeRowsRequest, Managed | 'scratchDir'>): Promise<RewriteResult>;
  restore(version: number, provenance?: Partial<CommitProvenance>): Promise<{ version: number }>;
  vacuum(options: { retentionHours?: number; dryRun?: boolean }): Promise<VacuumResult>;
  /** The dataset as an engine view at a pinned snapshot, with the policy's masks and row filter. */
  view(snapshot: DeltaSnapshot, policy?: Pick<DatasetView, 'masks' | 'rowFilter'>): Promise<DatasetView>;
}

/** The commit strategy the lake service supplies itself. */
type Managed = 'putIfAbsent';

/** The lake: datasets of every workspace as Delta tables in one storage. */
export interface LakeService {
  readonly storage: LakeStorage;
  table(workspace: string, dataset: string): LakeTable;
  /** The quarantine table of a dataset, `<workspace>/<layer>/_quarantine/<name>`: rows set aside with reasons. */
  quarantine(workspace: string, dataset: string): LakeTable;
  /** Published versions of datasets, where checks hold commits back. */
  readonly publications: DatasetPublications;
}

const WORKSPACE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const DATASET = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/**
 * Opens the configured lake (`ASSAY_LAKE`): a local directory, or an S3 prefix read through the local cache. On S3
 * without conditional writes (the default, as many S3-compatible servers ignore `If-None-Match`), commits take a
 * PostgreSQL advisory lock so two writers can never create the same log version.
 */
export function createLakeService(options: { config: AssayConfig; db: Knex }): LakeService {
  const { config } = options;
  const storage =
    config.lake.kind === 'local'
      ? createLocalStorage(config.lake.path)
      : openS3Storage(config.lake.bucket, config.lake.prefix, {
          s3: config.s3,
          env: process.env,
          cacheDirectory: join(config.home, 'cache'),
          cacheMaxBytes: config.engine.cacheGb * 1024 ** 3,
        });
  const lock = config.lake.kind === 's3' && !config.s3.conditionalWrites ? createPgCommitLock(options.db) : undefined;
  const strategy =
    lock === undefined ? {} : { putIfAbsent: (path: string, body: string) => lock.putIfAbsent(storage, path, body) };
  const scratchDir = join(config.home, 'engine', 'lake-scratch');
  let metadataInstance: Promise<DuckDBInstance> | undefined;
  // Log and statistics work only: each call gets its own connection on one shared in-memory instance.
  const connect = async (): Promise<DuckDBConnection> =>
    (await (metadataInstance ??= DuckDBInstance.create(':memory:'))).connect();

  const publications = createDatasetPublications(options.db);

  /** `workspace` is set for datasets, which have publications; quarantine tables have none. */
  const openTable = (dataset: string, tablePath: string, workspace?: string): LakeTable => {
    const rewriteSettings = { ...strategy, scratchDir };
    const snapshot = async (at = {}) => loadSnapshot(storage, { tablePath, connection: await connect(), ...at });
    return {
      name: dataset,
      storage,
      tablePath,
      snapshot,
      published: async () => {
        const publication = workspace === undefined ? undefined : await publications.get(workspace, dataset);
        if (publication === undefined || publication.held === null) return snapshot();
        if (publication.published === null) {
          throw new NotFoundError(
            `${dataset} has no published version yet: checks (${publication.heldBy.join(', ')}) held its first ` +
              `version ${publication.held ?? ''} back; approve it or fix the data and run the job again`,
            { code: 'DATASET_NOT_PUBLISHED', details: { dataset, held: publication.held } },
          );
        }
        return snapshot({ version: publication.published });
      },
      history: (limit) => readHistory(storage, { tablePath, ...(limit === undefined ? {} : { limit }) }),
      write: async (request) => writeTable(storage, tablePath, { ...request, ...strategy }, await connect()),
      overwritePartitions: async (request) => {
        const connection = await connect();
        return overwritePartitions(storage, tablePath, { ...request, ...strategy }, connection);
      },
      delete: async (request) => {
        const connection = await connect();
        return deleteRows(storage, tablePath, { ...request, ...rewriteSettings }, connection);
      },
      update: async (request) => {
        const connection = await connect();
        return updateRows(storage, tablePath, { ...request, ...rewriteSettings }, connection);
      },
      merge: async (request) => {
        const connection = await connect();
        return mergeRows(storage, tablePath, { ...request, ...rewriteSettings }, connection);
      },
      restore: async (version, provenance) => restoreTable(storage, tablePath, version, await connect(), provenance),
      vacuum: async (options) => vacuumTable(storage, tablePath, await connect(), options),
      view: async (snapshot, policy = {}) => {
        const files = await localDataFiles(snapshot);
        return {
          name: dataset,
          source: snapshotSelectSql(snapshot, (path) => files.get(path)!),
          files: [...files.values()],
          ...policy,
        };
      },
    };
  };
  const parse = (workspace: string, dataset: string): [layer: string, name: string] => {
    if (!WORKSPACE.test(workspace)) {
      throw new InputError(`Workspace "${workspace}" must be kebab-case`, { code: 'WORKSPACE_INVALID' });
    }
    const match = DATASET.exec(dataset);
    if (match === null) {
      throw new InputError(`Dataset "${dataset}" must be named layer.name (lower-case letters, digits, _)`, {
        code: 'DATASET_NAME_INVALID',
      });
    }
    return [match[1]!, match[2]!];
  };

  return {
    storage,
    publications,
    table(workspace, dataset) {
      const [layer, name] = parse(workspace, dataset);
      return openTable(dataset, `${workspace}/${layer}/${name}`, workspace);
    },
    quarantine(workspace, dataset) {
      const [layer, name] = parse(workspace, dataset);
      return openTable(`${layer}._quarantine.${name}`, `${workspace}/${layer}/_quarantine/${name}`);
    },
  };
}
