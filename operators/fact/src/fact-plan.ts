import {
  InputError,
  type OperatorColumn,
  type OperatorPartition,
  isSqlTypeName,
  quoteIdentifier,
  quoteLiteral,
} from '@assay/sdk';
import type { DimensionSettings, FactSettings } from './fact-config.ts';

const TEMPORAL = /^(DATE|TIMESTAMP.*)$/i;
const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/i;

/** One dimension lookup, every name resolved to the columns as they are. */
export interface DimensionPlan {
  readonly index: number;
  readonly name: string;
  readonly dataset: string;
  /** Source columns, matched pairwise with `businessKey`. */
  readonly sourceKey: readonly string[];
  readonly businessKey: readonly string[];
  readonly surrogateKey: string;
  readonly surrogateType: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly inclusive: boolean;
  /** The source column looked up at. */
  readonly eventTime: string;
  readonly onUnknown: 'unknown_key' | 'quarantine' | 'fail';
  /** SQL: the unknown key cast to the surrogate key's type. */
  readonly unknownKey: string;
  /** SQL: the unknown key as configured (a number or a string literal). */
  readonly unknownLiteral: string;
  readonly unknownKeyValue: string | number;
}

/** An output column and the SQL computing it from the source row (`"__assay_s"`) and the lookups. */
export interface OutputColumn {
  readonly name: string;
  readonly sql: string;
}

/** The config checked against the inputs' columns. */
export interface FactPlan {
  readonly source: string;
  readonly sourceColumns: readonly string[];
  readonly dimensions: readonly DimensionPlan[];
  /** Attributes, then dimension keys, then measures; the computed partition column first when there is one. */
  readonly outputs: readonly OutputColumn[];
  /** Indexes into `outputs`. */
  readonly grain: readonly number[];
  /** Measures cast from their column: checked for values that do not cast. */
  readonly casts: ReadonlyArray<{
    readonly index: number;
    readonly measure: string;
    readonly column: string;
    readonly type: string;
  }>;
  /** The output's partition column, and the SQL of its value over the source row. */
  readonly partition: { readonly column: string; readonly sql: string } | undefined;
}

/** A user mistake in the config, at `path`: an `InputError` with a stable code. */
export function configProblem(
  code: string,
  path: string,
  message: string,
  details: Record<string, unknown> = {},
): InputError {
  return new InputError(`${path} ${message}`, { code, details: { path, ...details } });
}

export const SOURCE = quoteIdentifier('__assay_s');
export const dimensionAlias = (index: number) => quoteIdentifier(`__assay_d${index}`);

/** Columns of one dataset looked up without regard to case, as DuckDB resolves names. */
class Columns {
  readonly #byName: Map<string, OperatorColumn>;
  readonly dataset: string;
  readonly all: readonly OperatorColumn[];
  constructor(dataset: string, all: readonly OperatorColumn[]) {
    this.dataset = dataset;
    this.all = all;
    this.#byName = new Map(all.map((column) => [column.name.toLowerCase(), column]));
  }
  find(name: string): OperatorColumn | undefined {
    return this.#byName.get(name.toLowerCase());
  }
  /** The column, or `code` at `path` naming what the dataset has. */
  get(name: string, path: string, code: string): OperatorColumn {
    const column = this.find(name);
    if (column === undefined) {
      throw configProblem(code, path, `names "${name}", which ${this.dataset} does not have`, {
        dataset: this.dataset,
        column: name,
        available: this.all.map((c) => c.name),
      });
    }
    return column;
  }
}

/**
 * Checks the config against the job's inputs and their columns and returns the plan the SQL is built from.
 * `partition` is the run's partition in a backfill.
 */
