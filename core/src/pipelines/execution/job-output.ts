import {
  InputError,
  type OperatorOutput,
  type OperatorPartition,
  type OutputWriteRequest,
  type OutputWriteResult,
  type QuarantineRequest,
  type QuarantineResult,
} from '@assay/sdk';
import { duckdbType } from '../../lake/delta/delta-schema.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import { stagedFilesIn } from '../../lake/delta-write/staged-files.ts';
import type { LakeTable } from '../../lake/lake-service.ts';
import { literal, quote } from '../../engine/dataset-view.ts';
import { QUARANTINE_COLUMNS } from '../../ingest/quarantine-writer.ts';
import {
  checkOutput,
  holdBeforeCommit,
  settleAfterCommit,
  type CheckVerdict,
  type OutputQuality,
} from '../../quality/checked-output.ts';
import type { CheckOutcome } from '../../quality/check-outcome.ts';
import { throwIfCancelled } from './job-cancellation.ts';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { JobSession } from './job-session.ts';
import type { JobStateTracker } from './job-state.ts';
import { statementOf } from './operator-engine.ts';
import { commitOutput, DELETE_FLAG } from './output-commit.ts';
import { planOutputColumns, stagingSql } from './output-columns.ts';
import { assertWriteRequest } from './write-request.ts';

/** What the output needs to know about the job run. */
export interface JobOutputOptions {
  readonly dataset: string;
  readonly table: LakeTable;
  /** The dataset's quarantine table. */
  readonly quarantineTable: LakeTable;
  /** The table as it was when the job started. */
  readonly initial: DeltaSnapshot | undefined;
  readonly session: JobSession;
  readonly state: JobStateTracker;
  readonly txn: { readonly appId: string; readonly version: number };
  readonly runId: string;
  readonly user: string | undefined;
  readonly origin: { readonly pipeline: string; readonly job: string };
  readonly signal: AbortSignal;
  /** `Job "<id>"`, for messages. */
  readonly where: string;
  /** The job's declared partition column: a table the job creates is partitioned by it. */
  readonly partitionColumn?: string | undefined;
  /** In a partition run: the days the write replaces, whatever its mode. */
  readonly partition?: OperatorPartition | undefined;
  /** Txn versions of the runs this one resumes: found as the latest, the write already landed. */
  readonly committedBefore?: readonly number[] | undefined;
  /** The job's data-quality checks, applied to every write (docs/quality.md). */
  readonly quality?: OutputQuality | undefined;
  /** In a reprocess run: the write may only add rows (replacing the table with the reprocessed rows would lose it). */
  readonly reprocess?: boolean | undefined;
}

/** What the job's checks did to its write. */
export interface OutputChecks {
  readonly outcomes: readonly CheckOutcome[];
  readonly rowsQuarantined: number;
  readonly rowsDropped: number;
  /** Whether the new version was held back (or rolled back) instead of published. */
  readonly held: boolean;
}

/** `ctx.output`, and what the executor learns from it. */
export interface JobOutput {
  readonly output: OperatorOutput;
  /** The write's outcome once it succeeded. */
  result(): OutputWriteResult | undefined;
  /** What the checks found and did, once a write ran them. */
  checks(): OutputChecks | undefined;
  /** In a reprocess run: commits the rows the operator set aside, once its write succeeded. */
  commitDeferred(): Promise<void>;
  /** Refuses writes from now on and waits for one in flight, so nothing commits after the job ended. */
  close(): Promise<void>;
}

/**
 * The job's output: one write per job run, checked for a commit of this run first (a retried attempt stages and
 * commits nothing, `skipped`), its SQL checked and described in the sandbox, its rows fitted to the table's schema,
 * staged to Parquet inside the session and committed by the lake with the run's txn.
 */
