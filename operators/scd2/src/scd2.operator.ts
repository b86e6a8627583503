import {
  defineOperator,
  InputError,
  type OperatorContext,
  type OperatorResult,
  type OutputWriteRequest,
  quoteIdentifier as q,
} from '@assay/sdk';
import { quarantineSql } from './batch-sql.ts';
import { historySql } from './history-sql.ts';
import { batchSource } from './incremental-batch.ts';
import { scd1Sql } from './scd1-sql.ts';
import { Scd2Config, scd2Ui, type Scd2Settings } from './scd2-config.ts';
import { scd2Error } from './scd2-errors.ts';
import { planScd2, type Scd2Plan } from './scd2-plan.ts';
import { configFingerprint, readState, type Scd2State } from './scd2-state.ts';

/**
 * `scd2` v1: keeps a dimension's history from an input of changed rows or full snapshots — one version per change
 * with valid_from / valid_to / is_current, deletes, resurrection, late rows, restatement — or, in `scd1` mode, one
 * row per key changed in place. Only the keys the input changes are rebuilt, and one merge writes exactly the
 * versions that differ; a run that changes nothing writes nothing (no new Delta version).
 */
export const scd2Operator = defineOperator({
  type: 'scd2',
  version: 1,
  title: 'SCD type 2 dimension',
  description: 'Track a dimension’s history (SCD2: valid_from, valid_to, is_current) or keep it current (SCD1)',
  category: 'silver',
  config: Scd2Config,
  ui: scd2Ui,
  inputs: { min: 1, max: 1 },
  output: 'table',
  async run(ctx, config): Promise<OperatorResult> {
    const startedAt = new Date();
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the scd2 operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const input = ctx.inputs[0]!;
    const previous = readState(ctx.state);
    const fingerprint = configFingerprint(config);
    if (
      previous !== undefined &&
      previous.input.dataset === input.dataset &&
      previous.input.version === input.version &&
      previous.config === fingerprint &&
      previous.output !== undefined &&
      previous.output === output.version
    ) {
      ctx.log.info({ input: input.dataset, version: input.version }, 'input and output unchanged since the last run');
      return { rowsWritten: 0, metrics: { unchangedInput: 1 } };
    }
    const restate = config.restateFrom !== undefined && previous?.restatedFrom !== config.restateFrom;
    if (config.restateFrom !== undefined && !restate) {
      ctx.log.info({ restateFrom: config.restateFrom }, 'restateFrom was applied by an earlier run: not again');
    }
    const source = await batchSource(ctx, config, previous, fingerprint, restate);
    const plan = await planScd2(ctx, config, { startedAt, restate, batch: source.relation });
    const quarantined = await setAsideInvalidRows(ctx, config, plan);

    const read = source.rows === undefined ? {} : { rowsRead: source.rows };
    const base = { restated: restate ? 1 : 0, incremental: source.relation === undefined ? 0 : 1 };
    const state = (outputVersion: number | undefined): Scd2State => ({
      input: { dataset: input.dataset, version: input.version },
      config: fingerprint,
      output: outputVersion,
      restatedFrom: restate ? config.restateFrom : previous?.restatedFrom,
    });
    // Committed with the write (so a restatement is recorded with its data); replaced by the final one after it.
    ctx.setState(state(undefined));
    // One pass: the change set is computed once, by the write. An empty one commits nothing (skipWhenEmpty), so a
    // run that changes nothing leaves the table at its version; the counts come from what the merge did.
    const written = await output.write(writeRequest(plan, config, output.version === undefined));
    ctx.setState(state(written.version));
    const metrics = { ...base, changes: written.rowsWritten + written.rowsDeleted, rowsRemoved: written.rowsDeleted };
    const logged = { dataset: output.dataset, mode: plan.mode, version: written.version, ...metrics };
    if (written.skipped) ctx.log.info(logged, 'an earlier attempt of this run merged the change set already');
    else if (metrics.changes === 0) ctx.log.info(logged, 'the input changes nothing: no new version');
    else ctx.log.info(logged, 'merged the change set');
    return { ...read, rowsQuarantined: quarantined, metrics };
  },
});

/** The rows that bring the output up to date with the batch (see historySql and scd1Sql). */
function changeSetSql(plan: Scd2Plan): string {
  return plan.mode === 'scd2' ? historySql(plan) : scd1Sql(plan);
}

function writeRequest(plan: Scd2Plan, config: Scd2Settings, creates: boolean): OutputWriteRequest {
  const n = plan.names;
  const keys = plan.keys.map((key) => key.name);
  const partitioned = creates && plan.mode === 'scd2' && config.partitionByCurrent;
  return {
    sql: changeSetSql(plan),
    mode: 'merge',
    keys: plan.mode === 'scd2' ? [...keys, n.validFrom] : keys,
    // Rows of the change set that remove a stored row carry only its key (and valid_from), with a NULL hash.
    deleteWhen: `${q(n.hash)} IS NULL`,
    // A change set that turns out empty writes no version (the first run creates the table whatever it holds).
    skipWhenEmpty: true,
    ...(partitioned ? { partitionBy: [n.isCurrent] } : {}),
  };
}

/**
 * Rows with a NULL business key or effective time: quarantined with their rule and reason (`invalidRows:
 * quarantine`), or the run fails with `SCD2_KEY_NULL` / `SCD2_EFFECTIVE_TIME_NULL` before anything is written.
 */
async function setAsideInvalidRows(ctx: OperatorContext, config: Scd2Settings, plan: Scd2Plan): Promise<number> {
  const [found] = await ctx.engine.query(
    `SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE _rule = 'scd2.business_key.null')::INTEGER AS keys, ` +
      `arg_min(_column, _rule) AS column FROM (${quarantineSql(plan)}) AS invalid`,
  );
  const rows = Number(found?.rows ?? 0);
  if (rows === 0) return 0;
  if (config.invalidRows === 'fail') {
    const column = String(found?.column);
    const keys = Number(found?.keys ?? 0);
    const [code, count, what] =
      keys > 0
        ? ['SCD2_KEY_NULL', keys, 'a NULL business key']
        : ['SCD2_EFFECTIVE_TIME_NULL', rows, 'a NULL effective time'];
    throw scd2Error(
      ctx,
      code,
      `${count} row(s) of ${ctx.inputs[0]!.dataset} have ${what} (column "${column}"): fix the source, or set ` +
        'invalidRows: quarantine to set them aside',
      { path: 'config.invalidRows', column, rows: count },
    );
  }
  const result = await ctx.output!.quarantine({ sql: quarantineSql(plan) });
  ctx.log.warn({ rows: result.rows }, 'rows with a NULL business key or effective time quarantined');
  return result.rows;
}
