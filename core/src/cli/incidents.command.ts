import { parseArgs } from 'node:util';
import { incidentResolved, incidentUpdated, InputError, NotFoundError } from '@assay/sdk';
import {
  addNote,
  getIncident,
  incidentEvent,
  listIncidents,
  notesOf,
  updateIncident,
  type Incident,
  type IncidentState,
} from '../quality/incidents/incident-store.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { incidentJson, printIncident } from './print-incident.ts';
import { printTable } from './print-table.ts';
import { datasetArgument, integerFlag } from './quality-arguments.ts';
import { startQualitySession, type QualitySession, type QualitySessionStarter } from './quality-session.ts';
import { cliActor } from './run.command.ts';

export const incidentsUsage = `assay incidents [list|show|ack|resolve|assign|note] [--workspace ws] [--json]
      Data-quality incidents: list (the default) [--state open|acknowledged|resolved] [--dataset layer.name]
      [--check id] [--limit N]; show <id> (the latest failing rows and the notes); ack <id>; resolve <id>
      [--note text]; assign <id> <who>; note <id> <text>. Changes are announced on the event bus, as the API's.`;

/** Where the incidents command writes: results (stdout) and warnings (stderr). */
export interface IncidentsCommandIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: IncidentsCommandIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

const STATES: readonly IncidentState[] = ['open', 'acknowledged', 'resolved'];
const ARITY: Record<string, number> = { list: 1, show: 2, ack: 2, resolve: 2, assign: 3, note: 3 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `assay incidents`: list, read and work data-quality incidents as `…/quality/incidents` does, with the same
 * errors (`INCIDENT_NOT_FOUND`, `INCIDENT_RESOLVED`) and the same bus events (`dq.incident.updated|resolved`).
 */
export async function incidentsCommand(
  args: string[],
  start: QualitySessionStarter = startQualitySession,
  io: IncidentsCommandIo = processIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      state: { type: 'string' },
      dataset: { type: 'string' },
      check: { type: 'string' },
      limit: { type: 'string' },
      note: { type: 'string' },
    },
  });
  const [action = 'list', id, argument] = positionals.length === 0 ? ['list'] : positionals;
  const usage = (why?: string) => new InputError(why ?? `Usage: ${incidentsUsage}`, { code: 'USAGE' });
  if (ARITY[action] !== Math.max(1, positionals.length)) throw usage();
  const filters = [values.state, values.dataset, values.check, values.limit];
  if (action !== 'list' && filters.some((value) => value !== undefined)) {
    throw usage('--state, --dataset, --check and --limit filter "assay incidents list"');
  }
  if (action !== 'resolve' && values.note !== undefined) {
    throw usage(`--note goes with resolve; add a note on its own with "assay incidents note <id> <text>"`);
  }
  if (id !== undefined && !UUID.test(id)) throw usage(`"${id}" is not an incident id: "assay incidents" lists them`);
  if (values.state !== undefined && !STATES.includes(values.state as IncidentState)) {
    throw usage(`--state must be one of ${STATES.join(', ')}, not "${values.state}"`);
  }
  const text = action === 'resolve' ? values.note : action === 'note' ? argument : undefined;
  if (text !== undefined && (text.trim() === '' || text.length > 10_000)) {
    throw usage('A note is 1 to 10000 characters of text');
  }
  if (action === 'assign' && (argument!.trim() === '' || argument!.length > 200)) {
    throw usage('Assign to someone: 1 to 200 characters, e.g. an email address');
  }
  const dataset = values.dataset === undefined ? undefined : datasetArgument(values.dataset);
  const limit = integerFlag('--limit', values.limit ?? '50', 1, 200);
  const { workspace, json } = values;
  const writes = !['list', 'show'].includes(action);

  const session = await start(configFor(values), { workspace, writes });
  try {
    if (action === 'list') {
      const filter = { state: values.state as IncidentState | undefined, dataset, checkId: values.check };
      const page = await listIncidents(session.db, workspace, { ...filter, limit: limit + 1 });
      const items = page.slice(0, limit);
      const more = page.length > limit;
      if (json) io.out(JSON.stringify({ items: items.map((incident) => incidentJson(incident, undefined)), more }));
      else printList(items, more, io);
      return 0;
    }
    const incident = await found(session, workspace, id!);
    if (action === 'show') return await shown(session, incident, json, io);
    const by = cliActor();
    if (action === 'note') {
      const note = await addNote(session.db, incident.id, by, text!);
      io.out(
        json ? JSON.stringify({ ...note, createdAt: note.createdAt.toISOString() }) : `note added to ${incident.id}`,
      );
      return 0;
    }
    const change = changeOf(action, argument, incident);
    if (change === undefined) {
      if (!json) io.out(`incident ${incident.id} is already ${incident.state}; nothing changed`);
      return json ? await shown(session, incident, json, io) : 0;
    }
    const changed = (await updateIncident(session.db, workspace, incident.id, { ...change, by })) ?? incident;
    if (text !== undefined) await addNote(session.db, incident.id, by, text);
    await announce(session, changed, io);
    if (json) return await shown(session, changed, json, io);
    io.out(`incident ${changed.id} ${describeChange(action, changed)}: ${changed.dataset} ${changed.checkId}`);
    return 0;
  } finally {
    await session.close();
  }
}

