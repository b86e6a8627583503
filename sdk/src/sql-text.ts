/**
 * SQL text helpers for operators that build DuckDB statements from their config: every name and value from config
 * goes through these, never spliced in raw.
 */

/** `"name"`: an identifier (a column from config), embedded double quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'text'`: a string literal, embedded single quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * `"layer"."name"`: a view of the job's engine (an input `bronze.orders`, the output, or a changes view such as
 * `changes.bronze__orders__added`) as a quoted relation.
 */
export function quoteRelation(view: string): string {
  const dot = view.indexOf('.');
  return dot < 0
    ? quoteIdentifier(view)
    : `${quoteIdentifier(view.slice(0, dot))}.${quoteIdentifier(view.slice(dot + 1))}`;
}

/**
 * A user's statement ready to embed in a larger one: trailing semicolons dropped, in parentheses on lines of its
 * own (so a trailing `--` comment ends before the parenthesis), with an alias when given.
 */
export function subquery(sql: string, alias?: string): string {
  const statement = sql
    .trim()
    .replace(/;+\s*$/, '')
    .trimEnd();
  return `(\n${statement}\n)${alias === undefined ? '' : ` AS ${alias}`}`;
}

// Words, an optional precision and scale, optional list brackets: BIGINT, DECIMAL(18,2), TIMESTAMP WITH TIME ZONE.
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*)*( ?\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\d*\])*$/;

/**
 * Whether a DuckDB type name from config has a type's shape (`BIGINT`, `DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`,
 * `VARCHAR[]`), so nothing else reaches a CAST; the engine then decides whether the type exists. STRUCT and MAP
 * types are not accepted.
 */
export function isSqlTypeName(text: string): boolean {
  return TYPE_NAME.test(text.trim());
}