export function createJobOutput(options: JobOutputOptions): JobOutput {
  const { dataset, table, initial, state, where } = options;
  let writing: Promise<OutputWriteResult> | undefined;
  let result: OutputWriteResult | undefined;
  let quarantining: Promise<QuarantineResult> | undefined;
  let checked: OutputChecks | undefined;
  let closed = false;
  /** Whether this job run's txn, or a resumed run's, is the table's latest for the job: the commit landed. */
  const committedEarlier = (snapshot: DeltaSnapshot | undefined): boolean => {
    const landed = snapshot?.txns.get(options.txn.appId);
    return landed !== undefined && (landed >= options.txn.version || (options.committedBefore ?? []).includes(landed));
  };

  const write = async (asked: OutputWriteRequest): Promise<OutputWriteResult> => {
    throwIfCancelled(options.signal, where);
    const latest = await snapshotOrUndefined(table);
    const request = withDeclaredPartitioning(asked, latest, options);
    assertWriteRequest(request, latest, dataset);
    if (options.reprocess === true && (request.mode === 'overwrite' || request.mode === 'overwrite_partitions')) {
      throw new InputError(
        `${where} replaces ${dataset} (${request.mode}) when it writes, so it cannot reprocess quarantined rows: ` +
          'they would replace the table; a job that appends or merges can',
        { code: 'REPROCESS_WOULD_REPLACE', details: { dataset, mode: request.mode } },
      );
    }
    if (latest !== undefined && committedEarlier(latest)) {
      state.discardBeforeWrite();
      return { version: latest.version, rowsWritten: 0, rowsUpdated: 0, rowsDeleted: 0, skipped: true };
    }
    const session = await options.session.get();
    const sql = statementOf(request.sql);
    const plan = planOutputColumns(await session.describe(sql), latest, { dataset, ...request });
    const names = new Set(plan.columns.map((c) => c.name));
    for (const [what, columns] of [
      ['key', request.keys ?? []],
      ['partition column', request.partitionBy ?? []],
    ] as const) {
      const missing = columns.filter((column) => !names.has(column));
      if (missing.length > 0) {
        throw new InputError(`The rows for ${dataset} lack the ${what}(s) ${missing.map((c) => `"${c}"`).join(', ')}`, {
          code: 'OUTPUT_WRITE_INVALID',
          details: { dataset, columns: missing },
        });
      }
    }
    const partitionBy = request.mode === 'merge' ? [] : (latest?.partitionColumns ?? request.partitionBy ?? []);
    const flag =
      request.mode === 'merge' && request.deleteWhen !== undefined
        ? [`coalesce((${request.deleteWhen}), false) AS ${quote(DELETE_FLAG)}`]
        : [];
    const source = stagingSql(sql, plan, flag);
    let verdict: CheckVerdict | undefined;
    if (options.quality !== undefined) {
      const staged = [
        ...plan.columns.map(({ name, type }) => ({ name, type })),
        ...(flag.length === 0 ? [] : [{ name: DELETE_FLAG, type: 'BOOLEAN' }]),
      ];
      const shape = {
        mode: request.mode,
        keys: request.keys,
        partitionColumns: latest?.partitionColumns ?? request.partitionBy ?? [],
        partition: options.partition,
        hasCurrent: options.initial !== undefined,
        deleteFlag: flag.length === 0 ? undefined : DELETE_FLAG,
        stagedPartitions: partitionBy,
      };
      verdict = await checkOutput(session, source, staged, shape, options.quality, where, (checked) =>
        session.copyToParquet(checked, 'output.parquet', { partitionBy }),
      );
    }
    const copy = verdict?.staged ?? (await session.copyToParquet(source, 'output.parquet', { partitionBy }));
    throwIfCancelled(options.signal, where);
    const quarantined =
      verdict?.quarantine === undefined
        ? { rows: 0, skipped: false }
        : await writeQuarantine(verdict.quarantine, `${options.txn.appId}#checks`);
    if (verdict !== undefined) {
      const rowsQuarantined = quarantined.skipped ? 0 : quarantined.rows;
      const rowsDropped = verdict.rows - copy.rows - quarantined.rows;
      checked = { outcomes: verdict.outcomes, rowsQuarantined, rowsDropped, held: verdict.holding.length > 0 };
    }
    if (copy.rows === 0 && request.skipWhenEmpty === true && latest !== undefined) {
      return { version: latest.version, rowsWritten: 0, rowsUpdated: 0, rowsDeleted: 0, skipped: false };
    }
    const staged = copy.rows === 0 ? [] : await stagedFilesIn(copy.path, partitionBy);
    if (closed) throw closedError(where);
    const held =
      verdict === undefined
        ? undefined
        : await holdBeforeCommit(verdict, options.quality!, table, latest?.version, options.runId);
    await state.beforeCommit();
    const committed = await commitOutput({
      table,
      existing: latest,
      write: request,
      staged,
      columns: plan.columns.map(({ name, type }) => ({ name, type })),
      txn: options.txn,
      runId: options.runId,
      user: options.user,
      origin: options.origin,
      partition: options.partition,
    });
    await state.afterCommit(committed.skipped);
    if (verdict !== undefined && !committed.skipped) {
      await settleAfterCommit(verdict, options.quality!, table, committed, held, {
        runId: options.runId,
        user: options.user,
        where,
      });
    }
    return committed;
  };

  /** Appends rows with `_rule`, `_reason` (and `_column`) to the quarantine table once per run and `appId`. */
  /** Stages rows with `_rule`, `_reason` (and `_column`) for the quarantine table. */
  const stageQuarantine = async (sql: string, appId: string): Promise<{ path: string; rows: number }> => {
    const session = await options.session.get();
    const columns = await session.describe(sql);
    return session.copyToParquet(
      quarantineSql(sql, columns, { runId: options.runId, source: `${options.origin.pipeline}/${options.origin.job}` }),
      `quarantine-${appId.endsWith('#checks') ? 'checks' : 'job'}.parquet`,
    );
  };

  /** Appends staged rows to the quarantine table once per run and `appId`. */
  const commitQuarantine = async (copy: { path: string; rows: number }, appId: string): Promise<QuarantineResult> => {
    const txn = { appId, version: options.txn.version };
    const landed = (await snapshotOrUndefined(options.quarantineTable))?.txns.get(appId);
    if (landed !== undefined && (landed >= txn.version || (options.committedBefore ?? []).includes(landed))) {
      return { rows: copy.rows, skipped: true };
    }
    if (copy.rows === 0) return { rows: 0, skipped: false };
    throwIfCancelled(options.signal, where);
    if (closed) throw closedError(where);
    const written = await options.quarantineTable.write({
      mode: 'append',
      staged: await stagedFilesIn(copy.path, []),
      columns: QUARANTINE_COLUMNS,
      txn,
      provenance: {
        operation: 'WRITE',
        operationParameters: { mode: 'Append', reason: 'quarantine', ...options.origin },
        runId: options.runId,
        ...(options.user === undefined ? {} : { user: options.user }),
      },
    });
    return { rows: copy.rows, skipped: written.skipped };
  };
  const writeQuarantine = async (sql: string, appId: string) =>
    commitQuarantine(await stageQuarantine(sql, appId), appId);
  /** In a reprocess run, the operator's quarantine waits for its write: a failed reprocess must set nothing aside. */
  let deferred: { path: string; rows: number } | undefined;

  const quarantine = async (request: QuarantineRequest): Promise<QuarantineResult> => {
    throwIfCancelled(options.signal, where);
    if (committedEarlier(await snapshotOrUndefined(options.quarantineTable))) return { rows: 0, skipped: true };
    const session = await options.session.get();
    const sql = statementOf(request.sql);
    const columns = await session.describe(sql);
    const names = new Set(columns.map((column) => column.name));
    const missing = ['_rule', '_reason'].filter((name) => !names.has(name));
    if (missing.length > 0) {
      throw new InputError(
        `${where}: rows to quarantine need the columns ${missing.join(' and ')} (which rule, and why)`,
        { code: 'OUTPUT_QUARANTINE_INVALID', details: { dataset, missing } },
      );
    }
    if (options.reprocess === true) {
      deferred = await stageQuarantine(sql, options.txn.appId);
      return { rows: deferred.rows, skipped: false };
    }
    const written = await writeQuarantine(sql, options.txn.appId);
    return { rows: written.skipped ? 0 : written.rows, skipped: written.skipped };
  };

  return {
    output: {
      dataset,
      version: initial?.version,
      columns: initial?.schema.fields.map((field) => ({ name: field.name, type: duckdbType(field.type) })),
      async write(request) {
        if (closed) throw closedError(where);
        if (writing !== undefined) {
          throw new InputError(`${where} already wrote ${dataset} in this run: a job run writes its output once`, {
            code: 'OUTPUT_ALREADY_WRITTEN',
            details: { dataset },
          });
        }
        writing = write(request);
        try {
          result = await writing;
          return result;
        } catch (error) {
          // Nothing or all of it committed (the txn decides which on another try), so the operator may try again.
          writing = undefined;
          throw error;
        }
      },
      async quarantine(request) {
        if (closed) throw closedError(where);
        if (quarantining !== undefined) {
          throw new InputError(`${where} already quarantined rows of ${dataset} in this run: it does so once`, {
            code: 'OUTPUT_ALREADY_QUARANTINED',
            details: { dataset },
          });
        }
        quarantining = quarantine(request);
        try {
          return await quarantining;
        } catch (error) {
          quarantining = undefined;
          throw error;
        }
      },
    },
    result: () => result,
    checks: () => checked,
    async commitDeferred() {
      if (deferred !== undefined) await commitQuarantine(deferred, options.txn.appId);
    },
    async close() {
      closed = true;
      await writing?.catch(() => undefined);
      await quarantining?.catch(() => undefined);
    },
  };
}

