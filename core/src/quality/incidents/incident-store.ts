import { randomUUID } from 'node:crypto';
import type { IncidentEvent } from '@assay/sdk';
import type { Knex } from 'knex';

export type IncidentState = IncidentEvent['state'];

/** An incident as the API shows it. */
export interface Incident {
  readonly id: string;
  readonly workspace: string;
  readonly dataset: string;
  readonly checkId: string;
  readonly checkType: string;
  readonly action: string;
  readonly state: IncidentState;
  readonly count: number;
  readonly pipeline: string | null;
  readonly jobId: string | null;
  readonly firstRunId: string | null;
  readonly lastRunId: string | null;
  /** The latest failing result: counts, observed value, note and the failing sample. */
  readonly lastResult: Record<string, unknown>;
  readonly assignee: string | null;
  readonly openedAt: Date;
  readonly lastSeenAt: Date;
  readonly acknowledgedAt: Date | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: Date | null;
  readonly resolvedBy: string | null;
}

/** A failure of one check on one dataset, as a run saw it. */
export interface CheckFailure {
  readonly workspace: string;
  readonly dataset: string;
  readonly checkId: string;
  readonly checkType: string;
  readonly action: string;
  readonly pipeline?: string | undefined;
  readonly jobId?: string | undefined;
  readonly runId?: string | undefined;
  readonly result: Record<string, unknown>;
}

const TABLE = 'core_dq_incidents';

/**
 * Records a failure: a new open incident, or — when one for the same dataset and check is open or acknowledged —
 * that one absorbs it (count + 1, last seen, latest result). The partial unique index makes this one statement, so
 * two workers failing the same check at once still share one incident.
 */
export async function recordFailure(db: Knex, failure: CheckFailure): Promise<{ incident: Incident; opened: boolean }> {
  const result = await db.raw(
    `insert into ${TABLE} (id, workspace, dataset, check_id, check_type, action, state, count, pipeline, job_id,
       first_run_id, last_run_id, last_result, opened_at, last_seen_at)
     values (?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?, ?, ?::jsonb, now(), now())
     on conflict (workspace, dataset, check_id) where state <> 'resolved' do update set
       count = ${TABLE}.count + 1, last_seen_at = now(), last_run_id = excluded.last_run_id,
       last_result = excluded.last_result, check_type = excluded.check_type, action = excluded.action,
       pipeline = coalesce(excluded.pipeline, ${TABLE}.pipeline), job_id = coalesce(excluded.job_id, ${TABLE}.job_id)
     returning *, (xmax = 0) as inserted`,
    [
      randomUUID(),
      failure.workspace,
      failure.dataset,
      failure.checkId,
      failure.checkType,
      failure.action,
      failure.pipeline ?? null,
      failure.jobId ?? null,
      failure.runId ?? null,
      failure.runId ?? null,
      JSON.stringify(failure.result),
    ],
  );
  const row = (result as { rows: Array<IncidentRow & { inserted: boolean }> }).rows[0]!;
  return { incident: incidentOf(row), opened: row.inserted };
}

/** Filters of {@link listIncidents}. */
export interface IncidentFilter {
  readonly state?: IncidentState | undefined;
  readonly dataset?: string | undefined;
  readonly checkId?: string | undefined;
  readonly limit: number;
  /** Only incidents last seen before this one (`lastSeenAt`, `id`): the next page. */
  readonly after?: { lastSeenAt: string; id: string } | undefined;
}

