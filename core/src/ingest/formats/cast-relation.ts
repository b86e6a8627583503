import type { DuckDBConnection } from '@duckdb/node-api';
import { REJECTS_TABLE, type ItemRelation, type TargetColumn } from './item-relation.ts';
import { literal, quote } from './sql-names.ts';

/** A relation whose columns hold source values (text, JSON fields, typed Parquet/Arrow values) to be cast. */
export interface CastSource {
  /** A table or subquery to read from, aliased `src` by the caller's SQL. */
  readonly from: string;
  /** The SQL expression of each source column's value, by source column name. */
  value(column: string): string;
  /** The raw row text kept in quarantine. */
  readonly rawRow: string;
  /** The row's line or position in the source (1-based). */
  readonly line: string;
  /** Rows that are rejected before casting, with their error type and reason (invalid JSON, not an object). */
  readonly invalid?: { readonly condition: string; readonly errorType: string; readonly reason: string };
  /** The source type of a column, when known: no cast check is needed when it equals the target type. */
  typeOf?(column: string): string | undefined;
}

/**
 * Casts a source to the target columns with `TRY_CAST`, recording each row that does not cast (or is invalid) in
 * the rejects table with the first failing column, and returns the relation of the rows that did. Two scans of
 * the source: one for the rejects, one for the rows; a source whose types already match is read once.
 */
export async function castRelation(
  connection: DuckDBConnection,
  itemSource: string,
  source: CastSource,
  columns: readonly TargetColumn[],
  release: () => Promise<void>,
): Promise<ItemRelation> {
  const checked = columns.filter((c) => source.typeOf?.(c.name)?.toUpperCase() !== c.type.toUpperCase());
  const fails = (c: TargetColumn) =>
    `(${source.value(c.name)} IS NOT NULL AND TRY_CAST(${source.value(c.name)} AS ${c.type}) IS NULL)`;
  const conditions = [...(source.invalid === undefined ? [] : [source.invalid.condition]), ...checked.map(fails)];
  const select = columns
    .map((c) =>
      checked.includes(c)
        ? `TRY_CAST(${source.value(c.name)} AS ${c.type}) AS ${quote(c.name)}`
        : `${source.value(c.name)} AS ${quote(c.name)}`,
    )
    .join(', ');
  let rejected = 0;
  if (conditions.length > 0) {
    const firstFailure = [
      ...(source.invalid === undefined
        ? []
        : [
            `WHEN ${source.invalid.condition} THEN [NULL, ${literal(source.invalid.errorType)}, ${literal(source.invalid.reason)}]`,
          ]),
      ...checked.map(
        (c) =>
          `WHEN ${fails(c)} THEN [${literal(c.name)}, 'CAST', 'cannot cast "' || left(CAST(${source.value(c.name)} AS VARCHAR), 200) || '" to ${c.type.replaceAll("'", "''")} in column ${c.name.replaceAll("'", "''")}']`,
      ),
    ];
    const result = await connection.run(
      `INSERT INTO ${REJECTS_TABLE} SELECT ${literal(itemSource)}, line, failure[1], failure[2], failure[3], raw FROM ` +
        `(SELECT ${source.line} AS line, ${source.rawRow} AS raw, CASE ${firstFailure.join(' ')} END AS failure ` +
        `FROM ${source.from} AS src WHERE ${conditions.join(' OR ')})`,
    );
    rejected = Number(result.rowsChanged);
  }
  const where = conditions.length === 0 ? '' : ` WHERE NOT (${conditions.join(' OR ')})`;
  return {
    sql: `SELECT ${select} FROM ${source.from} AS src${where}`,
    finish: async () => ({ rejected }),
    release,
  };
}
