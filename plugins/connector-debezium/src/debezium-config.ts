import { Secret, Type, type Static } from '@assay/sdk';

const Transport = Type.Union([
  Type.Object(
    {
      type: Type.Literal('nats'),
      servers: Type.String({ minLength: 1, description: 'nats://host:4222 (comma-separated for a cluster)' }),
      stream: Type.String({ minLength: 1, description: 'The JetStream stream the events are in' }),
      consumer: Type.String({ pattern: '^[A-Za-z0-9_-]+$', description: 'Durable consumer name (created if missing)' }),
      filterSubject: Type.Optional(Type.String()),
      ackWaitMs: Type.Integer({
        minimum: 1000,
        default: 300_000,
        description: 'How long JetStream waits for an ack before redelivering (set when the consumer is created)',
      }),
      user: Type.Optional(Type.String()),
      password: Type.Optional(Secret()),
      token: Type.Optional(Secret()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('rabbitmq'),
      host: Type.String({ minLength: 1 }),
      port: Type.Integer({ default: 5672 }),
      vhost: Type.String({ default: '/' }),
      username: Type.String({ default: 'guest' }),
      password: Type.Optional(Secret()),
      queue: Type.String({ minLength: 1, description: 'Durable queue the events are routed to' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('files') },
    {
      additionalProperties: false,
      description: 'NDJSON files of events uploaded to the connection (POST …/connections/:id/uploads)',
    },
  ),
]);
export type DebeziumTransport = Static<typeof Transport>;

export const DebeziumConnectionConfig = Type.Object(
  { transport: Transport, connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }) },
  { additionalProperties: false },
);
export type DebeziumConnection = Static<typeof DebeziumConnectionConfig>;

export const DebeziumStreamConfig = Type.Object(
  {
    idleMs: Type.Integer({ minimum: 50, default: 1000, description: 'A load ends when no event came for this long' }),
    maxEvents: Type.Integer({
      minimum: 1,
      maximum: 50_000,
      default: 10_000,
      description:
        'A load ends after this many events (also the RabbitMQ prefetch: every event stays unacked until the commit)',
    }),
  },
  { additionalProperties: false },
);
export type DebeziumStream = Static<typeof DebeziumStreamConfig>;
