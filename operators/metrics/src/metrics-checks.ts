import {
  AssayError,
  InputError,
  type OperatorColumn,
  type OperatorEngine,
  subquery,
  quoteLiteral,
  quoteRelation,
} from '@assay/sdk';
import type { MetricsSettings } from './metrics-config.ts';

/**
 * Checks the SQL the config holds against the input before anything runs, each piece on its own so an error names
 * its field: filters and measure filters must be conditions, expressions aggregates; the time zone must be one the
 * engine knows. DuckDB's parse and bind errors become `SQL_INVALID` (`details.path`), an unknown zone
 * `METRICS_TIME_ZONE_INVALID`.
 */
export async function checkConfigSql(engine: OperatorEngine, config: MetricsSettings, dataset: string): Promise<void> {
  const from = quoteRelation(dataset);
  const { timeZone } = config.time;
  if (timeZone !== undefined) {
    try {
      await engine.query(`SELECT timezone(${quoteLiteral(timeZone)}, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t`);
    } catch (error) {
      if (!(error instanceof AssayError) || error.code !== 'SQL_ERROR') throw error;
      throw new InputError(`config.time.timeZone: ${error.message}`, {
        code: 'METRICS_TIME_ZONE_INVALID',
        cause: error,
        details: { path: 'config.time.timeZone', timeZone },
      });
    }
  }
  const conditions = [
    ...config.filters.map((sql, i) => ({ sql, path: `config.filters[${i}]` })),
    ...config.measures.flatMap((m, i) =>
      m.filter === undefined ? [] : [{ sql: m.filter, path: `config.measures[${i}].filter` }],
    ),
  ];
  for (const { sql, path } of conditions) {
    const [column] = await described(engine, `SELECT ${subquery(sql)} AS condition FROM ${from}`, path);
    if (column !== undefined && column.type !== 'BOOLEAN') {
      throw new InputError(`${path} is not a condition: it is ${column.type}, where a BOOLEAN is needed`, {
        code: 'SQL_INVALID',
        details: { path, type: column.type },
      });
    }
  }
  for (const [i, m] of config.measures.entries()) {
    if (m.type !== 'expression' || m.sql === undefined) continue;
    // Grouped by nothing, a bare column is an error: the expression must aggregate the rows of a group.
    await described(
      engine,
      `SELECT ${subquery(m.sql)} AS measure FROM ${from} GROUP BY ()`,
      `config.measures[${i}].sql`,
    );
  }
}

/** Describes SQL built from a config field; DuckDB's parse and bind errors become `SQL_INVALID` naming the field. */
export async function described(engine: OperatorEngine, sql: string, path: string): Promise<OperatorColumn[]> {
  try {
    return await engine.describe(sql);
  } catch (error) {
    if (error instanceof AssayError && (error.code === 'SQL_ERROR' || error.code === 'SQL_INVALID')) {
      const message = error.message.replace(/^SQL is invalid: /, '');
      throw new InputError(`${path} is invalid: ${message}`, {
        code: 'SQL_INVALID',
        cause: error,
        details: { ...error.details, path },
      });
    }
    throw error;
  }
}
