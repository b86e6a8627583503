import {
  ConflictError,
  InputError,
  Type,
  type EventMeta,
  type EventRef,
  type Logger,
  type QueuePolicy,
  type QueueRef,
  type Static,
  type TSchema,
} from '@assay/sdk';
import { assertPayload } from '../queue/payload-validation.ts';
import type { CoreQueue } from '../queue/queue-service.ts';

/** One durable subscription: `name` is `<owner>.<local name>`. */
export interface SubscriptionRecord {
  readonly owner: string;
  readonly topic: string;
  readonly name: string;
}

/** The job a published event becomes in each subscription's queue. */
export const DeliverySchema = Type.Object({
  eventId: Type.String(),
  topic: Type.String(),
  publishedAt: Type.String(),
  payload: Type.Unknown(),
});

/** The data of a delivery job. */
export type Delivery = Static<typeof DeliverySchema>;

/** Durable subscriptions registered in this process. */
export interface DurableSubscriptions {
  /** Registers `<owner>.<name>` on the event's topic; set up at once once started, else at {@link start}. */
  add<S extends TSchema>(
    owner: string,
    event: EventRef<S>,
    name: string,
    handler: (payload: Static<S>, meta: EventMeta) => Promise<void>,
  ): Promise<void>;
  /** Sets up everything added before the bus started. */
  start(): Promise<void>;
  /** Every subscription registered so far, in registration order. */
  list(): readonly SubscriptionRecord[];
}

const LOCAL_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const DELIVERY_BATCH = 10;

/** The queue of one subscription. The topic is part of it, so one name may subscribe to several topics. */
export function subscriptionQueue(
  topic: string,
  name: string,
  policy: QueuePolicy = {},
): QueueRef<typeof DeliverySchema> {
  return Object.freeze({
    name: `events/${topic}/${name}`,
    schema: DeliverySchema,
    policy: Object.freeze({ ...policy }),
  });
}

/**
 * Each subscription is a pg-boss queue subscribed to its topic and worked in every process that works jobs, so an
 * event is handled once per subscription across the cluster and retried by the queue's policy when the handler
 * throws (a `UserError` is not retried). Jobs are settled one by one, so one failing event never replays others.
 */
export function createDurableSubscriptions(
  queue: CoreQueue,
  logger: Logger,
  deliveryPolicy: QueuePolicy,
): DurableSubscriptions {
  const records = new Map<string, SubscriptionRecord>();
  const pending: Array<() => Promise<void>> = [];
  let started = false;

  return {
    async add(owner, event, localName, handler) {
      if (!LOCAL_NAME.test(localName)) {
        throw new InputError(`Subscription name "${localName}" must be kebab-case, like "send-alert"`, {
          code: 'EVENT_SUBSCRIPTION_NAME_INVALID',
          details: { name: localName, topic: event.topic },
        });
      }
      const record = { owner, topic: event.topic, name: `${owner}.${localName}` };
      const key = `${record.topic} ${record.name}`;
      if (records.has(key)) {
        throw new ConflictError(`"${record.name}" already subscribes to "${record.topic}" in this process`, {
          code: 'EVENT_SUBSCRIPTION_DUPLICATE',
          details: { ...record },
        });
      }
      records.set(key, record);
      const setUp = async () => {
        const deliveries = subscriptionQueue(record.topic, record.name, deliveryPolicy);
        await queue.subscribeTopic(record.topic, deliveries);
        await queue.workEach(
          deliveries,
          async ({ data }) => {
            assertPayload(event.schema, data.payload, {
              code: 'EVENT_PAYLOAD_INVALID',
              subject: `Event ${data.eventId} on "${data.topic}" delivered to "${record.name}"`,
            });
            const meta = { id: data.eventId, topic: data.topic, publishedAt: new Date(data.publishedAt) };
            await handler(data.payload as Static<typeof event.schema>, meta);
          },
          { batchSize: DELIVERY_BATCH },
        );
        logger.debug({ ...record }, 'Durable subscription ready');
      };
      try {
        if (started) await setUp();
        else pending.push(setUp);
      } catch (error) {
        records.delete(key);
        throw error;
      }
    },
    async start() {
      started = true;
      for (const setUp of pending.splice(0)) await setUp();
    },
    list: () => [...records.values()],
  };
}