export function planFact(
  config: FactSettings,
  inputs: readonly string[],
  described: ReadonlyMap<string, readonly OperatorColumn[]>,
  runPartition: OperatorPartition | undefined,
): FactPlan {
  if (!inputs.includes(config.source)) {
    throw configProblem('FACT_SOURCE_NOT_INPUT', 'config.source', `"${config.source}" is not one of the job's inputs`, {
      inputs: [...inputs],
    });
  }
  const source = new Columns(config.source, described.get(config.source) ?? []);
  const missing = 'FACT_COLUMN_MISSING';
  const eventTime = temporal(source.get(config.eventTime, 'config.eventTime', missing), 'config.eventTime', source);

  const names = new Map<string, string>();
  const outputs: OutputColumn[] = [];
  const add = (name: string, sql: string, path: string) => {
    const taken = names.get(name.toLowerCase());
    if (taken !== undefined) {
      throw configProblem('FACT_COLUMN_CONFLICT', path, `makes a second output column "${name}" (as ${taken} does)`);
    }
    names.set(name.toLowerCase(), path);
    outputs.push({ name, sql });
  };

  const attributes = (config.attributes ?? []).map((name, index) => {
    const path = `config.attributes[${index}]`;
    return { column: source.get(name, path, missing), path };
  });
  const partition = partitionOf(config, attributes, eventTime, runPartition?.column);
  if (partition !== undefined && !attributes.some(({ column }) => column.name === partition.column)) {
    add(partition.column, partition.sql, 'config.write.partitionColumn');
  }
  for (const { column, path } of attributes) add(column.name, `${SOURCE}.${quoteIdentifier(column.name)}`, path);

  const dimensions = config.dimensions.map((settings, index) =>
    planDimension(config, settings, index, inputs, described, source, eventTime),
  );
  dimensions.forEach((dimension) => {
    const other = dimensions.findIndex((d) => d.name === dimension.name);
    if (other !== dimension.index) {
      throw configProblem(
        'FACT_DIMENSION_DUPLICATE',
        `config.dimensions[${dimension.index}]`,
        `has the name "${dimension.name}" of config.dimensions[${other}]: set name to tell them apart`,
      );
    }
    const settings = config.dimensions[dimension.index]!;
    const alias = dimensionAlias(dimension.index);
    const key = `CASE WHEN ${alias}."__assay_hit" THEN ${alias}."__assay_sk" ELSE ${dimension.unknownKey} END`;
    add(settings.keyColumn ?? dimension.surrogateKey, key, `config.dimensions[${dimension.index}].keyColumn`);
  });

  const casts: Array<{ index: number; measure: string; column: string; type: string }> = [];
  (config.measures ?? []).forEach((measure, index) => {
    const path = `config.measures[${index}]`;
    const column = source.get(measure.column ?? measure.name, `${path}.column`, missing);
    const value = `${SOURCE}.${quoteIdentifier(column.name)}`;
    if (measure.type === undefined) {
      if (!NUMERIC.test(column.type)) {
        throw configProblem(
          'FACT_MEASURE_NOT_NUMERIC',
          `${path}.column`,
          `"${column.name}" is ${column.type}, not a number: give the measure a type to cast it to`,
          { column: column.name, type: column.type },
        );
      }
      add(measure.name, value, `${path}.name`);
      return;
    }
    const type = measure.type.trim();
    if (!isSqlTypeName(type)) {
      throw configProblem('FACT_TYPE_INVALID', `${path}.type`, `"${measure.type}" is not a DuckDB type name`);
    }
    casts.push({ index, measure: measure.name, column: column.name, type });
    add(measure.name, `CAST(${value} AS ${type})`, `${path}.name`);
  });

  const grain = config.grain.map((name, index) => {
    const found = outputs.findIndex((output) => output.name.toLowerCase() === name.toLowerCase());
    if (found < 0) {
      throw configProblem('FACT_GRAIN_COLUMN_UNKNOWN', `config.grain[${index}]`, `"${name}" is not an output column`, {
        columns: outputs.map((output) => output.name),
      });
    }
    return found;
  });

  const used = new Set([config.source, ...config.dimensions.map((d) => d.dataset)]);
  const unused = inputs.filter((input) => !used.has(input));
  if (unused.length > 0) {
    throw configProblem(
      'FACT_INPUT_UNUSED',
      'config.dimensions',
      `use every input: ${unused.join(', ')} is neither the source nor a dimension`,
      {
        inputs: unused,
      },
    );
  }
  return {
    source: config.source,
    sourceColumns: source.all.map((column) => column.name),
    dimensions,
    outputs,
    grain,
    casts,
    partition,
  };
}

/** The output's partition column: the configured one, or the backfill's; an attribute of type DATE, or computed. */
function partitionOf(
  config: FactSettings,
  attributes: ReadonlyArray<{ column: OperatorColumn; path: string }>,
  eventTime: OperatorColumn,
  runColumn: string | undefined,
): { column: string; sql: string } | undefined {
  const configured = config.write.partitionColumn;
  if (configured !== undefined && runColumn !== undefined && configured.toLowerCase() !== runColumn.toLowerCase()) {
    throw configProblem(
      'FACT_PARTITION_MISMATCH',
      'config.write.partitionColumn',
      `is "${configured}", but the job's partitions are by "${runColumn}": name the same column in both`,
    );
  }
  const column = configured ?? runColumn;
  if (column === undefined) {
    if (config.write.mode === 'overwrite_partitions') {
      throw configProblem(
        'JOB_CONFIG_INVALID',
        'config.write.partitionColumn',
        'is required for mode overwrite_partitions',
      );
    }
    return undefined;
  }
  const attribute = attributes.find((a) => a.column.name.toLowerCase() === column.toLowerCase());
  if (attribute === undefined) return { column, sql: `CAST(${SOURCE}.${quoteIdentifier(eventTime.name)} AS DATE)` };
  if (attribute.column.type !== 'DATE') {
    throw configProblem(
      'FACT_PARTITION_COLUMN_INVALID',
      'config.write.partitionColumn',
      `names the attribute "${attribute.column.name}", which is ${attribute.column.type}: partitions are by a DATE ` +
        '(name a column not among the attributes to get the event time’s date)',
    );
  }
  return { column: attribute.column.name, sql: `${SOURCE}.${quoteIdentifier(attribute.column.name)}` };
}

