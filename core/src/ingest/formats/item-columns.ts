import { UserError } from '@assay/sdk';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { literal, quote } from './sql-names.ts';

/**
 * Refuses a load that asks for columns the item does not have: the caller requests what `describe()` returned, so
 * a missing column means the file changed under the load or a declared schema is wrong, and NULLs would hide it.
 */
export function requireColumns(
  source: string,
  available: ReadonlyArray<{ readonly name: string }>,
  requested: readonly TargetColumn[],
): void {
  const names = new Set(available.map((c) => c.name));
  const missing = requested.filter((c) => !names.has(c.name)).map((c) => c.name);
  if (missing.length === 0) return;
  throw new UserError(
    `${source} has no column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ` +
      `(it has ${[...names].map((n) => `"${n}"`).join(', ') || 'no columns'})`,
    { code: 'INGEST_COLUMN_MISSING', details: { source, missing } },
  );
}

/** Zero rows with the requested columns and types: what an empty file loads as. */
export function emptyRelation(columns: readonly TargetColumn[], finished: () => Promise<void>): ItemRelation {
  // SQL has no zero-column SELECT: an item without columns (an empty file) yields a placeholder and no rows.
  const select =
    columns.length === 0
      ? 'NULL AS __no_columns'
      : columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quote(c.name)}`).join(', ');
  return {
    sql: `SELECT ${select} LIMIT 0`,
    async finish() {
      await finished();
      return { rejected: 0 };
    },
    release: async () => undefined,
  };
}

/** The source row as JSON text (the raw row kept with a reject), holding the source's own columns only. */
export function rowJson(columns: ReadonlyArray<{ readonly name: string }>): string {
  return `to_json({${columns.map((c) => `${literal(c.name)}: src.${quote(c.name)}`).join(', ')}})::VARCHAR`;
}