/** Incidents of a workspace, last seen first. */
export async function listIncidents(db: Knex, workspace: string, filter: IncidentFilter): Promise<Incident[]> {
  const query = db(TABLE).where({ workspace });
  if (filter.state !== undefined) query.andWhere('state', filter.state);
  if (filter.dataset !== undefined) query.andWhere('dataset', filter.dataset);
  if (filter.checkId !== undefined) query.andWhere('check_id', filter.checkId);
  if (filter.after !== undefined) {
    query.andWhereRaw('(last_seen_at, id) < (?::timestamptz, ?::uuid)', [filter.after.lastSeenAt, filter.after.id]);
  }
  const rows = (await query
    .orderBy([
      { column: 'last_seen_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(filter.limit)) as IncidentRow[];
  return rows.map(incidentOf);
}

export async function getIncident(db: Knex, workspace: string, id: string): Promise<Incident | undefined> {
  const row = (await db(TABLE).where({ workspace, id }).first()) as IncidentRow | undefined;
  return row === undefined ? undefined : incidentOf(row);
}

/** Changes an incident's state or assignee; undefined when it does not exist. */
export async function updateIncident(
  db: Knex,
  workspace: string,
  id: string,
  change: { state?: IncidentState; assignee?: string | null; by?: string | undefined },
): Promise<Incident | undefined> {
  const set: Record<string, unknown> = {};
  if (change.assignee !== undefined) set.assignee = change.assignee;
  if (change.state === 'acknowledged') {
    Object.assign(set, { state: 'acknowledged', acknowledged_at: db.fn.now(), acknowledged_by: change.by ?? null });
  }
  if (change.state === 'resolved') {
    Object.assign(set, { state: 'resolved', resolved_at: db.fn.now(), resolved_by: change.by ?? null });
  }
  if (change.state === 'open') Object.assign(set, { state: 'open', acknowledged_at: null, acknowledged_by: null });
  const rows = (await db(TABLE).where({ workspace, id }).update(set).returning('*')) as IncidentRow[];
  return rows[0] === undefined ? undefined : incidentOf(rows[0]);
}

/** A note on an incident. */
export interface IncidentNote {
  readonly id: string;
  readonly author: string | null;
  readonly text: string;
  readonly createdAt: Date;
}

export async function addNote(
  db: Knex,
  incidentId: string,
  author: string | undefined,
  text: string,
): Promise<IncidentNote> {
  const [row] = (await db('core_dq_incident_notes')
    .insert({ incident_id: incidentId, author: author ?? null, text })
    .returning('*')) as Array<{ id: string; author: string | null; text: string; created_at: Date }>;
  return { id: String(row!.id), author: row!.author, text: row!.text, createdAt: row!.created_at };
}

export async function notesOf(db: Knex, incidentId: string): Promise<IncidentNote[]> {
  const rows = (await db('core_dq_incident_notes').where({ incident_id: incidentId }).orderBy('created_at')) as Array<{
    id: string;
    author: string | null;
    text: string;
    created_at: Date;
  }>;
  return rows.map((row) => ({ id: String(row.id), author: row.author, text: row.text, createdAt: row.created_at }));
}

interface IncidentRow {
  id: string;
  workspace: string;
  dataset: string;
  check_id: string;
  check_type: string;
  action: string;
  state: IncidentState;
  count: number;
  pipeline: string | null;
  job_id: string | null;
  first_run_id: string | null;
  last_run_id: string | null;
  last_result: Record<string, unknown>;
  assignee: string | null;
  opened_at: Date;
  last_seen_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
}

function incidentOf(row: IncidentRow): Incident {
  return {
    id: row.id,
    workspace: row.workspace,
    dataset: row.dataset,
    checkId: row.check_id,
    checkType: row.check_type,
    action: row.action,
    state: row.state,
    count: row.count,
    pipeline: row.pipeline,
    jobId: row.job_id,
    firstRunId: row.first_run_id,
    lastRunId: row.last_run_id,
    lastResult: row.last_result,
    assignee: row.assignee,
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  };
}

/** The bus payload of an incident. */
export function incidentEvent(incident: Incident): IncidentEvent {
  const failing = incident.lastResult.failing;
  const observed = incident.lastResult.observed;
  return {
    incidentId: incident.id,
    workspace: incident.workspace,
    dataset: incident.dataset,
    checkId: incident.checkId,
    checkType: incident.checkType,
    action: incident.action,
    state: incident.state,
    count: incident.count,
    ...(incident.pipeline === null ? {} : { pipeline: incident.pipeline }),
    ...(incident.jobId === null ? {} : { jobId: incident.jobId }),
    ...(incident.lastRunId === null ? {} : { runId: incident.lastRunId }),
    ...(typeof failing === 'number' ? { failing } : {}),
    ...(typeof observed === 'number' || observed === null ? { observed: observed as number | null } : {}),
    assignee: incident.assignee,
  };
}