function temporal(column: OperatorColumn, path: string, of: Columns, code = 'FACT_EVENT_TIME_INVALID'): OperatorColumn {
  if (!TEMPORAL.test(column.type)) {
    throw configProblem(code, path, `"${column.name}" of ${of.dataset} is ${column.type}, not a DATE or TIMESTAMP`, {
      column: column.name,
      type: column.type,
    });
  }
  return column;
}

function planDimension(
  config: FactSettings,
  settings: DimensionSettings,
  index: number,
  inputs: readonly string[],
  described: ReadonlyMap<string, readonly OperatorColumn[]>,
  source: Columns,
  factTime: OperatorColumn,
): DimensionPlan {
  const path = `config.dimensions[${index}]`;
  if (!inputs.includes(settings.dataset)) {
    throw configProblem(
      'FACT_DIMENSION_NOT_INPUT',
      `${path}.dataset`,
      `"${settings.dataset}" is not one of the job's inputs`,
      {
        inputs: [...inputs],
      },
    );
  }
  const dimension = new Columns(settings.dataset, described.get(settings.dataset) ?? []);
  const validFrom = settings.validFrom ?? 'valid_from';
  const validTo = settings.validTo ?? 'valid_to';
  const scd2 = [validFrom, validTo].filter((name) => dimension.find(name) === undefined);
  if (scd2.length > 0) {
    throw configProblem(
      'FACT_DIMENSION_NOT_SCD2',
      `${path}.${dimension.find(validFrom) === undefined ? 'validFrom' : 'validTo'}`,
      `("${scd2[0]!}"): ${settings.dataset} has no ${scd2.map((n) => `"${n}"`).join(' or ')} column, so it is not an SCD2 dimension ` +
        '(name its validity columns in validFrom and validTo)',
      { dataset: settings.dataset, missing: scd2, available: dimension.all.map((c) => c.name) },
    );
  }
  const from = temporal(
    dimension.get(validFrom, `${path}.validFrom`, 'FACT_DIMENSION_NOT_SCD2'),
    `${path}.validFrom`,
    dimension,
    'FACT_DIMENSION_NOT_SCD2',
  );
  const to = temporal(
    dimension.get(validTo, `${path}.validTo`, 'FACT_DIMENSION_NOT_SCD2'),
    `${path}.validTo`,
    dimension,
    'FACT_DIMENSION_NOT_SCD2',
  );
  const dimensionMissing = 'FACT_DIMENSION_COLUMN_MISSING';
  const businessKey = settings.businessKey.map(
    (name, j) => dimension.get(name, `${path}.businessKey[${j}]`, dimensionMissing).name,
  );
  const sourceNames = settings.sourceKey ?? settings.businessKey;
  if (sourceNames.length !== businessKey.length) {
    throw configProblem(
      'FACT_KEY_MISMATCH',
      `${path}.sourceKey`,
      `has ${sourceNames.length} column(s) but businessKey has ${businessKey.length}: pair each business key column with a source column`,
    );
  }
  const sourceKey = sourceNames.map(
    (name, j) =>
      source.get(
        name,
        settings.sourceKey === undefined ? `${path}.businessKey[${j}]` : `${path}.sourceKey[${j}]`,
        'FACT_COLUMN_MISSING',
      ).name,
  );
  const surrogate = dimension.get(settings.surrogateKey, `${path}.surrogateKey`, dimensionMissing);
  const eventTime =
    settings.eventTime === undefined
      ? factTime
      : temporal(
          source.get(settings.eventTime, `${path}.eventTime`, 'FACT_COLUMN_MISSING'),
          `${path}.eventTime`,
          source,
        );
  const unknownKeyValue = settings.unknownKey ?? config.unknownKey ?? -1;
  const literal = typeof unknownKeyValue === 'number' ? String(unknownKeyValue) : quoteLiteral(unknownKeyValue);
  return {
    index,
    name: settings.name ?? settings.dataset.slice(settings.dataset.indexOf('.') + 1),
    dataset: settings.dataset,
    sourceKey,
    businessKey,
    surrogateKey: surrogate.name,
    surrogateType: surrogate.type,
    validFrom: from.name,
    validTo: to.name,
    inclusive: settings.validToInclusive ?? false,
    eventTime: eventTime.name,
    onUnknown: settings.onUnknown ?? config.onUnknown ?? 'unknown_key',
    unknownKey: `CAST(${literal} AS ${surrogate.type})`,
    unknownLiteral: literal,
    unknownKeyValue,
  };
}
