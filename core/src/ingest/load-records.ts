import { NotFoundError, type ConnectorState } from '@assay/sdk';
import type { Knex } from 'knex';
import { isUuid } from '../database/uuid.ts';
import type { SchemaChange } from './column-plan.ts';

/** What a load did: one row per run of an ingest, queryable through the API. */
export interface LoadRecord {
  readonly id: string;
  readonly workspace: string;
  readonly connection: string;
  readonly stream: string;
  readonly dataset: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed';
  readonly runId: string | null;
  readonly startedBy: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsQuarantined: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  readonly bytes: number;
  readonly files: number;
  readonly commits: number;
  readonly stateBefore: ConnectorState | null;
  readonly stateAfter: ConnectorState | null;
  /** The Bronze table's schema version: the Delta version of its last schema change. */
  readonly schemaVersion: number | null;
  readonly schemaChanges: SchemaChange[];
  /** The last Delta version the load committed. */
  readonly deltaVersion: number | null;
  /** Where the raw files are kept: `<workspace>/landing/<connection>/<stream>/<load id>/`. */
  readonly landingPath: string | null;
  readonly error: { code: string; message: string } | null;
}

/** Counters a load accumulates. */
export interface LoadCounts {
  rowsRead: number;
  rowsWritten: number;
  rowsQuarantined: number;
  rowsUpdated: number;
  rowsDeleted: number;
  bytes: number;
  files: number;
  commits: number;
}

export interface LoadRecords {
  /** Records a load a worker will run. */
  queue(record: {
    id: string;
    workspace: string;
    connectionId: string;
    connection: string;
    stream: string;
    dataset: string;
    runId?: string | undefined;
    startedBy?: string | undefined;
  }): Promise<void>;
  /** Records a load that starts now (a queued one moves to `running`). */
  start(record: Parameters<LoadRecords['queue']>[0] & { stateBefore: ConnectorState | undefined }): Promise<void>;
  finish(
    id: string,
    outcome: LoadCounts & {
      status: 'succeeded' | 'failed';
      stateAfter: ConnectorState | undefined;
      schemaVersion: number | undefined;
      schemaChanges: readonly SchemaChange[];
      deltaVersion: number | undefined;
      landingPath: string | undefined;
      error?: { code: string; message: string } | undefined;
    },
  ): Promise<LoadRecord>;
  get(workspace: string, id: string): Promise<LoadRecord>;
  /** Newest first; `before` is the `startedAt` of the last record of the previous page. */
  list(
    workspace: string,
    filter: {
      dataset?: string | undefined;
      connection?: string | undefined;
      limit: number;
      before?: string | undefined;
    },
  ): Promise<LoadRecord[]>;
}

export function createLoadRecords(db: Knex): LoadRecords {
  const get = async (workspace: string, id: string): Promise<LoadRecord> => {
    const row = isUuid(id) ? await db('core_ingest_loads').where({ workspace, id }).first() : undefined;
    if (row === undefined) {
      throw new NotFoundError(`Load "${id}" does not exist in workspace "${workspace}"`, { code: 'LOAD_NOT_FOUND' });
    }
    return recordOf(row);
  };
  return {
    async queue(record) {
      await db('core_ingest_loads').insert(insertRow(record, 'queued'));
    },
    async start(record) {
      await db('core_ingest_loads')
        .insert({
          ...insertRow(record, 'running'),
          state_before: record.stateBefore === undefined ? null : JSON.stringify(record.stateBefore),
        })
        .onConflict('id')
        .merge({ status: 'running', started_at: db.fn.now(), state_before: db.raw('excluded.state_before') });
    },
    async finish(id, outcome) {
      const [row] = await db('core_ingest_loads')
        .where({ id })
        .update({
          status: outcome.status,
          finished_at: db.fn.now(),
          rows_read: outcome.rowsRead,
          rows_written: outcome.rowsWritten,
          rows_quarantined: outcome.rowsQuarantined,
          rows_updated: outcome.rowsUpdated,
          rows_deleted: outcome.rowsDeleted,
          bytes: outcome.bytes,
          files: outcome.files,
          commits: outcome.commits,
          state_after: outcome.stateAfter === undefined ? null : JSON.stringify(outcome.stateAfter),
          schema_version: outcome.schemaVersion ?? null,
          schema_changes: JSON.stringify(outcome.schemaChanges),
          delta_version: outcome.deltaVersion ?? null,
          landing_path: outcome.landingPath ?? null,
          error_code: outcome.error?.code ?? null,
          error_message: outcome.error?.message ?? null,
        })
        .returning('*');
      return recordOf(row);
    },
    get,
    async list(workspace, filter) {
      const query = db('core_ingest_loads').where({ workspace }).orderBy('started_at', 'desc').limit(filter.limit);
      if (filter.dataset !== undefined) query.andWhere({ dataset: filter.dataset });
      if (filter.connection !== undefined) query.andWhere({ connection_name: filter.connection });
      if (filter.before !== undefined) query.andWhere('started_at', '<', filter.before);
      return (await query).map(recordOf);
    },
  };
}

/** The columns a load record starts with. */
type NewLoad = Parameters<LoadRecords['queue']>[0];

function insertRow(record: NewLoad, status: 'queued' | 'running') {
  return {
    id: record.id,
    workspace: record.workspace,
    connection_id: record.connectionId,
    connection_name: record.connection,
    stream: record.stream,
    dataset: record.dataset,
    status,
    run_id: record.runId ?? null,
    started_by: record.startedBy ?? null,
  };
}

interface LoadRow {
  id: string;
  workspace: string;
  connection_name: string;
  stream: string;
  dataset: string;
  status: LoadRecord['status'];
  run_id: string | null;
  started_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  rows_read: string;
  rows_written: string;
  rows_quarantined: string;
  rows_updated: string;
  rows_deleted: string;
  bytes: string;
  files: number;
  commits: number;
  state_before: ConnectorState | null;
  state_after: ConnectorState | null;
  schema_version: number | null;
  schema_changes: SchemaChange[];
  delta_version: string | null;
  landing_path: string | null;
  error_code: string | null;
  error_message: string | null;
}

function recordOf(row: LoadRow): LoadRecord {
  return {
    id: row.id,
    workspace: row.workspace,
    connection: row.connection_name,
    stream: row.stream,
    dataset: row.dataset,
    status: row.status,
    runId: row.run_id,
    startedBy: row.started_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.finished_at === null ? null : row.finished_at.getTime() - row.started_at.getTime(),
    rowsRead: Number(row.rows_read),
    rowsWritten: Number(row.rows_written),
    rowsQuarantined: Number(row.rows_quarantined),
    rowsUpdated: Number(row.rows_updated),
    rowsDeleted: Number(row.rows_deleted),
    bytes: Number(row.bytes),
    files: row.files,
    commits: row.commits,
    stateBefore: row.state_before,
    stateAfter: row.state_after,
    schemaVersion: row.schema_version,
    schemaChanges: row.schema_changes,
    deltaVersion: row.delta_version === null ? null : Number(row.delta_version),
    landingPath: row.landing_path,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  };
}
