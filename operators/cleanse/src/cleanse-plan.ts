import { InputError, type OperatorColumn, quoteIdentifier } from '@assay/sdk';
import type { CleanseSettings, LookupSettings } from './cleanse-config.ts';
import { configError, missingColumn } from './cleanse-errors.ts';
import { stepSql, type StepSql } from './column-steps.ts';
import { valueLiteral } from './sql-text.ts';
import type { ColumnRuleSettings, JoinKeySettings, StepSettings } from './step-config.ts';

/** Column names the operator uses for itself; an input with such a column is refused. */
export const INTERNAL_PREFIX = '__cleanse_';
const RESERVED = new Set(['_rule', '_reason', '_column']);

/** A join of lookup: the input column (as standardized) and the reference column, with their types. */
export interface PlannedKey {
  readonly column: string;
  readonly type: string;
  readonly referenceColumn: string;
  readonly referenceType: string;
}

export interface PlannedStep {
  readonly step: StepSettings;
  readonly sql: StepSql;
  /** The quarantine rule, for a step that can reject. */
  readonly rule?: string;
}

export type PlannedNulls =
  | { readonly action: 'reject'; readonly rule: string }
  | { readonly action: 'default'; readonly value: string }
  | { readonly action: 'forward_fill'; readonly orderBy: string; readonly partitionBy: readonly string[] }
  | {
      readonly action: 'lookup';
      readonly dataset: string;
      readonly keys: readonly PlannedKey[];
      readonly value: string;
    };

export interface PlannedColumn {
  /** Its position in `config.columns`. */
  readonly index: number;
  readonly column: string;
  readonly steps: readonly PlannedStep[];
  /** The column's type after its steps. */
  readonly type: string;
  readonly nulls?: PlannedNulls;
}

export interface PlannedLookup {
  readonly index: number;
  readonly id: string;
  readonly dataset: string;
  readonly keys: readonly PlannedKey[];
  readonly columns: ReadonlyArray<{ readonly column: string; readonly as: string }>;
  readonly join: 'left' | 'inner';
  readonly onNoMatch: 'keep_null' | 'quarantine' | 'fail';
}

export interface PlannedDedupe {
  readonly id: string;
  readonly key: readonly string[];
  readonly keep: 'first' | 'last' | 'latest_by' | 'reject_all';
  readonly orderBy?: string;
}

/** The config resolved against the inputs' columns: real column names, types, rule ids. */
export interface CleansePlan {
  readonly input: string;
  readonly inputColumns: readonly OperatorColumn[];
  readonly columns: readonly PlannedColumn[];
  readonly lookups: readonly PlannedLookup[];
  readonly dedupe?: PlannedDedupe;
  /** The output's columns: the input's, then the lookups'. */
  readonly outputColumns: readonly string[];
  readonly businessKey?: readonly string[];
  readonly partitionBy?: readonly string[];
}

/** Resolves the config against the columns of the input and of the reference datasets, refusing what cannot run. */
export function planCleanse(
  job: string,
  config: CleanseSettings,
  input: string,
  columnsOf: ReadonlyMap<string, readonly OperatorColumn[]>,
): CleansePlan {
  const inputColumns = columnsOf.get(input)!;
  const reserved = inputColumns.find((c) => RESERVED.has(c.name) || c.name.toLowerCase().startsWith(INTERNAL_PREFIX));
  if (reserved !== undefined) {
    throw new InputError(
      `Job "${job}": ${input} has a column "${reserved.name}", a name the cleanse operator keeps for itself ` +
        `(_rule, _reason, _column, ${INTERNAL_PREFIX}…); rename it upstream`,
      { code: 'CLEANSE_COLUMN_RESERVED', details: { job, dataset: input, column: reserved.name } },
    );
  }
  const rules = new RuleIds();
  const find = finder(job, columnsOf);
  const types = new Map(inputColumns.map((c) => [c.name, c.type]));
  const seen = new Map<string, number>();
  // Steps first, so that null handling (lookup keys) sees every column's standardized type.
  const standardized = config.columns.map((rule, index): PlannedColumn => {
    const path = `config.columns[${index}]`;
    const column = find(input, rule.column, `${path}.column`).name;
    if (seen.has(column)) {
      throw configError(job, `${path}.column`, `repeats column "${column}" of config.columns[${seen.get(column)!}]`);
    }
    seen.set(column, index);
    return planColumn(job, rule, index, column, types, rules);
  });
  const columns = standardized.map((planned, index): PlannedColumn => {
    const rule = config.columns[index]!;
    if (rule.nulls === undefined) return planned;
    return { ...planned, nulls: planNulls(rule, index, planned, input, find, types, rules) };
  });
  const lookups = config.lookups.map((lookup, index) => planLookup(job, lookup, index, input, find, types, rules));
  const output = [...types.keys()];
  const available = (path: string, name: string): string => {
    const found = output.find((c) => c === name) ?? output.find((c) => c.toLowerCase() === name.toLowerCase());
    if (found === undefined) throw missingColumn(job, path, name, `the cleansed rows of ${input}`, output);
    return found;
  };
  const businessKey = config.businessKey?.map((name, i) => available(`config.businessKey[${i}]`, name));
  const dedupe = planDedupe(job, config, businessKey, available, rules);
  if (config.write.mode === 'merge' && businessKey === undefined) {
    throw configError(job, 'config.businessKey', 'is required for write mode merge (the columns a merge upserts by)');
  }
  const partitionBy = config.write.partitionBy?.map((name, i) => available(`config.write.partitionBy[${i}]`, name));
  return {
    input,
    inputColumns,
    columns,
    lookups,
    ...(dedupe === undefined ? {} : { dedupe }),
    outputColumns: output,
    ...(businessKey === undefined ? {} : { businessKey }),
    ...(partitionBy === undefined ? {} : { partitionBy }),
  };
}

