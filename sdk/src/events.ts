import type { Static, TSchema } from 'typebox';

/** A typed handle to an event topic and the JSON Schema of its payload. */
export interface EventRef<S extends TSchema = TSchema> {
  readonly topic: string;
  readonly schema: S;
}

const TOPIC = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/**
 * Declares a typed event. Topics are dotted facts in the past tense: `run.finished`, `dataset.committed`.
 *
 * @example
 * ```ts
 * import { defineEvent, Type } from '@assay/sdk';
 * export const datasetCommitted = defineEvent({
 *   topic: 'dataset.committed',
 *   schema: Type.Object({ dataset: Type.String(), version: Type.Integer() }),
 * });
 * ```
 */
export function defineEvent<S extends TSchema>(options: { topic: string; schema: S }): EventRef<S> {
  if (!TOPIC.test(options.topic)) {
    throw new TypeError(`Event topic "${options.topic}" must be dotted lower-case, like "run.finished"`);
  }
  return Object.freeze({ topic: options.topic, schema: options.schema });
}

/** Facts about one published event. */
export interface EventMeta {
  /** Unique, increasing per cluster. */
  readonly id: string;
  readonly topic: string;
  readonly publishedAt: Date;
}

/**
 * The event bus, shared by every process on one PostgreSQL.
 * - `subscribe`: durable; each event reaches each named subscription once across the cluster (retried on failure).
 *   Use it for work with effects (send an alert, write lineage).
 * - `listen`: live; each event reaches every listening process, at most once, while it runs.
 *   Use it for live views (progress streams, cache invalidation).
 */
export interface EventBus {
  publish<S extends TSchema>(event: EventRef<S>, payload: Static<S>): Promise<EventMeta>;
  subscribe<S extends TSchema>(
    event: EventRef<S>,
    name: string,
    handler: (payload: Static<S>, meta: EventMeta) => Promise<void>,
  ): Promise<void>;
  /** Returns a function that stops listening. */
  listen<S extends TSchema>(event: EventRef<S>, handler: (payload: Static<S>, meta: EventMeta) => void): () => void;
}
