/**
 * The percentage of rows (after `where`) whose quoted `column` is NULL, as a DOUBLE; 0 on an empty table, so no rows
 * is no NULLs rather than no value. Shared by `null_rate` and the `null_rate` metric of `anomaly`.
 */
export function nullPercent(column: string): string {
  return `coalesce(100.0 * count(*) FILTER (WHERE ${column} IS NULL) / nullif(count(*), 0), 0)::DOUBLE`;
}
