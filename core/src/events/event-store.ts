import type { Knex } from 'knex';

const TABLE = 'core_events';

/** One row of `core_events`. `id` is a bigint, kept as a string. */
export interface StoredEvent {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly publishedAt: Date;
}

interface EventRow {
  id: string;
  topic: string;
  payload: unknown;
  published_at: Date;
}

/** Stores an event in `db` (pass a transaction to make it part of one) and returns its id and time. */
export async function insertEvent(
  db: Knex,
  topic: string,
  payload: unknown,
): Promise<{ id: string; publishedAt: Date }> {
  // Stringified by hand: the pg driver would turn a top-level array into a PostgreSQL array, not JSON.
  const [row] = (await db(TABLE)
    .insert({ topic, payload: JSON.stringify(payload) })
    .returning(['id', 'published_at'])) as Array<Pick<EventRow, 'id' | 'published_at'>>;
  return { id: row!.id, publishedAt: row!.published_at };
}

/** The events with these ids that still exist, oldest first. */
export async function loadEvents(db: Knex, ids: readonly string[]): Promise<StoredEvent[]> {
  const rows = (await db(TABLE).whereIn('id', ids).orderBy('id')) as EventRow[];
  return rows.map(toStoredEvent);
}

/** Up to `limit` events with an id above `afterId`, oldest first. */
export async function loadEventsAfter(db: Knex, afterId: string, limit: number): Promise<StoredEvent[]> {
  const rows = (await db(TABLE).where('id', '>', afterId).orderBy('id').limit(limit)) as EventRow[];
  return rows.map(toStoredEvent);
}

/** The highest event id so far, or `'0'` when there is none. */
export async function latestEventId(db: Knex): Promise<string> {
  const row = (await db(TABLE).max('id as id').first()) as { id: string | null } | undefined;
  return row?.id ?? '0';
}

/** Deletes events published more than `retentionSeconds` ago; returns how many. */
export async function pruneEvents(db: Knex, retentionSeconds: number): Promise<number> {
  return db(TABLE)
    .where('published_at', '<', db.raw(`now() - make_interval(secs => ?)`, [retentionSeconds]))
    .delete();
}

function toStoredEvent(row: EventRow): StoredEvent {
  return { id: row.id, topic: row.topic, payload: row.payload, publishedAt: row.published_at };
}