/** The change an action makes; undefined when there is nothing to change. */
function changeOf(
  action: string,
  assignee: string | undefined,
  incident: Incident,
): { state?: IncidentState; assignee?: string } | undefined {
  if (action === 'assign') return { assignee: assignee! };
  const state: IncidentState = action === 'ack' ? 'acknowledged' : 'resolved';
  if (incident.state === 'resolved') {
    // A resolved incident stays resolved: the next failure of its check opens a new one, so counts keep their meaning.
    const when = `${incident.resolvedAt?.toISOString() ?? ''}${incident.resolvedBy === null ? '' : ` by ${incident.resolvedBy}`}`;
    throw new InputError(
      `Incident ${incident.id} was resolved ${when}, so it cannot be ${state === 'resolved' ? 'resolved again' : 'acknowledged'}: ` +
        'the next failure of its check opens a new one',
      { code: 'INCIDENT_RESOLVED', details: { id: incident.id } },
    );
  }
  return incident.state === state ? undefined : { state };
}

function describeChange(action: string, incident: Incident): string {
  if (action === 'assign') return `assigned to ${incident.assignee}`;
  return incident.state;
}

async function found(session: QualitySession, workspace: string, id: string): Promise<Incident> {
  const incident = await getIncident(session.db, workspace, id);
  if (incident === undefined) {
    throw new NotFoundError(`No incident ${id} in workspace ${workspace}: "assay incidents" lists them`, {
      code: 'INCIDENT_NOT_FOUND',
      details: { id },
    });
  }
  return incident;
}

async function shown(session: QualitySession, incident: Incident, json: boolean, io: IncidentsCommandIo) {
  const notes = await notesOf(session.db, incident.id);
  if (json) io.out(JSON.stringify(incidentJson(incident, notes)));
  else printIncident(incident, notes, io.out);
  return 0;
}

/**
 * Announces a change as the API does: `dq.incident.resolved` once resolved, else `dq.incident.updated`. The change is
 * saved already, so a bus that fails is a warning, not a failed command.
 */
async function announce(session: QualitySession, incident: Incident, io: IncidentsCommandIo): Promise<void> {
  const event = incident.state === 'resolved' ? incidentResolved : incidentUpdated;
  try {
    await session.events?.publish(event, incidentEvent(incident));
  } catch (error) {
    io.err(
      `assay: warning: incident ${incident.id} changed, but ${event.topic} could not be published: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}

function printList(items: readonly Incident[], more: boolean, io: IncidentsCommandIo): void {
  if (items.length === 0) {
    io.out('No incidents match.');
    return;
  }
  printTable(
    items.map((incident) => ({
      id: incident.id,
      state: incident.state,
      dataset: incident.dataset,
      check: incident.checkId,
      action: incident.action,
      count: incident.count,
      'last seen': incident.lastSeenAt.toISOString(),
      assignee: incident.assignee ?? '',
    })),
    undefined,
    io.out,
  );
  if (more) io.out('More incidents match: raise --limit (up to 200) or filter with --state, --dataset or --check.');
}
