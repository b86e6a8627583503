import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import { latestEventId, loadEvents, loadEventsAfter, type StoredEvent } from './event-store.ts';

/** The live side of the bus in one process: which handlers listen to which topic, and delivery to them. */
export interface LiveListeners {
  /** Adds a handler for `topic`; returns a function that removes it. */
  add(topic: string, handler: (event: StoredEvent) => void): () => void;
  /** A notification carried this event id. */
  notified(id: string): void;
  /** The listening connection came back: deliver what was published while it was away. */
  resync(): void;
  /** Starts counting from the newest stored event, so a first resync does not replay history. */
  prime(): Promise<void>;
  /** Delivers nothing more. */
  close(): void;
}

const LOAD_BATCH = 500;
const RESYNC_LIMIT = 1000;
const REMEMBERED_IDS = 10_000;

/**
 * Loads notified events by id in batches (a NOTIFY carries only the id; payloads may be far over its 8000-byte
 * limit) and hands them to this process's handlers in id order. Each event reaches a handler at most once: ids
 * already delivered are remembered, because after a reconnect an event can arrive both by resync and by NOTIFY.
 */
export function createLiveListeners(db: Knex, logger: Logger): LiveListeners {
  const handlers = new Map<string, Set<(event: StoredEvent) => void>>();
  const delivered = new Set<string>();
  const pending: string[] = [];
  let resyncWanted = false;
  let highWater = 0n;
  let closed = false;
  let draining: Promise<void> | undefined;

  function drain(): void {
    if (draining !== undefined || closed) return;
    draining = (async () => {
      while (!closed && (pending.length > 0 || resyncWanted)) {
        if (resyncWanted) {
          resyncWanted = false;
          await catchUp();
        } else {
          deliver(await loadEvents(db, pending.splice(0, LOAD_BATCH)));
        }
      }
    })()
      // Live delivery is at most once by contract: a failed load loses those events for live listeners only
      // (durable subscriptions are unaffected), and that deserves an error line, not a crash.
      .catch((error: unknown) => logger.error({ err: error }, 'Live events could not be loaded; some were skipped'))
      .finally(() => {
        draining = undefined;
        if (pending.length > 0 || resyncWanted) drain();
      });
  }

  async function catchUp(): Promise<void> {
    const missed = await loadEventsAfter(db, highWater.toString(), RESYNC_LIMIT);
    if (missed.length === RESYNC_LIMIT) {
      logger.warn({ limit: RESYNC_LIMIT }, 'More live events were missed while disconnected than are replayed');
    }
    deliver(missed);
  }

  function deliver(events: readonly StoredEvent[]): void {
    for (const event of events) {
      if (closed) return;
      if (delivered.has(event.id)) continue;
      remember(event.id);
      for (const handler of handlers.get(event.topic) ?? []) runHandler(handler, event);
    }
  }

  function runHandler(handler: (event: StoredEvent) => void, event: StoredEvent): void {
    const report = (error: unknown) =>
      logger.error({ err: error, topic: event.topic, eventId: event.id }, 'A live event handler failed');
    try {
      const result: unknown = handler(event);
      // Handlers are typed `void`, but an async one must not become an unhandled rejection.
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }

  function remember(id: string): void {
    delivered.add(id);
    if (delivered.size > REMEMBERED_IDS) delivered.delete(delivered.values().next().value!);
    const value = BigInt(id);
    if (value > highWater) highWater = value;
  }

  return {
    add(topic, handler) {
      const forTopic = handlers.get(topic) ?? new Set();
      // Wrapped so the same function can listen twice and be removed once per listen() call.
      const entry = (event: StoredEvent) => handler(event);
      forTopic.add(entry);
      handlers.set(topic, forTopic);
      return () => {
        forTopic.delete(entry);
        if (forTopic.size === 0 && handlers.get(topic) === forTopic) handlers.delete(topic);
      };
    },
    notified(id) {
      if (!/^\d+$/.test(id)) return logger.warn({ payload: id }, 'Ignoring a malformed event notification');
      if (handlers.size === 0) {
        // Nothing to deliver to; only move the mark so a later resync does not replay this event.
        const value = BigInt(id);
        if (value > highWater) highWater = value;
        return;
      }
      pending.push(id);
      drain();
    },
    resync() {
      resyncWanted = true;
      drain();
    },
    async prime() {
      const latest = BigInt(await latestEventId(db));
      if (latest > highWater) highWater = latest;
    },
    close() {
      closed = true;
      handlers.clear();
    },
  };
}
