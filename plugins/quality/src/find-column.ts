import type { CheckCompileContext } from '@assay/sdk';

/**
 * The dataset column a config names: the one of that exact name, else the one DuckDB would bind it to (names are
 * case-insensitive in SQL); undefined when there is none.
 */
export function findColumn(
  columns: CheckCompileContext['columns'],
  name: string,
): CheckCompileContext['columns'][number] | undefined {
  return (
    columns.find((column) => column.name === name) ??
    columns.find((column) => column.name.toLowerCase() === name.toLowerCase())
  );
}