type Finder = (dataset: string, name: string, path: string) => OperatorColumn;

/** Finds a column by name as DuckDB does (exact first, then ignoring case), or throws `CLEANSE_COLUMN_MISSING`. */
function finder(job: string, columnsOf: ReadonlyMap<string, readonly OperatorColumn[]>): Finder {
  return (dataset, name, path) => {
    const columns = columnsOf.get(dataset)!;
    const found =
      columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (found !== undefined) return found;
    throw missingColumn(
      job,
      path,
      name,
      dataset,
      columns.map((c) => c.name),
    );
  };
}

function planColumn(
  job: string,
  rule: ColumnRuleSettings,
  index: number,
  column: string,
  types: Map<string, string>,
  rules: RuleIds,
): PlannedColumn {
  let type = types.get(column)!;
  const steps = (rule.steps ?? []).map((step, s): PlannedStep => {
    const path = `config.columns[${index}].steps[${s}]`;
    if (step.op === 'phone_digits' && (step.minDigits ?? 0) > (step.maxDigits ?? Infinity)) {
      throw configError(job, `${path}.minDigits`, `(${step.minDigits}) is greater than maxDigits (${step.maxDigits})`);
    }
    if (step.op === 'currency' && (step.precision ?? 18) < (step.scale ?? 2)) {
      throw configError(job, `${path}.precision`, `(${step.precision ?? 18}) is less than scale (${step.scale ?? 2})`);
    }
    const sql = stepSql(step, quoteIdentifier(column), type, column);
    type = sql.type;
    return sql.rejectWhen === undefined
      ? { step, sql }
      : { step, sql, rule: rules.take(`cleanse.${column}.${step.op}`) };
  });
  types.set(column, type);
  return { index, column, steps, type };
}

function planNulls(
  rule: ColumnRuleSettings,
  index: number,
  planned: PlannedColumn,
  input: string,
  find: Finder,
  types: ReadonlyMap<string, string>,
  rules: RuleIds,
): PlannedNulls {
  const nulls = rule.nulls!;
  const path = `config.columns[${index}].nulls`;
  switch (nulls.action) {
    case 'reject':
      return { action: 'reject', rule: rules.take(`cleanse.${planned.column}.null`) };
    case 'default':
      return { action: 'default', value: `CAST(${valueLiteral(nulls.value)} AS ${planned.type})` };
    case 'forward_fill':
      return {
        action: 'forward_fill',
        orderBy: find(input, nulls.orderBy, `${path}.orderBy`).name,
        partitionBy: (nulls.partitionBy ?? []).map((name, i) => find(input, name, `${path}.partitionBy[${i}]`).name),
      };
    case 'lookup': {
      const keys = planKeys(nulls.keys, `${path}.keys`, input, nulls.dataset, find, types);
      return {
        action: 'lookup',
        dataset: nulls.dataset,
        keys,
        value: find(nulls.dataset, nulls.value, `${path}.value`).name,
      };
    }
  }
}

