import type { ConnectorState } from '@assay/sdk';
import type { DebeziumConnection, DebeziumStream } from './debezium-config.ts';
import { receiveFiles } from './files-transport.ts';
import { receiveNats } from './nats-transport.ts';
import { receiveRabbit } from './rabbitmq-transport.ts';
import type { Received } from './received.ts';

/** Receives events until none came for `idleMs` or `maxEvents` arrived, from the configured transport. */
export function receive(
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
