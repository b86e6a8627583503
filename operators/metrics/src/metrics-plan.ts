import { InputError, type OperatorColumn, subquery, quoteIdentifier } from '@assay/sdk';
import { typeKind } from './column-types.ts';
import type { Grain, MeasureSettings, MetricsSettings } from './metrics-config.ts';
import { periodExpression, type TimeKind } from './period-sql.ts';

/** A measure as SQL: its output name and its aggregate expression over the input's columns. */
export interface PlannedMeasure {
  readonly name: string;
  readonly sql: string;
}

/** The config checked against the input's columns, ready to become SQL. */
export interface MetricsPlan {
  readonly grain: Grain;
  readonly fiscalYearStartMonth: number;
  /** The input's time column, quoted. */
  readonly timeColumn: string;
  readonly timeKind: TimeKind;
  /** The period (a DATE: its first day) of a row, over the input's columns. */
  readonly period: string;
  readonly periodColumn: string;
  /** The dimension columns as the input names them. */
  readonly dimensions: readonly string[];
  readonly measures: readonly PlannedMeasure[];
  /** The predicates rows must satisfy: the time column is set, and every configured filter holds. */
  readonly where: readonly string[];
}

const NEEDS_COLUMN = new Set(['sum', 'avg', 'min', 'max', 'count_distinct']);
/** Aggregations that are meaningful only over numbers (min and max also take dates and timestamps). */
const NUMERIC_ONLY = new Set(['sum', 'avg']);
const ORDERED = new Set(['min', 'max']);

/**
 * Checks the config against the input's columns: every column exists, measures fit their column's type, the
 * time column is a date or timestamp, and no two output columns share a name. Throws `InputError` with the config
 * path: `METRICS_COLUMN_MISSING`, `METRICS_MEASURE_NOT_NUMERIC`, `METRICS_TIME_COLUMN_INVALID`,
 * `METRICS_TIME_ZONE_NOT_APPLICABLE`, `METRICS_NAME_CONFLICT`, or `JOB_CONFIG_INVALID` for fields that do not fit
 * together.
 */
export function planMetrics(config: MetricsSettings, dataset: string, columns: readonly OperatorColumn[]): MetricsPlan {
  const find = columnFinder(dataset, columns);
  const { time } = config;
  const timeColumn = find(time.column, 'config.time.column');
  const timeKind = typeKind(timeColumn.type);
  if (timeKind !== 'date' && timeKind !== 'timestamp' && timeKind !== 'timestamptz') {
    throw new InputError(
      `config.time.column: "${timeColumn.name}" of ${dataset} is ${timeColumn.type}; the time column must be a ` +
        'DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE (cast it in an upstream job)',
      {
        code: 'METRICS_TIME_COLUMN_INVALID',
        details: { path: 'config.time.column', column: timeColumn.name, type: timeColumn.type },
      },
    );
  }
  if (time.timeZone !== undefined && timeKind === 'date') {
    throw new InputError(
      `config.time.timeZone: "${timeColumn.name}" is a DATE, which has no time of day to convert; remove the ` +
        'time zone or use a timestamp column',
      { code: 'METRICS_TIME_ZONE_NOT_APPLICABLE', details: { path: 'config.time.timeZone', column: timeColumn.name } },
    );
  }
  if (time.fiscalYearStartMonth !== undefined && time.grain !== 'quarter' && time.grain !== 'year') {
    throw configError('config.time.fiscalYearStartMonth', `applies to the quarter and year grains, not ${time.grain}`);
  }
  const dimensions = config.dimensions.map((name, i) => find(name, `config.dimensions[${i}]`).name);
  const measures = planMeasures(config.measures, find);
  assertUniqueNames([
    { name: time.periodColumn, path: 'config.time.periodColumn' },
    ...dimensions.map((name, i) => ({ name, path: `config.dimensions[${i}]` })),
    ...measures.map((m, i) => ({ name: m.name, path: `config.measures[${i}].name` })),
  ]);
  const fiscalYearStartMonth = time.fiscalYearStartMonth ?? 1;
  const quoted = quoteIdentifier(timeColumn.name);
  return {
    grain: time.grain,
    fiscalYearStartMonth,
    timeColumn: quoted,
    timeKind,
    period: periodExpression({
      column: quoted,
      kind: timeKind,
      grain: time.grain,
      fiscalYearStartMonth,
      timeZone: time.timeZone,
    }),
    periodColumn: time.periodColumn,
    dimensions,
    measures,
    where: [`${quoted} IS NOT NULL`, ...config.filters.map((filter) => subquery(filter))],
  };
}

