import { InputError, type OperatorContext, type OperatorResult } from '@assay/sdk';
import type { Engine } from '../../engine/engine.ts';
import { duckdbType } from '../../lake/delta/delta-schema.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import type { PinnedInput } from '../../pipelines/execution/job-inputs.ts';
import type { SessionDataset } from '../../pipelines/execution/job-session.ts';
import type { DeclaredCheck } from '../job-checks.ts';
import { reprocessRows, type ReprocessRequest } from './reprocess-rows.ts';

export type { ReprocessRequest };

/** The view of the rows a reprocess writes back itself (rows the job's checks or its load set aside). */
const ROWS_VIEW = 'assay_reprocess.rows';

/** How one job run reprocesses quarantined rows of its output. */
export interface ReprocessPlan {
  /** The session's input views: the first input replaced by the rows, when they are the operator's input. */
  readonly inputs: readonly SessionDataset[];
  /** Further views: the rows themselves, when the job writes them back without its operator. */
  readonly views: readonly SessionDataset[];
  /** Instead of the operator: writes the rows back through the output (and so through the checks). */
  readonly run: ((ctx: OperatorContext) => Promise<OperatorResult>) | undefined;
  readonly rows: number;
  /** After the job's write: removes the rows from quarantine, once per run (its own txn). */
  leaveQuarantine(user: string | undefined): Promise<void>;
}

/**
 * Plans a reprocess run of a job (docs/quarantine.md): rows the job's checks set aside are rows of its output and
 * are written back by appending them, through the checks again; rows its operator set aside (or its load could not
 * parse, for a job without inputs) go through the operator again as its first input. Either way each row then leaves
 * the quarantine exactly once; rows that fail again are quarantined again, as new rows.
 */
export async function reprocessPlan(options: {
  readonly lake: LakeService;
  readonly engine: Engine;
  readonly request: ReprocessRequest;
  readonly job: { readonly id: string; readonly output?: string | undefined };
  readonly checks: readonly DeclaredCheck[];
  readonly inputs: readonly PinnedInput[];
  readonly initial: DeltaSnapshot | undefined;
  readonly runId: string;
  /** The job run's txn: the quarantine's delete records it under `<appId>#reprocess`. */
  readonly txn: { readonly appId: string; readonly version: number };
  readonly workspace: string;
  readonly where: string;
}): Promise<ReprocessPlan> {
  const { job, inputs, initial, where } = options;
  const txn = { appId: `${options.txn.appId}#reprocess`, version: options.txn.version };
  if (job.output === undefined || initial === undefined) {
    throw new InputError(`${where} has no output table to reprocess quarantined rows into`, {
      code: 'REPROCESS_TARGET_MISSING',
      details: { job: job.id, dataset: job.output },
    });
  }
  const quarantine = options.lake.quarantine(options.workspace, job.output);
  if (((await snapshotOrUndefined(quarantine))?.txns.get(txn.appId) ?? -1) >= txn.version) {
    // An earlier attempt of this run wrote the rows and took them out of quarantine: nothing is left to do.
    return { inputs, views: [], run: async () => ({}), rows: 0, leaveQuarantine: async () => undefined };
  }
  const rows = await reprocessRows(options.lake, options.engine, {
    workspace: options.workspace,
    dataset: job.output,
    ids: options.request.ids,
    checkIds: options.checks.map((check) => check.id),
    hasInputs: inputs.length > 0,
    where,
  });
  const columnsOf = (snapshot: DeltaSnapshot) =>
    snapshot.schema.fields.map((field) => ({ name: field.name, type: duckdbType(field.type) }));
  const leaveQuarantine: ReprocessPlan['leaveQuarantine'] = async (user) => {
    await rows.quarantine.delete({
      predicate: rows.predicate,
      txn,
      runId: options.runId,
      ...(user === undefined ? {} : { user }),
    });
  };
  if (rows.shape === 'input') {
    const [first, ...rest] = inputs;
    return {
      inputs: [{ view: rows.view(first!.dataset, columnsOf(first!.snapshot), options.runId) }, ...rest],
      views: [],
      run: undefined,
      rows: rows.rows,
      leaveQuarantine,
    };
  }
  return {
    inputs,
    views: [{ view: rows.view(ROWS_VIEW, columnsOf(initial), options.runId) }],
    run: async (ctx) => {
      const written = await ctx.output!.write({ sql: `SELECT * FROM ${ROWS_VIEW}`, mode: 'append' });
      return { rowsRead: rows.rows, rowsWritten: written.rowsWritten };
    },
    rows: rows.rows,
    leaveQuarantine,
  };
}
