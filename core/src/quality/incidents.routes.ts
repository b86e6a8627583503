import {
  incidentResolved,
  incidentUpdated,
  InputError,
  NotFoundError,
  type EventBus,
  type PluginHttpApp,
} from '@assay/sdk';
import type { Knex } from 'knex';
import { Type } from 'typebox';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import { errorResponses } from '../http/error-body.ts';
import {
  addNote,
  getIncident,
  incidentEvent,
  listIncidents,
  notesOf,
  updateIncident,
  type Incident,
  type IncidentNote,
} from './incidents/incident-store.ts';
import { IncidentNoteSchema, IncidentSchema, IncidentState } from './quality.schemas.ts';
import { sampleMasker } from './sample-masking.ts';

const Workspace = Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) });
const ById = Type.Intersect([Workspace, Type.Object({ id: Type.String({ format: 'uuid' }) })]);
const IncidentDetail = Type.Intersect([IncidentSchema, Type.Object({ notes: Type.Array(IncidentNoteSchema) })]);
const errors = { 400: errorResponses[400], 404: errorResponses[404], 500: errorResponses[500] };

/**
 * Data-quality incidents of a workspace: list and read them, acknowledge, assign, note and resolve. Every change is
 * announced on the bus (`dq.incident.updated`, `dq.incident.resolved`) for the alerts plugin and live views.
 */
export async function incidentsRoutes(
  app: PluginHttpApp,
  options: { db: Knex; policies: DataPolicyService; events: EventBus | undefined },
): Promise<void> {
  const { db } = options;
  const announce = (incident: Incident) => {
    const event = incident.state === 'resolved' ? incidentResolved : incidentUpdated;
    options.events?.publish(event, incidentEvent(incident)).catch((error: unknown) => {
      app.log.warn({ err: error, incident: incident.id }, 'an incident event could not be published');
    });
  };
  const detail = async (incident: Incident, request: { principal?: Parameters<typeof sampleMasker>[1] }) => {
    const mask = await sampleMasker(options.policies, request.principal!, incident.workspace, incident.dataset);
    const sample = Array.isArray(incident.lastResult.sample)
      ? (incident.lastResult.sample as Record<string, unknown>[])
      : [];
    return { ...json(incident, mask(sample)), notes: (await notesOf(db, incident.id)).map(noteJson) };
  };
  const found = async (ws: string, id: string): Promise<Incident> => {
    const incident = await getIncident(db, ws, id);
    if (incident === undefined) {
      throw new NotFoundError(`No incident ${id} in workspace ${ws}`, { code: 'INCIDENT_NOT_FOUND', details: { id } });
    }
    return incident;
  };

  app.get(
    '/workspaces/:ws/quality/incidents',
    {
      config: { access: { permission: 'quality:read' } },
      schema: {
        tags: ['quality'],
        summary: 'Data-quality incidents, last seen first',
        params: Workspace,
        querystring: Type.Object({
          state: Type.Optional(IncidentState),
          dataset: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$' })),
          check: Type.Optional(Type.String({ minLength: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
          cursor: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({ items: Type.Array(IncidentSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { state, dataset, check, cursor } = request.query;
      const limit = request.query.limit ?? 50;
      const items = await listIncidents(db, request.params.ws, {
        state,
        dataset,
        checkId: check,
        limit: limit + 1,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return {
        // The list shows no samples: open an incident to see its failing rows, masked for the caller.
        items: page.map((incident) => json(incident, [])),
        nextCursor:
          items.length > limit && last !== undefined
            ? Buffer.from(JSON.stringify({ lastSeenAt: last.lastSeenAt.toISOString(), id: last.id })).toString(
                'base64url',
              )
            : null,
      };
    },
  );

  app.get(
    '/workspaces/:ws/quality/incidents/:id',
    {
      config: { access: { permission: 'quality:read' } },
      schema: {
        tags: ['quality'],
        summary: 'An incident with its latest failing sample and notes',
        params: ById,
        response: { 200: IncidentDetail, ...errors },
      },
    },
    async (request) => detail(await found(request.params.ws, request.params.id), request),
  );

  app.patch(
    '/workspaces/:ws/quality/incidents/:id',
    {
      config: { access: { permission: 'quality:edit' } },
      schema: {
        tags: ['quality'],
        summary: 'Acknowledge, resolve, reopen or assign an incident, optionally with a note',
        params: ById,
        body: Type.Object(
          {
            state: Type.Optional(IncidentState),
            assignee: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: IncidentDetail, ...errors },
      },
    },
    async (request) => {
      const { ws, id } = request.params;
      const { state, assignee, note } = request.body;
      if (state === undefined && assignee === undefined && note === undefined) {
        throw new InputError('Say what to change: state, assignee or note', { code: 'INCIDENT_CHANGE_EMPTY' });
      }
      const before = await found(ws, id);
      if (state !== undefined && state !== 'resolved' && before.state === 'resolved') {
        // A resolved incident stays resolved: the next failure opens a new one, so counts keep their meaning (and
        // a check never has two open incidents).
        throw new InputError('A resolved incident cannot be reopened: the next failure of its check opens a new one', {
          code: 'INCIDENT_RESOLVED',
          details: { id },
        });
      }
      const by = request.principal?.id;
      const changed =
        state === undefined && assignee === undefined
          ? before
          : ((await updateIncident(db, ws, id, {
              ...(state === undefined || state === before.state ? {} : { state }),
              ...(assignee === undefined ? {} : { assignee }),
              by,
            })) ?? before);
      if (note !== undefined) await addNote(db, id, by, note);
      announce(changed);
      return detail(changed, request);
    },
  );

  app.post(
    '/workspaces/:ws/quality/incidents/:id/notes',
    {
      config: { access: { permission: 'quality:edit' } },
      schema: {
        tags: ['quality'],
        summary: 'Add a note to an incident',
        params: ById,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false }),
        response: { 200: IncidentNoteSchema, ...errors },
      },
    },
    async (request) => {
      const incident = await found(request.params.ws, request.params.id);
      return noteJson(await addNote(db, incident.id, request.principal?.id, request.body.text));
    },
  );
}

function json(incident: Incident, sample: Record<string, unknown>[]) {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  const { workspace: _workspace, ...rest } = incident;
  return {
    ...rest,
    lastResult: { ...incident.lastResult, sample },
    openedAt: incident.openedAt.toISOString(),
    lastSeenAt: incident.lastSeenAt.toISOString(),
    acknowledgedAt: iso(incident.acknowledgedAt),
    resolvedAt: iso(incident.resolvedAt),
  };
}

function noteJson(note: IncidentNote) {
  return { ...note, createdAt: note.createdAt.toISOString() };
}

function decodeCursor(cursor: string): { lastSeenAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      lastSeenAt?: unknown;
      id?: unknown;
    };
    if (
      typeof value.lastSeenAt === 'string' &&
      typeof value.id === 'string' &&
      !Number.isNaN(Date.parse(value.lastSeenAt))
    ) {
      return { lastSeenAt: value.lastSeenAt, id: value.id };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new InputError('The cursor is not one this list returned', { code: 'CURSOR_INVALID' });
}