type Find = (name: string, path: string) => OperatorColumn;

function planMeasures(measures: readonly MeasureSettings[], find: Find): PlannedMeasure[] {
  const byName = new Map(measures.map((m, i) => [m.name.toLowerCase(), { measure: m, index: i }]));
  const aggregate = (m: MeasureSettings, i: number): string => {
    const path = `config.measures[${i}]`;
    assertFields(m, path);
    if (m.type === 'expression') return subquery(m.sql!);
    if (m.type === 'ratio') {
      const part = (field: 'numerator' | 'denominator'): string => {
        const target = byName.get(m[field]!.toLowerCase());
        if (target === undefined || target.measure.type === 'ratio') {
          throw configError(
            `${path}.${field}`,
            `"${m[field]!}" is not the name of another measure (a sum, count, count_distinct, avg, min, max or ` +
              `expression): the measures are ${measures.map((x) => x.name).join(', ')}`,
          );
        }
        return aggregate(target.measure, target.index);
      };
      return `CAST(${part('numerator')} AS DOUBLE) / NULLIF(CAST(${part('denominator')} AS DOUBLE), 0)`;
    }
    const filter = m.filter === undefined ? '' : ` FILTER (WHERE ${subquery(m.filter)})`;
    if (m.column === undefined) return `count(*)${filter}`;
    const column = find(m.column, `${path}.column`);
    assertColumnFits(m, column, `${path}.column`);
    const name = quoteIdentifier(column.name);
    const call = m.type === 'count_distinct' ? `count(DISTINCT ${name})` : `${m.type}(${name})`;
    return `${call}${filter}`;
  };
  return measures.map((m, i) => ({ name: m.name, sql: aggregate(m, i) }));
}

/** Refuses fields of other measure types, and missing required ones. */
function assertFields(m: MeasureSettings, path: string): void {
  const allowed: Record<string, readonly string[]> = {
    ratio: ['numerator', 'denominator'],
    expression: ['sql'],
    count: ['column', 'filter'],
  };
  const fields = allowed[m.type] ?? ['column', 'filter'];
  for (const field of ['column', 'numerator', 'denominator', 'sql', 'filter'] as const) {
    if (m[field] !== undefined && !fields.includes(field)) {
      throw configError(`${path}.${field}`, `does not apply to a ${m.type} measure`);
    }
  }
  const required = m.type === 'ratio' ? ['numerator', 'denominator'] : m.type === 'expression' ? ['sql'] : [];
  if (NEEDS_COLUMN.has(m.type)) required.push('column');
  for (const field of required) {
    if (m[field as keyof MeasureSettings] === undefined) {
      throw configError(`${path}.${field}`, `is required for a ${m.type} measure`);
    }
  }
}

function assertColumnFits(m: MeasureSettings, column: OperatorColumn, path: string): void {
  const kind = typeKind(column.type);
  const fits = NUMERIC_ONLY.has(m.type) ? kind === 'numeric' : ORDERED.has(m.type) ? kind !== 'other' : true;
  if (fits) return;
  const wanted = ORDERED.has(m.type) ? 'a number, date or timestamp' : 'a number';
  throw new InputError(
    `${path}: measure "${m.name}" takes the ${m.type} of "${column.name}", which is ${column.type}, not ${wanted}; ` +
      'pick a numeric column, cast it in an upstream job, or write the measure as an expression',
    {
      code: 'METRICS_MEASURE_NOT_NUMERIC',
      details: { path, measure: m.name, column: column.name, type: column.type },
    },
  );
}

function columnFinder(dataset: string, columns: readonly OperatorColumn[]): Find {
  return (name, path) => {
    const column =
      columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (column === undefined) {
      throw new InputError(
        `${path}: ${dataset} has no column "${name}" (it has ${columns.map((c) => c.name).join(', ')})`,
        { code: 'METRICS_COLUMN_MISSING', details: { path, column: name, dataset } },
      );
    }
    return column;
  };
}

function assertUniqueNames(names: ReadonlyArray<{ name: string; path: string }>): void {
  const seen = new Map<string, string>();
  for (const { name, path } of names) {
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      throw new InputError(
        `${path}: the output would have two columns named "${name}" (${earlier} is one): rename one of them`,
        { code: 'METRICS_NAME_CONFLICT', details: { path, column: name, other: earlier } },
      );
    }
    seen.set(name.toLowerCase(), path);
  }
}

/** A config whose fields do not fit together: the same code the executor uses for schema violations. */
export function configError(path: string, problem: string): InputError {
  return new InputError(`${path} ${problem}`, { code: 'JOB_CONFIG_INVALID', details: { path } });
}
