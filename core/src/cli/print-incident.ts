import type { Incident, IncidentNote } from '../quality/incidents/incident-store.ts';
import { printTable } from './print-table.ts';

/**
 * An incident with its notes, as `GET …/quality/incidents/:id` shows it (the sample as stored); without `notes`, as
 * the list shows it: no notes, no sample.
 */
export function incidentJson(incident: Incident, notes: readonly IncidentNote[] | undefined): Record<string, unknown> {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  const { workspace: _workspace, ...rest } = incident;
  return {
    ...rest,
    // Lists show no samples, as the API's list does: open an incident to see its failing rows.
    lastResult: notes === undefined ? { ...incident.lastResult, sample: [] } : incident.lastResult,
    openedAt: incident.openedAt.toISOString(),
    lastSeenAt: incident.lastSeenAt.toISOString(),
    acknowledgedAt: iso(incident.acknowledgedAt),
    resolvedAt: iso(incident.resolvedAt),
    ...(notes === undefined
      ? {}
      : { notes: notes.map((note) => ({ ...note, createdAt: note.createdAt.toISOString() })) }),
  };
}

/** Prints an incident for people: what failed, where, its state, the latest failing rows and the notes. */
export function printIncident(incident: Incident, notes: readonly IncidentNote[], print: (line: string) => void): void {
  const field = (name: string, value: string) => print(`  ${name.padEnd(13)} ${value}`);
  const at = (date: Date, by: string | null) => `${date.toISOString()}${by === null ? '' : ` by ${by}`}`;
  print(`incident ${incident.id}: ${incident.state}, ${incident.count} failing run(s)`);
  field('dataset', incident.dataset);
  field('check', `${incident.checkId} (${incident.checkType}, action ${incident.action})`);
  if (incident.pipeline !== null) {
    field('job', `${incident.pipeline}${incident.jobId === null ? '' : ` / ${incident.jobId}`}`);
  }
  const runs = [
    incident.firstRunId === null ? '' : `first ${incident.firstRunId}`,
    incident.lastRunId === null ? '' : `last ${incident.lastRunId}`,
  ].filter((part) => part !== '');
  if (runs.length > 0) field('runs', runs.join(', '));
  field('opened', incident.openedAt.toISOString());
  field('last seen', incident.lastSeenAt.toISOString());
  field('assignee', incident.assignee ?? 'nobody');
  if (incident.acknowledgedAt !== null) field('acknowledged', at(incident.acknowledgedAt, incident.acknowledgedBy));
  if (incident.resolvedAt !== null) field('resolved', at(incident.resolvedAt, incident.resolvedBy));
  field('last result', lastResultOf(incident.lastResult));
  const sample = Array.isArray(incident.lastResult.sample)
    ? (incident.lastResult.sample as Record<string, unknown>[])
    : [];
  if (sample.length > 0) {
    print('Failing rows of the latest failure:');
    // Samples are stored as jsonb, which orders keys its own way: every column of every row, in that order.
    printTable(sample, [...new Set(sample.flatMap((row) => Object.keys(row)))], print);
  }
  if (notes.length === 0) return;
  print('Notes:');
  for (const note of notes) print(`  ${note.createdAt.toISOString()} ${note.author ?? 'unknown'}: ${note.text}`);
}

/** `2 of 10 rows failing (20%), observed 3: note`, from what a failing result recorded. */
function lastResultOf(result: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof result.status === 'string') parts.push(result.status);
  if (typeof result.failing === 'number' && typeof result.checked === 'number') {
    const percent = typeof result.failingPercent === 'number' ? ` (${Number(result.failingPercent.toFixed(2))}%)` : '';
    parts.push(`${result.failing} of ${result.checked} failing${percent}`);
  }
  if (typeof result.observed === 'number') parts.push(`observed ${result.observed}`);
  if (typeof result.version === 'number') parts.push(`version ${result.version}`);
  const text = parts.join(', ') || 'not recorded';
  return typeof result.note === 'string' ? `${text}: ${result.note}` : text;
}