/**
 * The write as the job's `partitions` shape it: a table the job creates is partitioned by the declared column, and
 * in a partition run every write replaces the partition (`OUTPUT_WRITE_INVALID` for a merge, which cannot).
 */
function withDeclaredPartitioning(
  request: OutputWriteRequest,
  latest: DeltaSnapshot | undefined,
  options: JobOutputOptions,
): OutputWriteRequest {
  const column = options.partition?.column ?? options.partitionColumn;
  if (options.partition !== undefined && request.mode === 'merge') {
    throw new InputError(
      `${options.where} computes partition ${options.partition.key}, which replaces the partition: a merge cannot`,
      { code: 'OUTPUT_WRITE_INVALID', details: { dataset: options.dataset, partition: options.partition.key } },
    );
  }
  // A partition run adds to the table's schema like an append; replacing the schema is for whole-table writes.
  const shaped: OutputWriteRequest =
    options.partition === undefined ? request : { ...request, mode: 'overwrite', replaceSchema: false };
  if (column === undefined || latest !== undefined || request.mode === 'merge') return shaped;
  const partitionBy = request.partitionBy ?? [column];
  if (!partitionBy.includes(column)) {
    throw new InputError(
      `${options.where} declares partitions by "${column}", so ${options.dataset} must be partitioned by it, ` +
        `not by [${partitionBy.join(', ')}]`,
      { code: 'OUTPUT_PARTITIONING_MISMATCH', details: { dataset: options.dataset, column } },
    );
  }
  return { ...shaped, partitionBy };
}

