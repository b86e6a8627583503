import { InputError } from '@assay/sdk';

/**
 * A dataset exposed to a session as the view `<layer>.<name>`. `source` is trusted SQL that produces the dataset's
 * rows (for a Delta table: a SELECT over its snapshot's Parquet files); `files` are the local files it reads, the
 * only files the session may open. Masks and the row filter come from the policy service and are trusted SQL too.
 */
export interface DatasetView {
  readonly name: string;
  readonly source: string;
  readonly files: readonly string[];
  /** Column → SQL expression replacing it, e.g. `{ email: "regexp_replace(email, '^[^@]+', '***')" }`. */
  readonly masks?: Readonly<Record<string, string>>;
  /** A predicate rows must satisfy to be visible. */
  readonly rowFilter?: string;
}

const VIEW_NAME = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/** `CREATE SCHEMA` + `CREATE VIEW` statements for a dataset view, masks and row filter applied inside the view. */
export function datasetViewSql(view: DatasetView): string[] {
  const match = VIEW_NAME.exec(view.name);
  if (match === null) {
    throw new InputError(`Dataset name "${view.name}" must look like layer.name (lower-case, digits, underscores)`, {
      code: 'DATASET_NAME_INVALID',
    });
  }
  const [, layer, name] = match;
  const masks = Object.entries(view.masks ?? {});
  const replace = masks.length === 0 ? '' : ` REPLACE (${masks.map(([c, e]) => `${e} AS ${quote(c)}`).join(', ')})`;
  const where = view.rowFilter === undefined ? '' : ` WHERE ${view.rowFilter}`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quote(layer!)}`,
    `CREATE VIEW ${quote(layer!)}.${quote(name!)} AS SELECT *${replace} FROM (${view.source}) AS source${where}`,
  ];
}

/** Quotes an identifier for DuckDB. */
export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
