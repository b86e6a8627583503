import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationalError, UserError, type ConnectorState } from '@assay/sdk';
import amqp from 'amqplib';
import { AckPolicy, connect as natsConnect, type JsMsg, type NatsConnection } from 'nats';
import type { DebeziumConnection, DebeziumStream, DebeziumTransport } from './debezium-config.ts';

/** Messages received in one load, and how to acknowledge them once the load is committed. */
export interface Received {
  readonly messages: Array<{ body: Buffer | null; position: string }>;
  /** State to commit with the messages' rows. */
  readonly state: ConnectorState;
  /** Acknowledges every message (after the commit); then closes the transport. */
  acknowledge(): Promise<void>;
  /** Closes without acknowledging: the messages will be delivered again. */
  close(): Promise<void>;
}

/** Pulls messages until none came for `idleMs` or `maxEvents` arrived. */
export async function receive(
  config: DebeziumConnection,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
  signal: AbortSignal,
  uploadsDir: string,
): Promise<Received> {
  const { transport } = config;
  switch (transport.type) {
    case 'nats':
      return receiveNats(transport, config, settings, state, signal);
    case 'rabbitmq':
      return receiveRabbit(transport, config, settings, state, signal);
    case 'files':
      return receiveFiles(uploadsDir, settings, state);
  }
}

type Nats = Extract<DebeziumTransport, { type: 'nats' }>;

async function openNats(transport: Nats, config: DebeziumConnection): Promise<NatsConnection> {
  return natsConnect({
    servers: transport.servers.split(',').map((s) => s.trim()),
    timeout: config.connectTimeoutMs,
    maxReconnectAttempts: 0,
    ...(transport.user === undefined ? {} : { user: transport.user, pass: transport.password ?? '' }),
    ...(transport.token === undefined ? {} : { token: transport.token }),
  });
}

/**
 * JetStream pull consumer: durable, explicit acks. Messages at or below the committed stream sequence (redelivered
 * after a crash between commit and ack) are acknowledged and skipped.
 */
async function receiveNats(
  transport: Nats,
  config: DebeziumConnection,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
  signal: AbortSignal,
): Promise<Received> {
  const nc = await openNats(transport, config).catch((error: unknown) => {
    throw transportError(error, `NATS ${transport.servers}`);
  });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.info(transport.stream).catch((error: unknown) => {
      throw new UserError(`JetStream has no stream "${transport.stream}" at ${transport.servers}`, {
        code: 'NOT_FOUND',
        cause: error,
      });
    });
    await jsm.consumers.info(transport.stream, transport.consumer).catch(() =>
      jsm.consumers.add(transport.stream, {
        durable_name: transport.consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: 300 * 1e9,
        ...(transport.filterSubject === undefined ? {} : { filter_subject: transport.filterSubject }),
      }),
    );
    const consumer = await nc.jetstream().consumers.get(transport.stream, transport.consumer);
    const committed = Number(state?.streamSequence ?? 0);
    const taken: JsMsg[] = [];
    const messages: Received['messages'] = [];
    let last = committed;
    while (messages.length < settings.maxEvents && !signal.aborted) {
      const batch = await consumer.fetch({
        max_messages: Math.min(1000, settings.maxEvents - messages.length),
        // JetStream waits at least a second for a pull.
        expires: Math.max(1000, settings.idleMs),
      });
      let got = 0;
      for await (const message of batch) {
        got++;
        taken.push(message);
        if (message.seq <= committed) continue;
        messages.push({
          body: message.data.length === 0 ? null : Buffer.from(message.data),
          position: String(message.seq).padStart(20, '0'),
        });
        last = Math.max(last, message.seq);
      }
      if (got === 0) break;
    }
    return {
      messages,
      state: { streamSequence: last },
      async acknowledge() {
        for (const message of taken) message.ack();
        await nc.drain();
      },
      async close() {
        // Given back at once; a process that dies instead gets them back after the consumer's ack wait (300 s).
        for (const message of taken) message.nak();
        await nc.drain();
      },
    };
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw transportError(error, `NATS ${transport.servers}`);
  }
}

type Rabbit = Extract<DebeziumTransport, { type: 'rabbitmq' }>;

