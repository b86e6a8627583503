import { createHash } from 'node:crypto';
import { UserError, type ConnectorState } from '@assay/sdk';
import amqp from 'amqplib';
import type { DebeziumConnection, DebeziumStream, DebeziumTransport } from './debezium-config.ts';
import { sequenceText, type Received, type TransportMessage } from './received.ts';
import { transportError } from './transport-errors.ts';

export type RabbitTransport = Extract<DebeziumTransport, { type: 'rabbitmq' }>;

/** Digests of recently committed messages kept in state to recognise redeliveries. */
export const RECENT_DIGESTS = 20_000;

export async function openRabbit(transport: RabbitTransport, config: DebeziumConnection) {
  const url = new URL(`amqp://${transport.host}:${transport.port}`);
  url.username = encodeURIComponent(transport.username);
  if (transport.password !== undefined) url.password = encodeURIComponent(transport.password);
  url.pathname = `/${encodeURIComponent(transport.vhost)}`;
  const connection = await amqp
    .connect(url.toString(), { timeout: config.connectTimeoutMs })
    .catch((error: unknown) => {
      throw transportError(error, `RabbitMQ ${transport.host}:${transport.port}`);
    });
  connection.on('error', () => undefined);
  return connection;
}

/** Fails with NOT_FOUND when the queue does not exist (checking closes the channel, so it gets its own). */
export async function checkQueue(connection: amqp.ChannelModel, transport: RabbitTransport) {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    return await channel.checkQueue(transport.queue);
  } catch (error) {
    throw new UserError(`RabbitMQ ${transport.host} has no queue "${transport.queue}" in vhost ${transport.vhost}`, {
      code: 'NOT_FOUND',
      cause: error,
      details: { queue: transport.queue },
    });
  } finally {
    await channel.close().catch(() => undefined);
  }
}

function digest(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 16);
}

/**
 * Consumes the queue with manual acks and a prefetch of `maxEvents` (every message of the load stays unacked until
 * the commit). The state keeps digests of the last {@link RECENT_DIGESTS} committed messages: a message the broker
 * redelivers (its ack was lost when the process died after the commit) is recognised, acknowledged and skipped.
 */
export async function receiveRabbit(
  transport: RabbitTransport,
  config: DebeziumConnection,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
  signal: AbortSignal,
): Promise<Received> {
  const where = `RabbitMQ ${transport.host}:${transport.port}`;
  const connection = await openRabbit(transport, config);
  try {
    await checkQueue(connection, transport);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.prefetch(settings.maxEvents);
    const recent = Array.isArray(state?.recent) ? (state.recent as string[]) : [];
    const known = new Set(recent);
    const messages: TransportMessage[] = [];
    const digests: string[] = [];
    let lastTaken: amqp.ConsumeMessage | undefined;
    let duplicates = 0;
    let done = false;
    await new Promise<void>((resolve, reject) => {
      let idle = setTimeout(finish, settings.idleMs);
      function finish() {
        done = true;
        clearTimeout(idle);
        signal.removeEventListener('abort', finish);
        resolve();
      }
      signal.addEventListener('abort', finish, { once: true });
      channel
        .consume(
          transport.queue,
          (message) => {
            if (message === null) return finish(); // the queue was deleted
            if (done) return; // not acknowledged: requeued when the channel closes
            clearTimeout(idle);
            const body = message.content;
            const id = digest(body);
            if (message.fields.redelivered && known.has(id)) {
              channel.ack(message);
              duplicates++;
            } else {
              lastTaken = message;
              digests.push(id);
              messages.push({ body: body.length === 0 ? null : body, position: sequenceText(messages.length + 1) });
            }
            if (messages.length >= settings.maxEvents) finish();
            else idle = setTimeout(finish, settings.idleMs);
          },
          { noAck: false },
        )
        .catch(reject);
    });
    if (signal.aborted) throw signal.reason;
    return {
      messages,
      duplicates,
      state: { recent: [...recent, ...digests].slice(-RECENT_DIGESTS) },
      async acknowledge() {
        for (const message of messages.length === 0 ? [] : [lastTaken!]) channel.ack(message, true);
        await channel.close();
        await connection.close();
      },
      async close() {
        await connection.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw transportError(error, where);
  }
}
