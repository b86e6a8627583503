import { InputError, type OperatorColumn, quoteIdentifier } from '@assay/sdk';
import type { CdcMergeSettings } from './cdc-merge-config.ts';

/** One position column as the operator orders by it. */
export interface PositionPart {
  readonly column: string;
  /** SQL over the change log's row giving the value compared (the column, or it cast). */
  readonly expr: string;
  /** The DuckDB type of `expr`, to cast a stored position back. */
  readonly type: string;
}

/** The change log's columns as the operator uses them, checked against the config. */
export interface ChangeLogShape {
  readonly dataset: string;
  readonly columns: readonly OperatorColumn[];
  readonly hasBefore: boolean;
  readonly hasKey: boolean;
  readonly positions: readonly PositionPart[];
  readonly eventTime: { readonly column: string; readonly type: string; readonly isTimestamp: boolean } | undefined;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/i;
const TEXT = /^(VARCHAR|TEXT|STRING)/i;

/**
 * Checks that the input is a change log the config fits: `op` and `after` columns (`CDC_CHANGE_LOG_INVALID`), the
 * position columns (`CDC_POSITION_COLUMN_MISSING`), the event time column (`CDC_EVENT_TIME_COLUMN_MISSING`), and a
 * `source_table` column when `sourceTable` is set.
 */
export function changeLogShape(
  dataset: string,
  columns: readonly OperatorColumn[],
  config: CdcMergeSettings,
): ChangeLogShape {
  const byName = new Map(columns.map((column) => [column.name, column]));
  const listed = columns.map((c) => c.name).join(', ');
  const required = ['op', 'after', ...(config.sourceTable === undefined ? [] : ['source_table'])];
  const lacking = required.filter((name) => !byName.has(name));
  if (lacking.length > 0) {
    throw new InputError(
      `${dataset} is not a change log of the CDC connectors: it lacks ${lacking.map((c) => `"${c}"`).join(', ')} ` +
        `(it has ${listed}). Ingest it with connector-debezium or connector-postgres-cdc`,
      { code: 'CDC_CHANGE_LOG_INVALID', details: { dataset, missing: lacking } },
    );
  }
  const positions = config.position.map((column, index): PositionPart => {
    const found = byName.get(column);
    if (found === undefined) {
      throw new InputError(
        `config.position[${index}]: ${dataset} has no column "${column}" (it has ${listed}); the CDC connectors ` +
          'write source_position',
        { code: 'CDC_POSITION_COLUMN_MISSING', details: { dataset, path: `config.position[${index}]`, column } },
      );
    }
    return positionPart(found, config.positionAs);
  });
  let eventTime: ChangeLogShape['eventTime'];
  if (config.eventTime !== null) {
    const found = byName.get(config.eventTime);
    if (found === undefined) {
      throw new InputError(
        `config.eventTime: ${dataset} has no column "${config.eventTime}" (it has ${listed}); set it to null to ` +
          'order by the position alone',
        {
          code: 'CDC_EVENT_TIME_COLUMN_MISSING',
          details: { dataset, path: 'config.eventTime', column: config.eventTime },
        },
      );
    }
    eventTime = { column: found.name, type: found.type, isTimestamp: /^(TIMESTAMP|DATE)/i.test(found.type) };
  }
  return { dataset, columns, hasBefore: byName.has('before'), hasKey: byName.has('key'), positions, eventTime };
}

function positionPart(column: OperatorColumn, as: CdcMergeSettings['positionAs']): PositionPart {
  const ref = quoteIdentifier(column.name);
  const numeric = NUMERIC.test(column.type);
  if (as === 'text' && !TEXT.test(column.type)) {
    return { column: column.name, expr: `CAST(${ref} AS VARCHAR)`, type: 'VARCHAR' };
  }
  if (as === 'number' && !numeric) {
    return { column: column.name, expr: `TRY_CAST(${ref} AS HUGEINT)`, type: 'HUGEINT' };
  }
  return { column: column.name, expr: ref, type: column.type };
}
