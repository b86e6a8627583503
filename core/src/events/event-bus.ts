import {
  InputError,
  type EventBus,
  type EventMeta,
  type EventRef,
  type Logger,
  type QueuePolicy,
  type Static,
  type TSchema,
} from '@assay/sdk';
import type { Knex } from 'knex';
import { assertPayload } from '../queue/payload-validation.ts';
import type { CoreQueue } from '../queue/queue-service.ts';
import { createDurableSubscriptions, type Delivery, type SubscriptionRecord } from './durable-subscriptions.ts';
import { insertEvent, pruneEvents } from './event-store.ts';
import { createLiveListeners } from './live-listeners.ts';
import { createNotificationListener } from './notification-listener.ts';

/** Options of {@link createEventBus}. */
export interface EventBusOptions {
  queue: CoreQueue;
  db: Knex;
  /** For the dedicated LISTEN connection, which cannot come from a pool. */
  connectionString: string;
  logger: Logger;
  /** How long published events stay in `core_events` (default 7 days). */
  retentionSeconds?: number;
  /** Retry policy of every subscription's queue (default: the sdk's queue defaults). */
  deliveryPolicy?: QueuePolicy;
}

/** The event bus core runs; plugins get a {@link CoreEventBus.forPlugin} view of it. */
export interface CoreEventBus extends EventBus {
  /** Prunes old events, opens the LISTEN connection and sets up subscriptions added so far. Needs a started queue. */
  start(): Promise<void>;
  /** Closes the LISTEN connection; subscription workers stop with the queue. */
  stop(): Promise<void>;
  /** The bus as the plugin `owner` sees it: its subscription names become `<owner>.<name>`. */
  forPlugin(owner: string): EventBus;
  /** Durable subscriptions registered in this process, core's own under owner `core`. */
  subscriptions(): ReadonlyArray<SubscriptionRecord>;
}

/** The NOTIFY channel; its payload is the event id only. */
export const EVENTS_CHANNEL = 'assay_events';

const DEFAULT_RETENTION_SECONDS = 7 * 24 * 60 * 60;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const OWNER = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Creates the event bus. `publish` validates the payload and, in one transaction, stores the event in `core_events`,
 * enqueues a delivery job for every durable subscription (pg-boss pub/sub) and NOTIFYs its id, so all three happen
 * or none does. Every process LISTENs on one dedicated connection, loads notified events and passes them to its live
 * listeners.
 */
export function createEventBus(options: EventBusOptions): CoreEventBus {
  const { queue, db } = options;
  const logger = options.logger.child({ component: 'events' });
  const retentionSeconds = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;
  const durable = createDurableSubscriptions(queue, logger, options.deliveryPolicy ?? {});
  const live = createLiveListeners(db, logger);
  const listener = createNotificationListener({
    connectionString: options.connectionString,
    channel: EVENTS_CHANNEL,
    logger,
    onNotification: (id) => live.notified(id),
    onReconnect: () => live.resync(),
  });
  let pruneTimer: NodeJS.Timeout | undefined;

  const publish: EventBus['publish'] = async (event, payload) => {
    assertPayload(event.schema, payload, {
      code: 'EVENT_PAYLOAD_INVALID',
      subject: `The payload of event "${event.topic}"`,
    });
    return db.transaction(async (transaction): Promise<EventMeta> => {
      const { id, publishedAt } = await insertEvent(transaction, event.topic, payload);
      const delivery: Delivery = { eventId: id, topic: event.topic, publishedAt: publishedAt.toISOString(), payload };
      await queue.publishTopic(event.topic, delivery, transaction);
      await transaction.raw('select pg_notify(?, ?)', [EVENTS_CHANNEL, id]);
      return { id, topic: event.topic, publishedAt };
    });
  };

  function listen<S extends TSchema>(
    event: EventRef<S>,
    handler: (payload: Static<S>, meta: EventMeta) => void,
  ): () => void {
    return live.add(event.topic, (stored) =>
      handler(stored.payload as Static<S>, { id: stored.id, topic: stored.topic, publishedAt: stored.publishedAt }),
    );
  }

  function busFor(owner: string): EventBus {
    if (!OWNER.test(owner)) {
      throw new InputError(`Event bus owner "${owner}" must be a kebab-case plugin id`, {
        code: 'EVENT_OWNER_INVALID',
        details: { owner },
      });
    }
    return { publish, listen, subscribe: (event, name, handler) => durable.add(owner, event, name, handler) };
  }

  async function prune(): Promise<void> {
    const deleted = await pruneEvents(db, retentionSeconds);
    if (deleted > 0) logger.info({ deleted, retentionSeconds }, 'Pruned old events');
  }

  return {
    ...busFor('core'),
    forPlugin: busFor,
    subscriptions: () => durable.list(),
    async start() {
      await prune();
      await live.prime();
      await listener.start();
      await durable.start();
      pruneTimer = setInterval(() => {
        // A failed prune is retried an hour later; the table only grows a little meanwhile.
        prune().catch((error: unknown) => logger.error({ err: error }, 'Pruning old events failed'));
      }, PRUNE_INTERVAL_MS);
      pruneTimer.unref();
    },
    async stop() {
      clearInterval(pruneTimer);
      live.close();
      await listener.stop();
    },
  };
}