/** The quarantine table's columns from rows with `_rule`, `_reason` and maybe `_column`: the rest is the row, as JSON. */
function quarantineSql(
  sql: string,
  columns: ReadonlyArray<{ name: string }>,
  origin: { runId: string; source: string },
): string {
  const meta = new Set(['_rule', '_reason', '_column']);
  const row = columns.filter((column) => !meta.has(column.name));
  const json =
    row.length === 0 ? `'{}'` : `json_object(${row.map((c) => `${literal(c.name)}, ${quote(c.name)}`).join(', ')})`;
  const column = columns.some((c) => c.name === '_column') ? 'CAST(_column AS VARCHAR)' : 'CAST(NULL AS VARCHAR)';
  return (
    `SELECT ${literal(origin.runId)} AS _load_id, now() AS _quarantined_at, CAST(_rule AS VARCHAR) AS check_id, ` +
    `${literal(origin.source)} AS _source, CAST(NULL AS BIGINT) AS line, ${column} AS column_name, ` +
    `'rule' AS error_type, CAST(_reason AS VARCHAR) AS reason, CAST(${json} AS VARCHAR) AS raw_row, ` +
    `${literal(origin.runId)} AS run_id FROM (\n${sql}\n) AS assay_quarantine`
  );
}

function closedError(where: string): InputError {
  return new InputError(`${where} has ended: its output can no longer be written`, { code: 'OUTPUT_CLOSED' });
}
