import { quoteIdentifier, quoteLiteral, quoteRelation } from '@assay/sdk';
import type { OperatorColumn, OperatorContext } from '@assay/sdk';
import type { Scd2Settings } from './scd2-config.ts';
import { checkedSql, scd2Error } from './scd2-errors.ts';
import { addedNames, outputNames, writtenColumns, type Scd2Names } from './output-names.ts';
import { assertTableFits } from './table-fit.ts';
import { loadTimeLiteral, temporalKind, timeLiteral } from './time-literals.ts';

/** A column of the input as the output writes it. */
export interface PlanColumn {
  readonly name: string;
  /** DuckDB type: the output table's where it exists, the input's otherwise. */
  readonly type: string;
}

/** The config resolved against the input's columns and the output table: everything the SQL needs. */
export interface Scd2Plan {
  readonly mode: 'scd2' | 'scd1';
  /** The input view as a relation (`"bronze"."customers"`). */
  readonly input: string;
  /** The rows this run applies: the input, or what was appended to it since the last run. */
  readonly batch: string;
  /** The output as it stands (a view), undefined before the table exists. */
  readonly output: string | undefined;
  readonly keys: readonly PlanColumn[];
  /** Every written input column besides the key, in input order. */
  readonly attributes: readonly PlanColumn[];
  /** The attributes whose changes make a new version. */
  readonly compared: readonly PlanColumn[];
  /** The type of effective times (valid_from): DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE. */
  readonly timeType: string;
  /** SQL over the input row (alias `s`) giving its effective time, cast to `timeType`. */
  readonly time: string;
  /** The input's effective-time column; undefined for the load time. */
  readonly timeInput: string | undefined;
  /** The effective-time column when the output keeps it (scd1 refuses to go back in time by it). */
  readonly timeColumn: string | undefined;
  /** The load time (the run's start) as a typed literal. */
  readonly loadTime: string;
  readonly sequence: PlanColumn | undefined;
  /** The config's delete predicate, used as written. */
  readonly deleteWhen: string | undefined;
  readonly snapshot: boolean;
  readonly policy: 'ignore' | 'invalidate' | 'new_record';
  readonly names: Scd2Names;
  readonly openEnd: 'null' | 'far_future';
  /** The far-future date as a typed literal: the open end, and what marks one when reading history. */
  readonly farFuture: string;
  readonly restateFrom: string | undefined;
  readonly surrogateKeyType: 'bigint' | 'varchar';
  /** Names of the output's columns in order: what the write produces. */
  readonly outputColumns: readonly string[];
}

/** Columns every Bronze row carries: never compared (they differ on every load), written as they come. */
export const AUDIT_COLUMNS = ['_load_id', '_ingested_at', '_source', '_hash'];

/**
 * Resolves the config against the input (its columns, via the engine) and the output table: every column named in
 * the config must exist (`SCD2_KEY_MISSING`, `SCD2_COLUMN_MISSING`), output names may not clash
 * (`SCD2_COLUMN_CONFLICT`), the effective time must be a date or timestamp, the delete predicate must bind, and an
 * existing table must have exactly the columns this config writes (`SCD2_OUTPUT_INCOMPATIBLE`).
 */
