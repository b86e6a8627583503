import { access, constants } from 'node:fs/promises';
import type { ConnectionCheckResult } from '@assay/sdk';
import type { DebeziumConnection } from './debezium-config.ts';
import { natsStreamInfo, openNats } from './nats-transport.ts';
import { checkQueue, openRabbit } from './rabbitmq-transport.ts';
import { transportError } from './transport-errors.ts';

/** Connects to the transport and finds the stream or queue, without consuming anything. */
export async function checkTransport(config: DebeziumConnection, uploadsDir: string): Promise<ConnectionCheckResult> {
  const { transport } = config;
  try {
    switch (transport.type) {
      case 'nats': {
        const nc = await openNats(transport, config);
        try {
          const jsm = await natsStreamInfo(nc, transport);
          const info = await jsm.streams.info(transport.stream);
          return {
            ok: true,
            message: `JetStream stream "${transport.stream}" at ${transport.servers} holds ${info.state.messages} messages`,
          };
        } finally {
          await nc.close().catch(() => undefined);
        }
      }
      case 'rabbitmq': {
        const connection = await openRabbit(transport, config);
        try {
          const queue = await checkQueue(connection, transport);
          return {
            ok: true,
            message: `queue "${transport.queue}" at ${transport.host}:${transport.port} holds ${queue.messageCount} messages`,
          };
        } finally {
          await connection.close().catch(() => undefined);
        }
      }
      case 'files': {
        const ready = await access(uploadsDir, constants.R_OK).then(
          () => true,
          () => false,
        );
        return {
          ok: true,
          message: ready
            ? `events are read from the files uploaded to this connection`
            : 'no files uploaded yet: POST NDJSON files to the connection uploads',
        };
      }
    }
  } catch (error) {
    const failure = transportError(error, transport.type);
    return { ok: false, code: failure.code, message: failure.message };
  }
}
