import type { Trigger } from './pipeline-admin-api';

/** A trigger as its form edits it: the fields of both types, so switching type keeps what was typed. */
export interface TriggerDraft {
  /** Keys the list in the form; not saved. */
  key: number;
  type: Trigger['type'];
  pipeline: string;
  connection: string;
  stream: string;
  /** A number input's value: null when empty. */
  pollSeconds: number | null;
}

let nextKey = 0;

/** An empty draft of `type`. */
export function newDraft(type: Trigger['type'] = 'pipeline_succeeded'): TriggerDraft {
  nextKey += 1;
  return { key: nextKey, type, pipeline: '', connection: '', stream: '', pollSeconds: null };
}

/** The drafts of a saved `spec.triggers` (the server accepts no type but these two). */
export function draftsOf(triggers: unknown): TriggerDraft[] {
  if (!Array.isArray(triggers)) return [];
  return triggers.flatMap((value: unknown) => {
    if (typeof value !== 'object' || value === null) return [];
    const trigger = value as Record<string, unknown>;
    if (trigger.type !== 'pipeline_succeeded' && trigger.type !== 'new_files') return [];
    const text = (field: unknown) => (field === undefined || field === null ? '' : String(field));
    return [
      {
        ...newDraft(trigger.type),
        pipeline: text(trigger.pipeline),
        connection: text(trigger.connection),
        stream: text(trigger.stream),
        pollSeconds: typeof trigger.pollSeconds === 'number' ? trigger.pollSeconds : null,
      },
    ];
  });
}

/** The trigger a draft saves: only its type's fields, optional ones left out when empty. */
export function triggerOf(draft: TriggerDraft): Trigger {
  if (draft.type === 'pipeline_succeeded') return { type: draft.type, pipeline: draft.pipeline.trim() };
  const stream = draft.stream.trim();
  return {
    type: draft.type,
    connection: draft.connection.trim(),
    ...(stream === '' ? {} : { stream }),
    ...(draft.pollSeconds === null ? {} : { pollSeconds: draft.pollSeconds }),
  };
}