export async function planScd2(
  ctx: OperatorContext,
  config: Scd2Settings,
  options: { readonly startedAt: Date; readonly restate: boolean; readonly batch: string | undefined },
): Promise<Scd2Plan> {
  const output = ctx.output!;
  const dataset = ctx.inputs[0]!.dataset;
  if (dataset === output.dataset) {
    throw scd2Error(ctx, 'SCD2_OUTPUT_IS_INPUT', `${dataset} cannot be both the input and the output`, { dataset });
  }
  const input = quoteRelation(dataset);
  const columns = await ctx.engine.describe(`SELECT * FROM ${input}`);
  const available = columns.map((column) => column.name);
  const find = (name: string, path: string, code = 'SCD2_COLUMN_MISSING'): OperatorColumn => {
    const found =
      columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (found === undefined) {
      throw scd2Error(
        ctx,
        code,
        `${path} names "${name}", which is not a column of ${dataset} (${available.join(', ')})`,
        {
          path,
          column: name,
          available,
        },
      );
    }
    return found;
  };
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  const keys = config.businessKey.map((name, i) => find(name, `config.businessKey[${i}]`, 'SCD2_KEY_MISSING'));
  const excluded = config.excludeColumns.map((name, i) => find(name, `config.excludeColumns[${i}]`));
  const ignored = config.ignoreColumns.map((name, i) => find(name, `config.ignoreColumns[${i}]`));
  const timeInput = config.effectiveFrom === undefined ? undefined : find(config.effectiveFrom, 'config.effectiveFrom');
  const sequenceInput = config.sequenceBy === undefined ? undefined : find(config.sequenceBy, 'config.sequenceBy');
  for (const [i, column] of excluded.entries()) {
    if (keys.some((key) => key.name === column.name)) {
      throw scd2Error(
        ctx,
        'SCD2_CONFIG_INVALID',
        `config.excludeColumns[${i}]: "${column.name}" is part of the business key`,
        {
          path: `config.excludeColumns[${i}]`,
        },
      );
    }
  }
  const names = outputNames(config);
  const added = addedNames(config.mode, names);
  const written = writtenColumns(ctx, columns, { keys, excluded, names, added });
  const attributesIn = written.filter((c) => !keys.some((k) => k.name === c.name));
  const compared =
    config.changeColumns === undefined
      ? attributesIn.filter(
          (c) =>
            !ignored.some((x) => x.name === c.name) &&
            c.name !== timeInput?.name &&
            c.name !== sequenceInput?.name &&
            !AUDIT_COLUMNS.includes(c.name.toLowerCase()),
        )
      : config.changeColumns.map((name, i) => {
          const path = `config.changeColumns[${i}]`;
          const column = find(name, path);
          const why = keys.some((k) => k.name === column.name)
            ? 'is part of the business key, which never changes within a key'
            : excluded.some((x) => x.name === column.name)
              ? 'is excluded from the output (config.excludeColumns)'
              : ignored.some((x) => x.name === column.name)
                ? 'is in config.ignoreColumns too'
                : undefined;
          if (why !== undefined) {
            throw scd2Error(ctx, 'SCD2_CONFIG_INVALID', `${path}: "${column.name}" ${why}`, { path });
          }
          return column;
        });

  if (config.mode === 'scd1' && config.restateFrom !== undefined) {
    throw scd2Error(ctx, 'SCD2_CONFIG_INVALID', 'config.restateFrom applies to mode scd2 only: scd1 keeps no history', {
      path: 'config.restateFrom',
    });
  }
  const table = output.columns;
  const tableType = (name: string) => table?.find((c) => same(c.name, name))?.type;
  if (timeInput !== undefined && temporalKind(timeInput.type) === undefined) {
    throw scd2Error(
      ctx,
      'SCD2_EFFECTIVE_TIME_INVALID',
      `config.effectiveFrom: column "${timeInput.name}" is ${timeInput.type}, not a DATE or TIMESTAMP: cast it upstream`,
      { path: 'config.effectiveFrom', column: timeInput.name, type: timeInput.type },
    );
  }
  const existingTime = config.mode === 'scd2' ? tableType(names.validFrom) : undefined;
  const timeType = existingTime ?? temporalKind(timeInput?.type ?? 'TIMESTAMP WITH TIME ZONE')!;
  if (temporalKind(timeType) === undefined) {
    throw scd2Error(
      ctx,
      'SCD2_OUTPUT_INCOMPATIBLE',
      `${output.dataset}.${names.validFrom} is ${timeType}, not a DATE or TIMESTAMP`,
      {
        dataset: output.dataset,
      },
    );
  }
  const loadTime = loadTimeLiteral(options.startedAt, timeType);
  const time = timeInput === undefined ? loadTime : `CAST(s.${quoteIdentifier(timeInput.name)} AS ${timeType})`;

  if (config.deletes.when !== undefined) {
    const probe = `SELECT coalesce((${config.deletes.when}), false) AS deletes FROM ${input}`;
    const [described] = await checkedSql(ctx, 'config.deletes.when', () => ctx.engine.describe(probe));
    if (described?.type !== 'BOOLEAN') {
      throw scd2Error(
        ctx,
        'SCD2_SQL_INVALID',
        `config.deletes.when must be a condition (BOOLEAN), not ${described?.type}`,
        {
          path: 'config.deletes.when',
        },
      );
    }
  }
  const typed = (column: OperatorColumn): PlanColumn => ({
    name: column.name,
    type: tableType(column.name) ?? column.type,
  });
  const plan: Scd2Plan = {
    mode: config.mode,
    input,
    batch: options.batch ?? input,
    output: table === undefined ? undefined : quoteRelation(output.dataset),
    keys: keys.map(typed),
    attributes: attributesIn.map(typed),
    compared: compared.map(typed),
    timeType,
    time,
    timeInput: timeInput?.name,
    timeColumn:
      timeInput !== undefined && attributesIn.some((c) => c.name === timeInput.name) ? timeInput.name : undefined,
    loadTime,
    sequence: sequenceInput,
    deleteWhen: config.deletes.when,
    snapshot: config.input === 'snapshot',
    policy: config.deletes.policy,
    names,
    openEnd: config.openEnd,
    farFuture: await parsedTime(ctx, 'config.farFuture', config.farFuture, timeType),
    restateFrom:
      config.restateFrom === undefined || !options.restate
        ? undefined
        : await parsedTime(ctx, 'config.restateFrom', config.restateFrom, timeType),
    surrogateKeyType: config.surrogateKeyType,
    outputColumns: [
      names.surrogateKey,
      ...keys.map((c) => c.name),
      ...attributesIn.map((c) => c.name),
      ...added.filter(([path]) => path !== 'config.columns.surrogateKey').map(([, name]) => name),
    ],
  };
  if (table !== undefined) assertTableFits(ctx, plan, table, output.dataset);
  return plan;
}

/** A date or timestamp from config as a literal of `type`; `SCD2_RESTATE_INVALID`/`SCD2_CONFIG_INVALID` otherwise. */
async function parsedTime(ctx: OperatorContext, path: string, text: string, type: string): Promise<string> {
  const [row] = await ctx.engine.query(`SELECT TRY_CAST(${quoteLiteral(text)} AS ${type}) IS NOT NULL AS ok`);
  if (row?.ok !== true) {
    throw scd2Error(
      ctx,
      path === 'config.restateFrom' ? 'SCD2_RESTATE_INVALID' : 'SCD2_CONFIG_INVALID',
      `${path} "${text}" is not a ${type} (e.g. 2026-03-01 or 2026-03-01 12:00:00)`,
      { path, value: text },
    );
  }
  return timeLiteral(text, type);
}
