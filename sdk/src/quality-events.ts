import { Type, type Static } from 'typebox';
import { defineEvent } from './events.ts';

const IncidentPayload = Type.Object({
  incidentId: Type.String(),
  workspace: Type.String(),
  /** `layer.name` */
  dataset: Type.String(),
  checkId: Type.String(),
  checkType: Type.String(),
  /** What the check does when it fails: warn, drop, quarantine, fix, fail, gate or rollback. */
  action: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  /** Failing runs the incident has absorbed. */
  count: Type.Integer(),
  pipeline: Type.Optional(Type.String()),
  jobId: Type.Optional(Type.String()),
  runId: Type.Optional(Type.String()),
  /** Rows failing in the latest run (row checks), or 1 (aggregate checks). */
  failing: Type.Optional(Type.Integer()),
  observed: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  assignee: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

/**
 * A data-quality check failed on a dataset where no incident for it was open: a new incident.
 *
 * @example
 * ```ts
 * import { incidentOpened, type EventBus } from '@assay/sdk';
 * export async function page(events: EventBus): Promise<void> {
 *   await events.subscribe(incidentOpened, 'pager', async (incident) => {
 *     console.log(`${incident.dataset}: ${incident.checkId} failed`);
 *   });
 * }
 * ```
 */
export const incidentOpened = defineEvent({ topic: 'dq.incident.opened', schema: IncidentPayload });

/** An open incident changed: the check failed again (count and last seen), or someone acknowledged or assigned it. */
export const incidentUpdated = defineEvent({ topic: 'dq.incident.updated', schema: IncidentPayload });

/** An incident was resolved; the next failure of its check opens a new one. */
export const incidentResolved = defineEvent({ topic: 'dq.incident.resolved', schema: IncidentPayload });

/** The payload of the incident events. */
export type IncidentEvent = Static<typeof IncidentPayload>;
