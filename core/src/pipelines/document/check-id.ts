import type { JobCheck } from './pipeline-document.ts';

/**
 * The id a job's check goes by in results, incidents and quarantine rows: its own `id`, or one made from its type and
 * the column(s) it names (`not_null.order_id`, `unique.order_id+line`), or the type alone. Stable across edits that
 * do not change what the check is about, so a check's history and incidents survive reordering the list.
 */
export function checkIdOf(entry: JobCheck): string {
  if (typeof entry.id === 'string' && entry.id !== '') return entry.id;
  // The type's config is open-ended here: `column` and `columns` are the conventional names.
  const { column, columns: named } = entry as Record<string, unknown>;
  const columns = Array.isArray(named)
    ? named.filter((name): name is string => typeof name === 'string')
    : typeof column === 'string'
      ? [column]
      : [];
  return columns.length === 0 ? entry.check : `${entry.check}.${columns.join('+')}`;
}
