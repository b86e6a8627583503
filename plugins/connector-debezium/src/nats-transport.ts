import { UserError, type ConnectorState } from '@assay/sdk';
import { AckPolicy, connect, type JsMsg, type NatsConnection } from 'nats';
import type { DebeziumConnection, DebeziumStream, DebeziumTransport } from './debezium-config.ts';
import { sequenceText, type Received, type TransportMessage } from './received.ts';
import { addToRanges, inRanges, rangesAbove } from './sequence-ranges.ts';
import { transportError } from './transport-errors.ts';

export type NatsTransport = Extract<DebeziumTransport, { type: 'nats' }>;

export async function openNats(transport: NatsTransport, config: DebeziumConnection): Promise<NatsConnection> {
  return connect({
    servers: transport.servers.split(',').map((s) => s.trim()),
    timeout: config.connectTimeoutMs,
    maxReconnectAttempts: 0,
    ...(transport.user === undefined ? {} : { user: transport.user, pass: transport.password ?? '' }),
    ...(transport.token === undefined ? {} : { token: transport.token }),
  }).catch((error: unknown) => {
    throw transportError(error, `NATS ${transport.servers}`);
  });
}

/** The stream must exist and JetStream be enabled; answers NOT_FOUND / JETSTREAM_NOT_ENABLED otherwise. */
export async function natsStreamInfo(nc: NatsConnection, transport: NatsTransport) {
  const jsm = await nc.jetstreamManager().catch((error: unknown) => {
    throw new UserError(`NATS ${transport.servers} has JetStream disabled: start nats-server with -js`, {
      code: 'JETSTREAM_NOT_ENABLED',
      cause: error,
    });
  });
  await jsm.streams.info(transport.stream).catch((error: unknown) => {
    throw new UserError(`JetStream at ${transport.servers} has no stream "${transport.stream}"`, {
      code: 'NOT_FOUND',
      cause: error,
      details: { stream: transport.stream },
    });
  });
  return jsm;
}

/**
 * A durable pull consumer with explicit acks, fetched in batches. Acks go out only after the commit. A message
 * committed but not acknowledged (the process died in between) comes back after `ack_wait`; the state keeps the
 * stream sequences committed above the consumer's ack floor, so such a message is recognised, acknowledged and
 * not read twice. Messages given back by a failed load (never committed) are read again.
 */
export async function receiveNats(
  transport: NatsTransport,
  config: DebeziumConnection,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
  signal: AbortSignal,
): Promise<Received> {
  const where = `NATS ${transport.servers}`;
  const nc = await openNats(transport, config);
  try {
    const jsm = await natsStreamInfo(nc, transport);
    const info = await jsm.consumers.info(transport.stream, transport.consumer).catch(() =>
      jsm.consumers.add(transport.stream, {
        durable_name: transport.consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: transport.ackWaitMs * 1_000_000,
        max_ack_pending: 50_000,
        ...(transport.filterSubject === undefined ? {} : { filter_subject: transport.filterSubject }),
      }),
    );
    const committed = rangesAbove(state?.committed, info.ack_floor.stream_seq);
    const consumer = await nc.jetstream().consumers.get(transport.stream, transport.consumer);
    const taken: JsMsg[] = [];
    const messages: TransportMessage[] = [];
    let duplicates = 0;
    while (messages.length < settings.maxEvents && !signal.aborted) {
      const wanted = Math.min(1000, settings.maxEvents - messages.length);
      const batch = await consumer.fetch({
        max_messages: wanted,
        expires: Math.max(1000, settings.idleMs), // JetStream pulls last at least a second
      });
      let got = 0;
      for await (const message of batch) {
        got++;
        if (inRanges(committed, message.seq)) {
          // Already in Bronze: its ack was lost. Acknowledge it now, read it not.
          message.ack();
          duplicates++;
          continue;
        }
        taken.push(message);
        messages.push({
          body: message.data.length === 0 ? null : Buffer.from(message.data),
          position: sequenceText(message.seq),
        });
      }
      // A pull that came back short waited its whole `expires` for more: the stream is idle.
      if (got < wanted) break;
    }
    if (signal.aborted) throw signal.reason;
    const next = committed.map(([from, to]) => [from, to] as [number, number]);
    for (const message of taken) addToRanges(next, message.seq);
    return {
      messages,
      duplicates,
      state: { committed: next },
      async acknowledge() {
        for (const message of taken) message.ack();
        await nc.drain();
      },
      async close() {
        // Given back at once; a process that dies instead gets them back after the consumer's ack wait.
        for (const message of taken) message.nak();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw transportError(error, where);
  }
}