/** A queue with manual acks and a bounded prefetch; acknowledged all at once after the commit. */
async function receiveRabbit(
  transport: Rabbit,
  config: DebeziumConnection,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
  signal: AbortSignal,
): Promise<Received> {
  const url = new URL(`amqp://${transport.host}:${transport.port}`);
  url.username = transport.username;
  if (transport.password !== undefined) url.password = transport.password;
  url.pathname = `/${encodeURIComponent(transport.vhost)}`;
  const connection = await amqp
    .connect(url.toString(), { timeout: config.connectTimeoutMs })
    .catch((error: unknown) => {
      throw transportError(error, `RabbitMQ ${transport.host}:${transport.port}`);
    });
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.checkQueue(transport.queue).catch((error: unknown) => {
      throw new UserError(`RabbitMQ has no queue "${transport.queue}" on ${transport.host}`, {
        code: 'NOT_FOUND',
        cause: error,
      });
    });
    const channel2 = await connection.createChannel();
    await channel2.prefetch(settings.maxEvents);
    let sequence = Number(state?.sequence ?? 0);
    const messages: Received['messages'] = [];
    let lastDelivery: amqp.ConsumeMessage | undefined;
    await new Promise<void>((resolve, reject) => {
      let idle = setTimeout(resolve, settings.idleMs);
      signal.addEventListener('abort', () => resolve(), { once: true });
      channel2
        .consume(transport.queue, (message) => {
          if (message === null) return resolve();
          clearTimeout(idle);
          lastDelivery = message;
          messages.push({
            body: message.content.length === 0 ? null : message.content,
            position: String(++sequence).padStart(20, '0'),
          });
          if (messages.length >= settings.maxEvents) resolve();
          else idle = setTimeout(resolve, settings.idleMs);
        })
        .catch(reject);
    });
    return {
      messages,
      state: { sequence },
      async acknowledge() {
        if (lastDelivery !== undefined) channel2.ack(lastDelivery, true);
        await channel2.close();
        await connection.close();
      },
      async close() {
        await connection.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw transportError(error, `RabbitMQ ${transport.host}:${transport.port}`);
  }
}

/** NDJSON files in the connection's uploads, each read once (by name) in name order. */
async function receiveFiles(
  uploadsDir: string,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
): Promise<Received> {
  const done = new Set((state?.files as string[] | undefined) ?? []);
  let sequence = Number(state?.sequence ?? 0);
  const names = (await readdir(uploadsDir).catch(() => [] as string[]))
    .filter((n) => /\.(nd)?jsonl?$/.test(n) && !n.startsWith('.') && !done.has(n))
    .sort();
  const messages: Received['messages'] = [];
  for (const name of names) {
    if (messages.length >= settings.maxEvents) break;
    for (const line of (await readFile(join(uploadsDir, name), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      messages.push({ body: Buffer.from(line), position: String(++sequence).padStart(20, '0') });
    }
    done.add(name);
  }
  return {
    messages,
    state: { files: [...done].sort(), sequence },
    acknowledge: async () => undefined,
    close: async () => undefined,
  };
}

export function transportError(error: unknown, where: string): Error {
  if (error instanceof UserError || error instanceof OperationalError) return error;
  const err = error as { code?: string; message?: string };
  const text = err.message ?? String(error);
  if (err.code === 'ECONNREFUSED' || /CONNECTION_REFUSED|ECONNREFUSED/.test(text)) {
    return new OperationalError(`${where}: connection refused`, { code: 'CONNECTION_REFUSED', cause: error });
  }
  if (/AUTHORIZATION_VIOLATION|ACCESS_REFUSED|403|auth/i.test(`${err.code ?? ''} ${text}`)) {
    return new UserError(`${where}: the credentials were refused`, { code: 'AUTH_FAILED', cause: error });
  }
  if (/timeout|TIMEOUT/.test(`${err.code ?? ''} ${text}`)) {
    return new OperationalError(`${where}: no answer in time`, { code: 'TIMEOUT', cause: error });
  }
  return new OperationalError(`${where}: ${text}`, { code: 'CONNECTION_FAILED', cause: error });
}
