import { InputError } from '@assay/sdk';
import { literal } from '../../engine/dataset-view.ts';
import { isQuarantineId, QUARANTINE_ID_SQL } from '../reprocess/quarantine-row-id.ts';

/** At most this many ids in one call: they travel as SQL literals. */
export const MAX_QUARANTINE_IDS = 10_000;

/** Which quarantined rows a call is about; every criterion given must match. */
export interface QuarantineFilter {
  readonly ids?: readonly string[] | undefined;
  readonly check?: string | undefined;
  readonly runId?: string | undefined;
  readonly loadId?: string | undefined;
  readonly errorType?: string | undefined;
  /** Case-insensitive text in the raw row or the reason. */
  readonly search?: string | undefined;
}

/** Whether the filter names any rows at all (an empty filter means every row). */
export function isEmptyFilter(filter: QuarantineFilter): boolean {
  return (
    filter.ids === undefined &&
    filter.check === undefined &&
    filter.runId === undefined &&
    filter.loadId === undefined &&
    filter.errorType === undefined &&
    filter.search === undefined
  );
}

/**
 * The filter as a trusted SQL predicate over the quarantine table's columns (`true` when empty): values become
 * escaped literals, ids must be quarantine ids (`QUARANTINE_ID_INVALID` otherwise).
 */
export function filterSql(filter: QuarantineFilter): string {
  const conditions: string[] = [];
  if (filter.ids !== undefined) {
    const invalid = filter.ids.filter((id) => !isQuarantineId(id));
    if (invalid.length > 0 || filter.ids.length === 0 || filter.ids.length > MAX_QUARANTINE_IDS) {
      throw new InputError(
        `ids must be 1 to ${MAX_QUARANTINE_IDS} quarantine ids (32 lower-case hex digits, the quarantine_id of a ` +
          `listed row)${invalid.length > 0 ? `; not one: ${invalid.slice(0, 3).join(', ')}` : ''}`,
        { code: 'QUARANTINE_ID_INVALID', details: { invalid: invalid.slice(0, 10) } },
      );
    }
    conditions.push(`${QUARANTINE_ID_SQL} IN (${[...new Set(filter.ids)].map(literal).join(', ')})`);
  }
  if (filter.check !== undefined) conditions.push(`check_id = ${literal(filter.check)}`);
  if (filter.runId !== undefined) conditions.push(`run_id = ${literal(filter.runId)}`);
  if (filter.loadId !== undefined) conditions.push(`_load_id = ${literal(filter.loadId)}`);
  if (filter.errorType !== undefined) conditions.push(`error_type = ${literal(filter.errorType)}`);
  if (filter.search !== undefined) {
    const text = literal(filter.search.toLowerCase());
    conditions.push(
      `(contains(lower(coalesce(raw_row, '')), ${text}) OR contains(lower(coalesce(reason, '')), ${text}))`,
    );
  }
  return conditions.length === 0 ? 'true' : conditions.map((condition) => `(${condition})`).join(' AND ');
}

/** The filter as it goes into history and audit entries: only the criteria given, ids counted past ten. */
export function describeFilter(filter: QuarantineFilter): Record<string, unknown> {
  const { ids, ...rest } = filter;
  const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  if (ids === undefined) return given;
  return { ...given, ids: ids.length <= 10 ? [...ids] : [...ids.slice(0, 10), `… ${ids.length - 10} more`] };
}
