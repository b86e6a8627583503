import { definePlugin } from '@assay/sdk';
import { debeziumConnector } from './debezium-connector.ts';

export { debeziumConnector } from './debezium-connector.ts';
export { parseEvent } from './debezium-event.ts';

export default definePlugin({
  id: 'connector-debezium',
  platform: '^0.1.0',
  title: 'Debezium connector',
  description: 'Debezium change events from NATS JetStream, RabbitMQ or files into a Bronze change log',
  connectors: [debeziumConnector],
});
