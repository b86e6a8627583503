/**
 * The id of a quarantined row as SQL over the quarantine table's columns: a hash of everything stored, so it is
 * stable while the row is unchanged (an edit gives the row a new id). 32 lower-case hex digits.
 */
export const QUARANTINE_ID_SQL =
  "md5(concat_ws('|', coalesce(run_id, ''), coalesce(check_id, ''), coalesce(CAST(_quarantined_at AS VARCHAR), ''), " +
  "coalesce(CAST(line AS VARCHAR), ''), coalesce(_source, ''), coalesce(raw_row, '')))";

/** Whether `id` looks like a quarantine row id (so it can go into SQL as a literal as it is). */
export function isQuarantineId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}
