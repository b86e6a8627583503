import { definePlugin } from '@assay/sdk';
import { postgresConnector } from './postgres-connector.ts';

export { postgresConnector } from './postgres-connector.ts';

export default definePlugin({
  id: 'connector-postgres',
  platform: '^0.1.0',
  title: 'PostgreSQL connector',
  description: 'Loads PostgreSQL tables and queries into Bronze through COPY, in full or incrementally',
  connectors: [postgresConnector],
});
