import { defineOperator, InputError, type OperatorContext, type OperatorResult, quoteRelation } from '@assay/sdk';
import { CdcMergeConfig, cdcMergeUi, type CdcMergeSettings } from './cdc-merge-config.ts';
import { changeLogShape } from './change-log-shape.ts';
import { fingerprintOf, usableState, type AppliedPosition, type CdcState } from './cdc-state.ts';
import { changeCtes, lastPositionSql, statsSql, structureSql, type ChangeSource } from './change-sql.ts';
import { extraColumns, planColumns, type Structure } from './column-plan.ts';
import { checkedCtes, quarantineSql, UNFIT_MARK, winnersSql, writeSql } from './merge-sql.ts';

/**
 * `cdc-merge` v1: applies a Bronze change log (op c/u/d/r, before/after images, source position) to a Silver table.
 * Per business key only the change that comes last in source order (position, then event time) is applied, with one
 * merge; deletes remove the row or flag it. The position of the last change is committed with the merge, and the
 * next run reads only the change log's new rows after it, so a re-run applies nothing twice and writes nothing.
 */
export const cdcMergeOperator = defineOperator({
  type: 'cdc-merge',
  version: 1,
  title: 'CDC merge',
  description: 'Apply a change log from the CDC connectors to a table: latest change per key, deletes hard or soft',
  category: 'silver',
  config: CdcMergeConfig,
  ui: cdcMergeUi,
  inputs: { min: 1, max: 1 },
  output: 'table',
  async run(ctx, config): Promise<OperatorResult> {
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the cdc-merge operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const input = ctx.inputs[0]!;
    const fingerprint = fingerprintOf(config);
    const state = usableState(ctx.state, input.dataset, fingerprint);
    if (ctx.state !== undefined && state === undefined) {
      ctx.log.warn({ dataset: input.dataset }, 'the job state is of other settings: applying the whole change log');
    }
    const nextState = (position: AppliedPosition | undefined): CdcState => ({
      kind: 'cdc-merge',
      input: input.dataset,
      inputVersion: input.version,
      fingerprint,
      ...(position === undefined ? {} : { position }),
    });
    if (state !== undefined && state.inputVersion === input.version) {
      ctx.log.info(
        { dataset: input.dataset, version: input.version },
        'the change log has not changed: nothing to apply',
      );
      return { rowsRead: 0, rowsWritten: 0, metrics: { changes: 0, applied: 0 } };
    }
    // Asked before any other statement: the session's views are fixed once it opens.
    const added = state === undefined ? undefined : await ctx.engine.changes(input.dataset, state.inputVersion);
    const columns = await ctx.engine.describe(`SELECT * FROM ${quoteRelation(input.dataset)}`);
    const shape = changeLogShape(input.dataset, columns, config);
    await checkCasts(ctx, config);
    const source: ChangeSource = {
      shape,
      relation: quoteRelation(added?.added ?? input.dataset),
      businessKey: config.businessKey,
      sourceTable: config.sourceTable,
      after: state?.position,
    };
    const stats = numbers((await ctx.engine.query(statsSql(source)))[0]);
    const metrics: Record<string, number> = {
      changes: stats.changes!,
      tombstones: stats.tombstones!,
      malformed: stats.malformed!,
      ignoredOps: stats.other_ops! + stats.empty_upserts!,
      keyChanges: stats.key_changes!,
      nullKeys: stats.null_keys!,
      nullPositions: stats.null_positions!,
    };
    const position = await lastPosition(ctx, source);
    if (stats.changes === 0) {
      ctx.setState(nextState(position ?? state?.position));
      ctx.log.info({ dataset: input.dataset, ...metrics }, 'no new changes: nothing to apply');
      return { rowsRead: stats.scoped!, rowsWritten: 0, metrics: { ...metrics, applied: 0 } };
    }
    config.businessKey.forEach((field, i) => {
      if (stats[`key_present_${i}`] === 0) {
        throw new InputError(
          `config.businessKey[${i}]: no change of ${input.dataset} has a field "${field}" in its after, before or ` +
            'key image: name a field the source rows have',
          {
            code: 'CDC_KEY_COLUMN_MISSING',
            details: { dataset: input.dataset, path: `config.businessKey[${i}]`, field },
          },
        );
      }
    });
    refuseInvalid(config, input.dataset, metrics);
    // An existing table with an include list has nothing to discover: its columns and types are fixed.
    const discover = output.columns === undefined || config.include === undefined;
    const images = discover ? ((await ctx.engine.query(structureSql(source)))[0] ?? {}) : {};
    const plan = planColumns(
      config,
      output.columns,
      {
        after: structure(images.after_structure),
        before: structure(images.before_structure),
        key: structure(images.key_structure),
      },
      extraColumns(config, shape.eventTime !== undefined),
      output.dataset,
    );
    if (plan.ignored.length > 0) {
      ctx.log.warn({ dataset: output.dataset, columns: plan.ignored }, 'fields the table lacks are left out');
    }
    const ctes = changeCtes(source) + checkedCtes(shape, plan);
    // What is left once NULL keys and positions are set aside (each valid change makes a key win, at least one).
    let toApply = metrics.changes! + metrics.keyChanges! - metrics.nullKeys! - metrics.nullPositions!;
    let rowsQuarantined = 0;
    if (config.onInvalid === 'quarantine') {
      const won = numbers((await ctx.engine.query(winnersSql(ctes)))[0]);
      metrics.unfit = won.unfit!;
      toApply = won.winners! - won.unfit!;
      if (metrics.nullKeys! + metrics.nullPositions! + metrics.unfit > 0) {
        rowsQuarantined = (await output.quarantine({ sql: quarantineSql(ctes, shape, plan, config.businessKey) })).rows;
      }
    }
    ctx.setState(nextState(position ?? state?.position));
    if (toApply === 0) {
      ctx.log.info({ dataset: input.dataset, ...metrics }, 'no change left to apply');
      return { rowsRead: stats.scoped!, rowsWritten: 0, rowsQuarantined, metrics };
    }
    const keys = plan.data
      .filter((c) => c.key !== undefined)
      .sort((a, b) => a.key! - b.key!)
      .map((c) => c.name);
    ctx.log.info({ dataset: output.dataset, ...metrics }, 'merging the latest change per key');
    const sql = writeSql(ctes, shape, plan, {
      target: output.columns === undefined ? undefined : output.dataset,
      failOnUnfit: config.onInvalid === 'fail',
    });
    const result = await output
      .write({
        sql,
        mode: 'merge',
        keys,
        ...(config.deletes === 'hard' ? { deleteWhen: `"${plan.extra.op!}" = 'd'` } : {}),
      })
      .catch((error: unknown) => {
        throw unfitError(error, input.dataset) ?? error;
      });
    return {
      rowsRead: stats.scoped!,
      rowsWritten: result.rowsWritten,
      rowsUpdated: result.rowsUpdated,
      rowsDeleted: result.rowsDeleted,
      rowsQuarantined,
      metrics,
    };
  },
});

