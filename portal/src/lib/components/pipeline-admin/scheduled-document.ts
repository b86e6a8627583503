import type { Schedule, Trigger } from './pipeline-admin-api';
import { triggerOf, type TriggerDraft } from './trigger-drafts';

/** The parts of a pipeline document's `spec` this page reads; the rest is carried through untouched. */
export interface SpecView {
  schedule?: Schedule;
  triggers?: Trigger[];
  jobs?: Array<{ id?: unknown }>;
}

/** The `spec` of a pipeline document, as far as this page reads it. */
export function specOf(document: Record<string, unknown> | undefined): SpecView {
  const spec = document?.spec;
  return typeof spec === 'object' && spec !== null ? (spec as SpecView) : {};
}

/**
 * `document` with only `spec.schedule` and `spec.triggers` replaced: an empty cron removes the schedule, an empty
 * time zone leaves it out (UTC), no triggers removes the list.
 */
export function scheduledDocument(
  document: Record<string, unknown>,
  schedule: { cron: string; timezone: string },
  drafts: readonly TriggerDraft[],
): Record<string, unknown> {
  const rest = { ...(document.spec as Record<string, unknown>) };
  delete rest.schedule;
  delete rest.triggers;
  const cron = schedule.cron.trim();
  const timezone = schedule.timezone.trim();
  return {
    ...document,
    spec: {
      ...rest,
      ...(cron === '' ? {} : { schedule: { cron, ...(timezone === '' ? {} : { timezone }) } }),
      ...(drafts.length === 0 ? {} : { triggers: drafts.map(triggerOf) }),
    },
  };
}
