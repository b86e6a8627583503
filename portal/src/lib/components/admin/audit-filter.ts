import type { AuditOutcome } from './admin-api';

/** The filters of the audit listing and export, as the form holds them (empty means no filter). */
export interface AuditFilter {
  principal: string;
  action: string;
  resource: string;
  outcome: AuditOutcome | '';
  /** `datetime-local` values, in the browser's time zone. */
  from: string;
  to: string;
}

export const NO_FILTER: AuditFilter = { principal: '', action: '', resource: '', outcome: '', from: '', to: '' };

/** The query parameters of a filter: only the ones set, instants as ISO 8601 in UTC as the API wants them. */
export function auditQuery(filter: AuditFilter): {
  principal?: string;
  action?: string;
  resource?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
} {
  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());
  const instant = (value: string) => (value === '' ? undefined : new Date(value).toISOString());
  const query = {
    principal: text(filter.principal),
    action: text(filter.action),
    resource: text(filter.resource),
    outcome: filter.outcome === '' ? undefined : filter.outcome,
    from: instant(filter.from),
    to: instant(filter.to),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
}

/** The CSV export of the same entries, for a plain download link (the session cookie goes with it). */
export function exportUrl(ws: string, filter: AuditFilter): string {
  const params = new URLSearchParams(auditQuery(filter) as Record<string, string>);
  const search = params.toString();
  return `/api/v1/workspaces/${encodeURIComponent(ws)}/audit/export${search === '' ? '' : `?${search}`}`;
}
