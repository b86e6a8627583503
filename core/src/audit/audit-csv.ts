import type { AuditEntry } from './audit-log.ts';

/** The header row of an audit export, one column per stored field. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'workspace',
  'principal_id',
  'principal_kind',
  'principal_name',
  'action',
  'method',
  'resource',
  'outcome',
  'status',
  'request_id',
  'client_address',
  'details',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell per RFC 4180 (quoted when it holds a quote, comma or line break; quotes doubled). A cell a
 * spreadsheet would run as a formula (starting with = + - @, tab or carriage return) gets a leading single quote:
 * audit fields carry caller-chosen text (paths, names), and an export must not become an attack on its reader.
 */
export function csvCell(value: string): string {
  const inert = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}

/** One CSV line (CRLF-terminated) for an entry, in {@link AUDIT_CSV_COLUMNS} order; null fields are empty. */
export function auditCsvLine(entry: AuditEntry): string {
  const cells = [
    entry.id,
    entry.at.toISOString(),
    entry.workspace,
    entry.principal?.id,
    entry.principal?.kind,
    entry.principal?.name,
    entry.action,
    entry.method,
    entry.resource,
    entry.outcome,
    entry.status === null ? null : String(entry.status),
    entry.requestId,
    entry.clientAddress,
    entry.details === null ? null : JSON.stringify(entry.details),
  ];
  return `${cells.map((cell) => csvCell(cell ?? '')).join(',')}\r\n`;
}

/**
 * The export as text chunks: the header row with the first batch, then one chunk per batch. The first chunk
 * needs the first batch, so awaiting it surfaces a database error before the response has started.
 */
export async function* auditCsvChunks(batches: AsyncIterable<AuditEntry[]>): AsyncGenerator<string> {
  let pending = `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
  for await (const batch of batches) {
    yield pending + batch.map(auditCsvLine).join('');
    pending = '';
  }
  if (pending !== '') yield pending;
}
