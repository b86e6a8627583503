import { definePlugin } from '@assay/sdk';
import { mysqlConnector } from './mysql-connector.ts';

export { mysqlConnector } from './mysql-connector.ts';

export default definePlugin({
  id: 'connector-mysql',
  platform: '^0.1.0',
  title: 'MySQL connector',
  description: 'Loads MySQL and MariaDB tables and queries into Bronze, in full or incrementally',
  connectors: [mysqlConnector],
});