function planKeys(
  keys: readonly JoinKeySettings[],
  path: string,
  input: string,
  dataset: string,
  find: Finder,
  types: ReadonlyMap<string, string>,
  outputFind?: (path: string, name: string) => string,
): PlannedKey[] {
  return keys.map((key, k) => {
    const column =
      outputFind?.(`${path}[${k}].column`, key.column) ?? find(input, key.column, `${path}[${k}].column`).name;
    const reference = find(dataset, key.referenceColumn ?? key.column, `${path}[${k}].referenceColumn`);
    return { column, type: types.get(column)!, referenceColumn: reference.name, referenceType: reference.type };
  });
}

function planLookup(
  job: string,
  lookup: LookupSettings,
  index: number,
  input: string,
  find: Finder,
  types: Map<string, string>,
  rules: RuleIds,
): PlannedLookup {
  const path = `config.lookups[${index}]`;
  const join = lookup.join ?? 'left';
  const onNoMatch = lookup.onNoMatch ?? 'keep_null';
  if (join === 'inner' && onNoMatch !== 'keep_null') {
    throw configError(
      job,
      `${path}.onNoMatch`,
      `(${onNoMatch}) applies to join left only: an inner join drops the rows`,
    );
  }
  const current = [...types.keys()];
  const inOutput = (p: string, name: string): string => {
    const found = current.find((c) => c === name) ?? current.find((c) => c.toLowerCase() === name.toLowerCase());
    if (found === undefined) throw missingColumn(job, p, name, `the rows of ${input} (with earlier lookups)`, current);
    return found;
  };
  const keys = planKeys(lookup.keys, `${path}.keys`, input, lookup.dataset, find, types, inOutput);
  const columns = lookup.columns.map((returned, c) => {
    const column = find(lookup.dataset, returned.column, `${path}.columns[${c}].column`);
    const as = returned.as ?? column.name;
    const clash = [...types.keys()].find((name) => name.toLowerCase() === as.toLowerCase());
    if (clash !== undefined || as.toLowerCase().startsWith(INTERNAL_PREFIX) || RESERVED.has(as.toLowerCase())) {
      throw new InputError(
        `Job "${job}": ${path}.columns[${c}] would add column "${as}", but ` +
          (clash === undefined ? 'the operator keeps that name for itself' : `the rows already have "${clash}"`) +
          '; give it another name with "as"',
        { code: 'CLEANSE_COLUMN_CONFLICT', details: { job, path: `${path}.columns[${c}]`, column: as } },
      );
    }
    types.set(as, column.type);
    return { column: column.name, as };
  });
  const id = rules.take(`cleanse.${keys.map((k) => k.column).join(',')}.lookup`);
  return { index, id, dataset: lookup.dataset, keys, columns, join, onNoMatch };
}

function planDedupe(
  job: string,
  config: CleanseSettings,
  businessKey: readonly string[] | undefined,
  available: (path: string, name: string) => string,
  rules: RuleIds,
): PlannedDedupe | undefined {
  const dedupe = config.dedupe;
  if (dedupe === undefined) return undefined;
  if (businessKey === undefined) throw configError(job, 'config.businessKey', 'is required for dedupe');
  if (dedupe.keep === 'latest_by' && dedupe.orderBy === undefined) {
    throw configError(job, 'config.dedupe.orderBy', 'is required for keep latest_by (the column whose greatest wins)');
  }
  if (dedupe.keep === 'reject_all' && dedupe.orderBy !== undefined) {
    throw configError(job, 'config.dedupe.orderBy', 'does not apply to keep reject_all');
  }
  const orderBy = dedupe.orderBy === undefined ? undefined : available('config.dedupe.orderBy', dedupe.orderBy);
  return {
    id: rules.take(`cleanse.${businessKey.join(',')}.dedupe`),
    key: businessKey,
    keep: dedupe.keep,
    ...(orderBy === undefined ? {} : { orderBy }),
  };
}

/** Rule ids, unique within a job: a second `cleanse.email.regex_validate` is `cleanse.email.regex_validate_2`. */
class RuleIds {
  readonly #taken = new Set<string>();
  take(id: string): string {
    let unique = id;
    for (let n = 2; this.#taken.has(unique); n++) unique = `${id}_${n}`;
    this.#taken.add(unique);
    return unique;
  }
}