/** Each of `casts` is a type DuckDB knows (the schema's pattern keeps them to type names): `CDC_CONFIG_INVALID`. */
async function checkCasts(ctx: OperatorContext, config: CdcMergeSettings): Promise<void> {
  for (const [column, type] of Object.entries(config.casts ?? {})) {
    try {
      await ctx.engine.describe(`SELECT CAST(NULL AS ${type}) AS probe`);
    } catch (error) {
      throw new InputError(`config.casts.${column}: "${type}" is not a DuckDB type`, {
        code: 'CDC_CONFIG_INVALID',
        cause: error,
        details: { path: `config.casts.${column}`, type },
      });
    }
  }
}

async function lastPosition(ctx: OperatorContext, source: ChangeSource): Promise<AppliedPosition | undefined> {
  const row = (await ctx.engine.query(lastPositionSql(source), { limit: 1 }))[0];
  if (row === undefined) return undefined;
  return {
    values: source.shape.positions.map((_, i) => String(row[`p${i}`])),
    eventTime: row.t === null || row.t === undefined ? null : String(row.t),
  };
}

/** The write's refusal of a value that does not fit its column (`onInvalid: fail`) as `CDC_CAST_FAILED`. */
function unfitError(error: unknown, dataset: string): InputError | undefined {
  const found = error instanceof Error ? new RegExp(`${UNFIT_MARK}(.*)`).exec(error.message) : null;
  if (found === null) return undefined;
  const column = /"([^"]*)"/.exec(found[1]!)?.[1];
  return new InputError(
    `A change of ${dataset}: ${found[1]!}. Cast it with config.casts when the table is created, or set ` +
      'config.onInvalid to quarantine to set such changes aside',
    { code: 'CDC_CAST_FAILED', cause: error, details: { dataset, column } },
  );
}

/** `onInvalid: fail` with NULL keys or positions: `CDC_NULL_KEY` / `CDC_NULL_POSITION`, before anything is written. */
function refuseInvalid(config: CdcMergeSettings, dataset: string, metrics: Record<string, number>): void {
  if (config.onInvalid !== 'fail') return;
  if (metrics.nullKeys! > 0) {
    throw new InputError(
      `${metrics.nullKeys} change(s) of ${dataset} have a NULL business key (${config.businessKey.join(', ')}): fix ` +
        'the source, or set config.onInvalid to quarantine to set them aside',
      { code: 'CDC_NULL_KEY', details: { dataset, path: 'config.businessKey', count: metrics.nullKeys } },
    );
  }
  if (metrics.nullPositions! > 0) {
    throw new InputError(
      `${metrics.nullPositions} change(s) of ${dataset} have a NULL position (${config.position.join(', ')})` +
        `${config.positionAs === 'number' ? ' or one that is not a number' : ''}: they cannot be ordered; set ` +
        'config.onInvalid to quarantine to set them aside',
      { code: 'CDC_NULL_POSITION', details: { dataset, path: 'config.position', count: metrics.nullPositions } },
    );
  }
}

function numbers(row: Record<string, unknown> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v ?? 0)]));
}

function structure(value: unknown): Structure {
  if (typeof value !== 'string') return {};
  const parsed = JSON.parse(value) as unknown;
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Structure) : {};
}
