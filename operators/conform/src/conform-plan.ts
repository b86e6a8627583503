import { InputError, type OperatorColumn, isSqlTypeName, quoteIdentifier } from '@assay/sdk';
import type { ConformSettings } from './conform-config.ts';

/** Internal column names start with this; target columns may not. */
export const RESERVED_PREFIX = '__assay_';

/** One source as the SQL reads it: a SQL value per target column, in the order of `columns`. */
export interface SourcePlan {
  readonly index: number;
  readonly dataset: string;
  readonly system: string;
  /** 0 is the most trusted. */
  readonly priority: number;
  readonly where: string | undefined;
  /** Per target column: a quoted source column, a parenthesised expression, or NULL. */
  readonly values: readonly string[];
}

/** The config checked against the inputs' columns: everything the SQL needs, nothing left to guess. */
export interface ConformPlan {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** The key's columns as they appear in the unioned rows (the system column becomes `__assay_system`). */
  readonly keyRefs: readonly string[];
  /** Indexes into `columns` of the key's target columns (not the system column). */
  readonly keyColumns: readonly number[];
  readonly sources: readonly SourcePlan[];
  readonly strategy: 'priority' | 'latest';
  /** Index into `columns` of the updatedAt column, for `latest`. */
  readonly updatedAt: number | undefined;
  readonly merge: 'row' | 'attributes';
  readonly sourceSystemColumn: string | undefined;
  readonly winnerColumn: string;
  /** Attribute merges only. */
  readonly columnWinners: string | undefined;
  /** The output's merge key: the configured key's names. */
  readonly key: readonly string[];
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

const lower = (name: string) => name.toLowerCase();

/**
 * Checks the config against the job's inputs and the columns each source has (DuckDB resolves names without regard
 * to case, and so does this check) and returns the plan the SQL is built from. Throws `InputError`s naming the
 * config path.
 */
export function planConform(
  config: ConformSettings,
  inputs: readonly string[],
  described: ReadonlyMap<string, readonly OperatorColumn[]>,
): ConformPlan {
  const columns = config.columns.map((column, index) => {
    const path = `config.columns[${index}]`;
    if (lower(column.name).startsWith(RESERVED_PREFIX)) {
      throw configProblem('CONFORM_COLUMN_RESERVED', `${path}.name`, `"${column.name}" starts with ${RESERVED_PREFIX}`);
    }
    if (!isSqlTypeName(column.type)) {
      throw configProblem('CONFORM_TYPE_INVALID', `${path}.type`, `"${column.type}" is not a DuckDB type name`, {
        type: column.type,
      });
    }
    return { name: column.name, type: column.type.trim() };
  });
  const columnIndex = new Map<string, number>();
  columns.forEach((column, index) => {
    if (columnIndex.has(lower(column.name))) {
      throw configProblem('CONFORM_COLUMN_DUPLICATE', `config.columns[${index}].name`, `repeats "${column.name}"`);
    }
    columnIndex.set(lower(column.name), index);
  });

  const systemColumn = config.sourceSystemColumn;
  const lineage = [
    ['config.sourceSystemColumn', systemColumn],
    ['config.lineage.winnerColumn', config.lineage.winnerColumn],
    ['config.lineage.columnWinners', config.resolution.merge === 'attributes' ? columnWinnersOf(config) : undefined],
  ] as const;
  const taken = new Set(columnIndex.keys());
  for (const [path, name] of lineage) {
    if (name === undefined) continue;
    if (taken.has(lower(name)) || lower(name).startsWith(RESERVED_PREFIX)) {
      throw configProblem(
        'CONFORM_COLUMN_CONFLICT',
        path,
        `"${name}" is already an output column (or reserved): give it another name`,
      );
    }
    taken.add(lower(name));
  }
  if (config.resolution.merge === 'row' && config.lineage.columnWinners !== undefined) {
    throw configProblem(
      'JOB_CONFIG_INVALID',
      'config.lineage.columnWinners',
      'applies to resolution.merge attributes only',
    );
  }

  const keyColumns: number[] = [];
  const keyRefs = config.key.map((name, index) => {
    if (systemColumn !== undefined && lower(name) === lower(systemColumn))
      return quoteIdentifier(`${RESERVED_PREFIX}system`);
    const column = columnIndex.get(lower(name));
    if (column === undefined) {
      throw configProblem('CONFORM_KEY_UNKNOWN', `config.key[${index}]`, `"${name}" is not one of config.columns`, {
        columns: columns.map((c) => c.name),
      });
    }
    if (keyColumns.includes(column))
      throw configProblem('CONFORM_KEY_UNKNOWN', `config.key[${index}]`, `repeats "${name}"`);
    keyColumns.push(column);
    return quoteIdentifier(columns[column]!.name);
  });
  if (config.resolution.merge === 'attributes' && keyColumns.length === columns.length) {
    throw configProblem(
      'JOB_CONFIG_INVALID',
      'config.resolution.merge',
      'is attributes, but every column is in the key: there is nothing to merge',
    );
  }

  let updatedAt: number | undefined;
  if (config.resolution.strategy === 'latest') {
    updatedAt = columnIndex.get(lower(config.resolution.updatedAt));
    if (updatedAt === undefined) {
      throw configProblem(
        'CONFORM_UPDATED_AT_UNKNOWN',
        'config.resolution.updatedAt',
        `"${config.resolution.updatedAt}" is not one of config.columns (strategy latest orders by it)`,
        { columns: columns.map((c) => c.name) },
      );
    }
  }

  const systems = config.sources.map(
    (source) => source.system ?? source.dataset.slice(source.dataset.indexOf('.') + 1),
  );
  systems.forEach((system, index) => {
    if (systems.indexOf(system) !== index) {
      throw configProblem(
        'CONFORM_SOURCE_DUPLICATE',
        `config.sources[${index}]`,
        `has the system name "${system}" of config.sources[${systems.indexOf(system)}]: give each source its own system`,
      );
    }
  });
  const priorities = priorityOrder(config, systems);

  const sources = config.sources.map((source, index): SourcePlan => {
    const path = `config.sources[${index}]`;
    if (!inputs.includes(source.dataset)) {
      throw configProblem(
        'CONFORM_SOURCE_NOT_INPUT',
        `${path}.dataset`,
        `"${source.dataset}" is not one of the job's inputs`,
        {
          inputs: [...inputs],
        },
      );
    }
    const available = described.get(source.dataset) ?? [];
    const sourceColumn = new Map(available.map((column) => [lower(column.name), column.name]));
    const mapped = new Map<number, string>();
    const target = (kind: 'columns' | 'expressions', name: string) => {
      const column = columnIndex.get(lower(name));
      if (column === undefined) {
        throw configProblem(
          'CONFORM_TARGET_UNKNOWN',
          `${path}.${kind}.${name}`,
          `maps "${name}", which is not one of config.columns`,
          {
            columns: columns.map((c) => c.name),
          },
        );
      }
      if (mapped.has(column)) {
        throw configProblem('CONFORM_MAPPING_CONFLICT', `${path}.${kind}.${name}`, `maps "${name}" a second time`);
      }
      return column;
    };
    for (const [name, from] of Object.entries(source.columns ?? {})) {
      const column = target('columns', name);
      const actual = sourceColumn.get(lower(from));
      if (actual === undefined) {
        throw configProblem(
          'CONFORM_COLUMN_MISSING',
          `${path}.columns.${name}`,
          `names "${from}", which ${source.dataset} does not have`,
          { dataset: source.dataset, column: from, available: available.map((c) => c.name) },
        );
      }
      mapped.set(column, quoteIdentifier(actual));
    }
    for (const [name, expression] of Object.entries(source.expressions ?? {})) {
      mapped.set(target('expressions', name), `(${expression}\n)`);
    }
    const values = columns.map((column, j) => {
      const explicit = mapped.get(j);
      if (explicit !== undefined) return explicit;
      const same = sourceColumn.get(lower(column.name));
      return same === undefined ? 'NULL' : quoteIdentifier(same);
    });
    for (const [j, name] of [
      ...keyColumns.map((k) => [k, 'key'] as const),
      ...(updatedAt === undefined ? [] : [[updatedAt, 'updatedAt'] as const]),
    ]) {
      if (values[j] === 'NULL') {
        const code = name === 'key' ? 'CONFORM_KEY_UNMAPPED' : 'CONFORM_UPDATED_AT_UNMAPPED';
        throw configProblem(
          code,
          `${path}.columns.${columns[j]!.name}`,
          `gives no value for "${columns[j]!.name}" (${name === 'key' ? 'a key column' : 'resolution.updatedAt'}): ` +
            `map it from a column of ${source.dataset} or an expression`,
          { dataset: source.dataset, column: columns[j]!.name, available: available.map((c) => c.name) },
        );
      }
    }
    return {
      index,
      dataset: source.dataset,
      system: systems[index]!,
      priority: priorities[index]!,
      where: source.where,
      values,
    };
  });
  const unused = inputs.filter((input) => !config.sources.some((source) => source.dataset === input));
  if (unused.length > 0) {
    throw configProblem(
      'CONFORM_INPUT_UNUSED',
      'config.sources',
      `map every input: ${unused.join(', ')} is not a source`,
      {
        inputs: unused,
      },
    );
  }

  return {
    columns,
    keyRefs,
    keyColumns,
    sources,
    strategy: config.resolution.strategy,
    updatedAt,
    merge: config.resolution.merge,
    sourceSystemColumn: systemColumn,
    winnerColumn: config.lineage.winnerColumn,
    columnWinners: config.resolution.merge === 'attributes' ? columnWinnersOf(config) : undefined,
    key: config.key,
  };
}

function columnWinnersOf(config: ConformSettings): string {
  return config.lineage.columnWinners ?? '_column_winners';
}

/** Each source's rank (0 most trusted): the priority list's order, or the sources' order without one. */
function priorityOrder(config: ConformSettings, systems: readonly string[]): number[] {
  const priority = config.resolution.priority;
  if (priority === undefined) return systems.map((_, index) => index);
  priority.forEach((system, index) => {
    const path = `config.resolution.priority[${index}]`;
    if (!systems.includes(system)) {
      throw configProblem('CONFORM_PRIORITY_INVALID', path, `"${system}" is not a source system`, {
        systems: [...systems],
      });
    }
    if (priority.indexOf(system) !== index)
      throw configProblem('CONFORM_PRIORITY_INVALID', path, `repeats "${system}"`);
  });
  const missing = systems.filter((system) => !priority.includes(system));
  if (missing.length > 0) {
    throw configProblem(
      'CONFORM_PRIORITY_INVALID',
      'config.resolution.priority',
      `must list every source system once; it lacks ${missing.join(', ')}`,
      { systems: [...systems] },
    );
  }
  return systems.map((system) => priority.indexOf(system));
}
