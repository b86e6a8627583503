import {
  InputError,
  type OperatorOutput,
  type OperatorPartition,
  type OutputWriteRequest,
  type OutputWriteResult,
} from '@assay/sdk';
import { duckdbType } from '../../lake/delta/delta-schema.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import { stagedFilesIn } from '../../lake/delta-write/staged-files.ts';
import type { LakeTable } from '../../lake/lake-service.ts';
import { quote } from '../../engine/dataset-view.ts';
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
}

/** `ctx.output`, and what the executor learns from it. */
export interface JobOutput {
  readonly output: OperatorOutput;
  /** The write's outcome once it succeeded. */
  result(): OutputWriteResult | undefined;
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
  let closed = false;

  const write = async (asked: OutputWriteRequest): Promise<OutputWriteResult> => {
    throwIfCancelled(options.signal, where);
    const latest = await snapshotOrUndefined(table);
    const request = withDeclaredPartitioning(asked, latest, options);
    assertWriteRequest(request, latest, dataset);
    const landed = latest?.txns.get(options.txn.appId);
    if (
      latest !== undefined &&
      landed !== undefined &&
      (landed >= options.txn.version || (options.committedBefore ?? []).includes(landed))
    ) {
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
    const copy = await session.copyToParquet(stagingSql(sql, plan, flag), 'output.parquet', { partitionBy });
    const staged = copy.rows === 0 ? [] : await stagedFilesIn(copy.path, partitionBy);
    throwIfCancelled(options.signal, where);
    if (closed) throw closedError(where);
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
    return committed;
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
    },
    result: () => result,
    async close() {
      closed = true;
      await writing?.catch(() => undefined);
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

function closedError(where: string): InputError {
  return new InputError(`${where} has ended: its output can no longer be written`, { code: 'OUTPUT_CLOSED' });
}
